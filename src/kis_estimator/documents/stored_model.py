"""The document model as stored: canonical JSON of a `QuoteDocument`, and back, exactly (the same types
and values: ints stay ints, the seal's bytes go as base64), so a PDF rendered from the stored model has
the bytes of one rendered from the quote at create.

The PDF is rendered from this file on its first download (see `documents.RENDERERS`); the file is part
of the evidence pack (`documents/document.json`), so its SHA-256 is in the manifest.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from kis_estimator.documents.model import Company, Discount, DocumentLine, DocumentPanel, QuoteDocument

SCHEMA = "kis-document/1"


def document_json(document: QuoteDocument) -> bytes:
    """Canonical JSON of a document model (sorted keys, no spaces, UTF-8)."""
    company = document.company
    value = {
        "schema": SCHEMA,
        "number": document.number,
        "date_iso": document.date_iso,
        "date_text": document.date_text,
        "customer": document.customer,
        "contact": document.contact,
        "project": document.project,
        "company": {
            **{name: getattr(company, name) for name in _COMPANY_TEXT},
            "seal": base64.b64encode(company.seal).decode("ascii"),
        },
        "panels": [_panel(panel) for panel in document.panels],
        "subtotal": document.subtotal,
        "vat": document.vat,
        "total": document.total,
        "vat_rate": document.vat_rate,
        "amount_in_words": document.amount_in_words,
        "notes": list(document.notes),
        "evidence_hash": document.evidence_hash,
        "gates": [list(gate) for gate in document.gates],
        "discount": None
        if document.discount is None
        else {
            "amount": document.discount.amount,
            "supply": document.discount.supply,
            "percent": document.discount.percent,
        },
    }
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def document_from_json(data: bytes) -> QuoteDocument:
    """The document model `document_json` wrote. Raises ValueError for anything else."""
    try:
        value = json.loads(data)
        if value.get("schema") != SCHEMA:
            raise ValueError(f"not a {SCHEMA} document model")
        company = value["company"]
        discount = value["discount"]
        return QuoteDocument(
            number=value["number"],
            date_iso=value["date_iso"],
            date_text=value["date_text"],
            customer=value["customer"],
            contact=value["contact"],
            project=value["project"],
            company=Company(
                **{name: company[name] for name in _COMPANY_TEXT},
                seal=base64.b64decode(company["seal"], validate=True),
            ),
            panels=tuple(_panel_from(panel) for panel in value["panels"]),
            subtotal=value["subtotal"],
            vat=value["vat"],
            total=value["total"],
            vat_rate=value["vat_rate"],
            amount_in_words=value["amount_in_words"],
            notes=tuple(value["notes"]),
            evidence_hash=value["evidence_hash"],
            gates=tuple((str(a), str(b), str(c)) for a, b, c in value["gates"]),
            discount=None if discount is None else Discount(**discount),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"malformed document model: {exc!r}") from exc


_COMPANY_TEXT = (
    "name",
    "representative",
    "business_number",
    "address",
    "phone",
    "email",
    "business_kind",
    "fax",
    "contact",
)
_LINE_FIELDS = ("no", "name", "spec", "unit", "qty", "unit_price", "amount", "note", "price_note")


def _panel(panel: DocumentPanel) -> dict[str, Any]:
    return {
        "index": panel.index,
        "name": panel.name,
        "size_text": panel.size_text,
        "enclosure_text": panel.enclosure_text,
        "quantity": panel.quantity,
        "lines": [{name: getattr(line, name) for name in _LINE_FIELDS} for line in panel.lines],
        "subtotal": panel.subtotal,
        "amount": panel.amount,
    }


def _panel_from(value: dict[str, Any]) -> DocumentPanel:
    return DocumentPanel(
        index=value["index"],
        name=value["name"],
        size_text=value["size_text"],
        enclosure_text=value["enclosure_text"],
        quantity=value["quantity"],
        lines=tuple(DocumentLine(**{name: line[name] for name in _LINE_FIELDS}) for line in value["lines"]),
        subtotal=value["subtotal"],
        amount=value["amount"],
    )
