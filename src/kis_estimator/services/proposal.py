"""A multi-option proposal: a request priced as two or three options (A, B, C), each option the request
with some dimensions changed (`brand`, `grade`, `material` with an optional `thickness_mm`,
`enclosure_kind`, as the alternatives name them; `{}` is the request as it is), and delivered as one
workbook (sheet 비교 first, live formulas into each option's sheet), one PDF (the comparison page first)
and one evidence pack holding every option's own calculation (its stage files, documents and manifest
under `options/<label>/`).

Nothing is saved (docs/decisions.md "Multi-option proposal"): the proposal has a number of its own
(`P-YYYYMMDD-xxxxxx`, not from the quote sequence) and each option is numbered `<number>-<label>`.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from kis_estimator._version import __version__
from kis_estimator.documents import deferred
from kis_estimator.documents.model import build_document
from kis_estimator.documents.pdf.proposal import render_proposal_pdf
from kis_estimator.documents.printable import unprintable_problems
from kis_estimator.documents.proposal import ProposalCells, ProposalOption, render_proposal_xlsx
from kis_estimator.engine.alternatives import BRAND_KO, GRADE_KO, combined_request
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.errors import RequestProblem, RequestRejected
from kis_estimator.engine.request import parse_request
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.evidence import MANIFEST, SUMS, json_bytes, manifest_hash, sha256_hex
from kis_estimator.pipeline import DocumentOptions, QuoteIdentity, compute_estimate, produce

if TYPE_CHECKING:  # bootstrap imports the services lazily; only its type is needed here
    from kis_estimator.bootstrap import Container

__all__ = ["LABELS", "Proposal", "parse_option", "proposal", "proposal_of_request"]

LABELS = ("A", "B", "C")
SCHEMA = "kis-proposal-evidence/1"
_VALUES: dict[str, tuple[str, ...]] = {
    "brand": ("LS", "SANGDO"),
    "grade": ("ECONOMY", "STANDARD"),
    "material": ("STEEL", "SUS201"),
    "enclosure_kind": ("STOCK", "CUSTOM"),
}
_KIND_KO = {"STOCK": "기성함", "CUSTOM": "주문제작"}


@dataclass(frozen=True)
class Proposal:
    number: str
    options: list[dict[str, Any]]  # label, changes, title, number, totals
    workbook: bytes
    pdf: bytes
    files: dict[str, bytes]  # the evidence pack: path → bytes, manifest and SHA256SUMS included
    sha256: str  # the manifest's hash
    cells: ProposalCells  # where the workbook's figures are

    def zip_bytes(self) -> bytes:
        """The pack as a zip (fixed timestamps: the same proposal gives the same bytes)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(self.files):
                info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, self.files[path])
        return buffer.getvalue()


def _problem(path: str, ko: str, en: str, hint: str) -> RequestProblem:
    return RequestProblem("PROPOSAL_OPTION_INVALID", ko, en, path, hint)


def parse_option(text: str) -> dict[str, str]:
    """`brand=LS,grade=ECONOMY` → {"brand": "LS", "grade": "ECONOMY"} (the CLI's --option); "" → {}."""
    changes: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, value = part.partition("=")
        changes[key.strip()] = value.strip()
    return changes


def _checked(specs: Any) -> list[dict[str, str | float]]:
    """The option specs, or RequestRejected naming every wrong one (path options.N.key)."""
    if not isinstance(specs, list) or not 2 <= len(specs) <= len(LABELS):
        raise RequestRejected(
            [
                _problem(
                    "options",
                    "대안은 2~3개여야 합니다",
                    "a proposal has 2 or 3 options",
                    "options: [{...}, {...}]",
                )
            ]
        )
    problems: list[RequestProblem] = []
    checked: list[dict[str, str | float]] = []
    for index, spec in enumerate(specs):
        if not isinstance(spec, dict):
            problems.append(
                _problem(
                    f"options.{index}", "대안은 객체여야 합니다", "an option is an object", '{"brand": "LS"}'
                )
            )
            continue
        option: dict[str, str | float] = {}
        for key, value in spec.items():
            path = f"options.{index}.{key}"
            if key == "thickness_mm" and "material" in spec:
                if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 10:
                    option[key] = float(value)
                else:
                    problems.append(
                        _problem(path, "두께가 잘못되었습니다", "thickness_mm must be 0-10", "1.2")
                    )
            elif key in _VALUES and isinstance(value, str) and value.upper() in _VALUES[key]:
                option[key] = value.upper()
            else:
                allowed = ", ".join(f"{k}={'|'.join(v)}" for k, v in _VALUES.items())
                problems.append(
                    _problem(
                        path,
                        f"알 수 없는 대안 항목: {str(key)[:40]}",
                        f"unknown option {str(key)[:40]!r}",
                        allowed,
                    )
                )
        checked.append(option)
    if problems:
        raise RequestRejected(problems)
    return checked


def option_title(changes: dict[str, Any]) -> str:
    """{"brand": "LS", "grade": "ECONOMY"} → "LS · 경제형"; {} → "요청 그대로"."""
    words = []
    if "brand" in changes:
        words.append(BRAND_KO[changes["brand"]])
    if "grade" in changes:
        words.append(GRADE_KO[changes["grade"]])
    if "material" in changes:
        thickness = changes.get("thickness_mm")
        words.append(changes["material"] + (f" {thickness:g}T" if thickness else ""))
    if "enclosure_kind" in changes:
        words.append(_KIND_KO[changes["enclosure_kind"]])
    return " · ".join(words) or "요청 그대로"


def _prefixed(exc: RequestRejected, prefix: str) -> RequestRejected:
    return RequestRejected([replace(p, path=f"{prefix}.{p.path}") for p in exc.problems])


def proposal_of_request(
    raw_request: Any,
    specs: Any,
    catalog: Catalog,
    rules: Rulebook,
    options: DocumentOptions,
    *,
    created_at: str,
    token: str,
    price_book_id: int | None = None,
) -> Proposal:
    """The proposal of `raw_request` under the option `specs`. Raises RequestRejected with every problem:
    the request's own, a wrong option (options.N.key), what an option cannot map or the engine refuses
    in it (options.N.panels…)."""
    changes = _checked(specs)
    request = parse_request(raw_request)  # the request's own problems, at their paths in the request
    if unprintable := unprintable_problems(raw_request):
        raise RequestRejected(unprintable)
    # the request as it is, priced once (milliseconds): what it gets wrong is said at its own paths,
    # not once per option under options.N
    compute_estimate(raw_request, catalog, rules, with_documents=False, request=request)
    number = f"P-{created_at[:10].replace('-', '')}-{token[:6].upper()}"
    files: dict[str, bytes] = {}
    chosen: list[ProposalOption] = []
    summary: list[dict[str, Any]] = []
    problems: list[RequestProblem] = []
    for label, change in zip(LABELS, changes, strict=False):
        prefix = f"options.{LABELS.index(label)}"
        planned = combined_request(request, change, rules, catalog)
        if planned.request is None:
            problems += [
                RequestProblem("ALTERNATIVE_UNMAPPED", u.reason_ko, u.reason_en, f"{prefix}.{u.path}", "")
                for u in planned.unmapped
            ]
            continue
        raw = planned.request.model_dump(mode="json", exclude_unset=True)
        try:
            estimate = compute_estimate(raw, catalog, rules, with_documents=True, price_book_id=price_book_id)
        except RequestRejected as exc:
            problems += _prefixed(exc, prefix).problems
            continue
        identity = QuoteIdentity(f"{token}-{label}", f"{number}-{label}", created_at)
        result = produce(estimate, identity, options)
        assert result.evidence is not None
        quote = result.quote
        title = option_title(change)
        document = build_document(
            quote, options.company, options.terms, evidence_hash=quote["evidence"]["calculation_sha256"]
        )
        chosen.append(ProposalOption(label, title, document))
        files.update({f"options/{label}/{path}": data for path, data in result.evidence.files.items()})
        # The option's PDF and DXF, which its pack declares deferred, at their declared paths.
        files.update({f"options/{label}/{r.path}": result.documents[r.filename] for r in deferred()})
        totals = {k: quote["totals"][k] for k in ("subtotal", "vat", "total")}
        summary.append(
            {
                "label": label,
                "title": title,
                "changes": change,
                "number": quote["number"],
                "totals": totals,
                "evidence_sha256": result.evidence.sha256,
                "request": raw,
            }
        )
    if problems:
        raise RequestRejected(problems)
    workbook, cells = render_proposal_xlsx(chosen)
    pdf = render_proposal_pdf(chosen, number)
    files["documents/proposal.xlsx"] = workbook
    files["documents/proposal.pdf"] = pdf
    files["proposal.json"] = json_bytes({"number": number, "created_at": created_at, "options": summary})
    digests = {path: sha256_hex(data) for path, data in files.items()}
    manifest = {
        "schema": SCHEMA,
        "number": number,
        "engine_version": __version__,
        "rulebook_version": rules.version,
        "catalog_sha256": catalog.sha256,
        "options": {o["label"]: o["evidence_sha256"] for o in summary},
        "files": dict(sorted(digests.items())),
    }
    files[MANIFEST] = json_bytes(manifest)
    digests[MANIFEST] = sha256_hex(files[MANIFEST])
    files[SUMS] = "".join(f"{d}  {p}\n" for p, d in sorted(digests.items())).encode()
    return Proposal(number, summary, workbook, pdf, files, manifest_hash(manifest), cells)


def proposal(container: Container, raw_request: Any, specs: Any, *, actor: str | None = None) -> Proposal:
    """The proposal priced with the catalog in use and the configured company, terms and secret."""
    context = container.save_context()
    options = replace(context.options, actor=actor)
    moment = datetime.now(ZoneInfo(context.timezone)).isoformat(timespec="seconds")
    return proposal_of_request(
        raw_request,
        specs,
        context.catalog,
        context.rules,
        options,
        created_at=moment,
        token=uuid.uuid4().hex,
        price_book_id=context.price_book_id,
    )
