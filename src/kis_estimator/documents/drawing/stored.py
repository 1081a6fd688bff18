"""A sheet as stored: its shapes as canonical JSON, and back, exactly (same types, same values), so a
drawing rendered from the stored sheet has the bytes of one rendered from the quote at create.

The DXF is rendered from this file on its first download (see `documents.RENDERERS`); the file is part
of the evidence pack (`drawing/layout.json`), so its SHA-256 is in the manifest.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from kis_estimator.documents.drawing.shapes import Line, Rect, Shape, Sheet, Text

_TYPES: dict[str, type[Rect] | type[Line] | type[Text]] = {"rect": Rect, "line": Line, "text": Text}
_NAMES = {cls: name for name, cls in _TYPES.items()}
_FIELDS = {cls: tuple(f.name for f in fields(cls)) for cls in _TYPES.values()}
SCHEMA = "kis-sheet/1"


def sheet_json(sheet: Sheet) -> bytes:
    """Canonical JSON of a sheet (sorted keys, no spaces, UTF-8): equal sheets give equal bytes."""
    value = {
        "schema": SCHEMA,
        "width": sheet.width,
        "height": sheet.height,
        "title": sheet.title,
        "shapes": [_item(shape) for shape in sheet.shapes],
    }
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sheet_from_json(data: bytes) -> Sheet:
    """The sheet `sheet_json` wrote. Raises ValueError for anything else."""
    try:
        value = json.loads(data)
        if value.get("schema") != SCHEMA:
            raise ValueError(f"not a {SCHEMA} sheet")
        shapes = tuple(_shape(item) for item in value["shapes"])
        return Sheet(value["width"], value["height"], shapes, value["title"])
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"malformed sheet: {exc!r}") from exc


def _item(shape: Shape) -> dict[str, Any]:
    cls = type(shape)
    return {"type": _NAMES[cls], **{name: getattr(shape, name) for name in _FIELDS[cls]}}


def _shape(item: dict[str, Any]) -> Shape:
    cls = _TYPES[item.pop("type")]
    if unknown := set(item) - set(_FIELDS[cls]):
        raise ValueError(f"unknown fields {sorted(unknown)} of a {cls.__name__}")
    if "lines" in item:
        item["lines"] = tuple(item["lines"])
    if "data" in item:
        item["data"] = tuple((str(key), str(value)) for key, value in item["data"])
    return cls(**item)
