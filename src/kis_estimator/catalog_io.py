"""Reading the catalog and the rulebook from files (the package's defaults or an installation's own).

The shop's source data are CSV files, shipped in the package's `data/catalog/source/`;
`convert_csv_dir` turns them into the package's JSON data files (`data/catalog/*.json`), where empty
cells become null and `a|b` cells become `[a, b]`.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from kis_estimator.engine.catalog import Catalog, build_catalog
from kis_estimator.engine.errors import DataError, DataProblem
from kis_estimator.engine.rulebook import Rulebook, build_rulebook

CATALOG_FILES = ("breakers", "enclosures", "accessories")
DEFAULT_RULEBOOK = "rulebook.toml"


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def _cell(text: str) -> Any:
    text = text.strip()
    if text == "":
        return None
    if "|" in text:
        return [_cell(part) for part in text.split("|")]
    try:
        return _number(text)
    except ValueError:
        return text


_TEXT_FIELDS = {"brand", "type", "series", "model", "grade", "material", "location", "kind"}
_TEXT_FIELDS |= {"line_name", "spec", "unit", "note"}


def _convert_row(name: str, row: dict[str, str]) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    for field, raw in row.items():
        if field in _TEXT_FIELDS:
            converted[field] = raw.strip() or None
        elif field == "compact":
            converted[field] = raw.strip() == "1"
        elif field == "trip_ratings_a":
            value = _cell(raw)
            converted[field] = value if isinstance(value, list) else [value]
        elif field == "thickness_mm":
            converted[field] = float(raw)
        else:
            converted[field] = _cell(raw)
    return converted


def convert_csv_text(name: str, text: str) -> list[dict[str, Any]]:
    """Rows of one catalog CSV, typed as the package's JSON data files hold them."""
    return [_convert_row(name, row) for row in csv.DictReader(io.StringIO(text))]


def convert_csv_dir(source: Path) -> dict[str, bytes]:
    """The JSON data files (name → bytes) built from a directory of the shop's catalog CSVs."""
    files = {}
    for name in CATALOG_FILES:
        rows = convert_csv_text(name, (source / f"{name}.csv").read_text(encoding="utf-8"))
        lines = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
        files[f"{name}.json"] = f"[\n{lines}\n]\n".encode()
    return files


def _read_catalog_files(read: Callable[[str], bytes]) -> Catalog:
    rows: dict[str, Any] = {}
    for name in CATALOG_FILES:
        try:
            rows[name] = json.loads(read(f"{name}.json"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataError(f"catalog {name}.json", [DataProblem("FILE_UNREADABLE", str(exc))]) from exc
    return build_catalog(rows["breakers"], rows["enclosures"], rows["accessories"])


def load_catalog(directory: Path | None = None) -> Catalog:
    """The catalog from a directory of JSON data files, or the package's default when None."""
    if directory is None:
        base = resources.files("kis_estimator").joinpath("data", "catalog")
        return _read_catalog_files(lambda name: base.joinpath(name).read_bytes())
    return _read_catalog_files(lambda name: (directory / name).read_bytes())


def load_rulebook(path: Path | None = None) -> Rulebook:
    """The rulebook from a TOML file, or the package's default when None."""
    try:
        if path is None:
            raw = resources.files("kis_estimator").joinpath("data", DEFAULT_RULEBOOK).read_bytes()
        else:
            raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataError(
            f"rulebook {path or DEFAULT_RULEBOOK}", [DataProblem("FILE_UNREADABLE", str(exc))]
        ) from exc
    return build_rulebook(data)


def main(argv: list[str] | None = None) -> int:
    """`python -m kis_estimator.catalog_io SOURCE_DIR TARGET_DIR`: rebuild the JSON data files from CSV."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        sys.stderr.write("usage: python -m kis_estimator.catalog_io SOURCE_DIR TARGET_DIR\n")
        return 2
    source, target = Path(args[0]), Path(args[1])
    target.mkdir(parents=True, exist_ok=True)
    for name, data in convert_csv_dir(source).items():
        (target / name).write_bytes(data)
    load_catalog(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
