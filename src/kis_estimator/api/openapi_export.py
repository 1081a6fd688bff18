"""The checked-in `openapi.yaml`: the document the service serves at /openapi.json, as YAML.

`python -m kis_estimator.api.openapi_export [PATH]` regenerates it (default: `openapi.yaml` at the repo
root); `--check` only compares and exits 1, with a short diff, when the file is missing or out of date.
The document is built from the app over the package's default settings, ignoring the environment and
`.env`, and without connecting to any database or store (the app connects only on a request).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Any

import yaml

from kis_estimator import bootstrap
from kis_estimator.api.app import create_app
from kis_estimator.settings import Settings

_SOURCE_ROOT = Path(__file__).resolve().parents[3]
DIFF_LINES = 40


def default_path() -> Path:
    """`openapi.yaml` at the root of the source checkout, else in the current directory."""
    root = _SOURCE_ROOT if (_SOURCE_ROOT / "pyproject.toml").is_file() else Path.cwd()
    return root / "openapi.yaml"


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the app over default settings (no environment, no connection)."""
    settings = Settings.model_construct()  # the field defaults only: no environment, no .env
    return create_app(bootstrap.build(settings)).openapi()


def render_yaml(doc: dict[str, Any]) -> str:
    """The document as YAML: keys in the document's order, Korean text as is, no line folding."""
    text: str = yaml.safe_dump(
        doc, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1_000_000, indent=2
    )
    return text


def _diff(current: str, wanted: str, path: Path) -> str:
    lines = list(
        difflib.unified_diff(
            current.splitlines(), wanted.splitlines(), f"{path} (checked in)", "live document", lineterm=""
        )
    )
    shown = "\n".join(lines[:DIFF_LINES])
    more = f"\n… {len(lines) - DIFF_LINES} more diff lines" if len(lines) > DIFF_LINES else ""
    return shown + more


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kis_estimator.api.openapi_export",
        description="Write (or with --check, compare) the checked-in OpenAPI document.",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs; write nothing")
    parser.add_argument(
        "path", nargs="?", type=Path, default=None, help="default: openapi.yaml at the repo root"
    )
    args = parser.parse_args(argv)
    path: Path = args.path or default_path()
    wanted = render_yaml(openapi_document())
    if args.check:
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        if current == wanted:
            print(f"{path} is up to date")
            return 0
        reason = "is missing" if not path.is_file() else "differs from the live document"
        print(f"{path} {reason}:\n{_diff(current, wanted, path)}", file=sys.stderr)
        print("regenerate it with: python -m kis_estimator.api.openapi_export", file=sys.stderr)
        return 1
    path.write_text(wanted, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
