"""The evidence pack: the files that prove how every number of a quote was reached.

Layout of a pack (paths are POSIX, relative to the pack's root):

    stages/<stage>.json      what each engine stage produced (deterministic)
    validation.json          every gate with its status
    adjustments.json         only for a quote with price adjustments: each one (what, from, to, reason)
                             and who made them (the caller's subject, when the edge knows one)
    supplier.json            only for a quote made while a supplier profile (공급자) was set: the
                             profile shown on the documents, the seal by its SHA-256 and storage key
    metrics.json             stage timings (differ run to run)
    drawing/layout.svg       the front view
    drawing/layout.json      the front view's shapes, which the DXF is rendered from
    documents/quote.xlsx|pdf the documents as sent
    manifest.json            each file's SHA-256, catalog hash, rulebook and engine versions, and the
                             deferred documents (`deferred`: drawing/layout.dxf), which are not in the
                             pack but rendered from files that are, on their first download; their
                             SHA-256 is recorded in the database then
    SHA256SUMS               `sha256sum -c SHA256SUMS` checks every file, the manifest included
    signature.json           HMAC-SHA256 of the evidence hash, when a secret is configured

The quote's evidence hash is the SHA-256 of the canonical manifest. The documents themselves show the
calculation hash (over the stage files only), since a document cannot contain the hash of itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from kis_estimator.engine.catalog import canonical_json
from kis_estimator.engine.model import Quote

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
SIGNATURE = "signature.json"
PACK_FILES = (MANIFEST, SUMS, SIGNATURE)
MEASUREMENTS = ("metrics.json",)
SCHEMA = "kis-evidence/1"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def json_bytes(value: Any) -> bytes:
    """Stable pretty JSON (UTF-8, sorted keys, trailing newline) for evidence files."""
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def stage_files(quote: Quote) -> dict[str, bytes]:
    """The deterministic stage files of a quote (what each stage decided, from the quote JSON)."""
    panels = quote["panels"]
    stages = {
        "validate": {"request": quote["request"]},
        "resolve": [{"panel": p["name"], "breakers": p["breakers"]} for p in panels],
        "enclosure": [
            {"panel": p["name"], "enclosure": p["enclosure"], "rows": p["layout"]["rows"]} for p in panels
        ],
        "placement": [
            {"panel": p["name"], "placed": p["layout"]["placed"], "phases": p["phases"]} for p in panels
        ],
        "critic": [{"panel": p["name"], "gates": p["gates"], "thermal": p["thermal"]} for p in panels],
        "pricing": {
            "panels": [
                {
                    "panel": p["name"],
                    "lines": p["lines"],
                    "subtotal": p["subtotal"],
                    "quantity": p["quantity"],
                    "amount": p["amount"],
                }
                for p in panels
            ],
            "totals": quote["totals"],
        },
    }
    return {f"stages/{name}.json": json_bytes(content) for name, content in stages.items()}


def adjustment_files(quote: Mapping[str, Any], actor: str | None) -> dict[str, bytes]:
    """`adjustments.json` for a quote whose prices the estimator adjusted; nothing for any other quote
    (so its pack keeps its bytes). `actor` is who asked: the API caller's subject ("key:<id>",
    "jwt:<sub>"), None where the edge has no identity (the CLI, the MCP server over stdio)."""
    adjustments = quote.get("adjustments")
    if not adjustments:
        return {}
    made = [{**adjustment, "by": actor} for adjustment in adjustments]
    return {"adjustments.json": json_bytes({"quote_id": quote["id"], "by": actor, "adjustments": made})}


def supplier_files(snapshot: Mapping[str, Any] | None) -> dict[str, bytes]:
    """`supplier.json`, the supplier profile the documents show; nothing without a profile (so the
    pack of such a quote keeps its bytes)."""
    return {} if snapshot is None else {"supplier.json": json_bytes(dict(snapshot))}


def calculation_hash(stages: Mapping[str, bytes]) -> str:
    """SHA-256 over the stage files' hashes: identical for identical input, shown on the documents."""
    return calculation_hash_of({path: sha256_hex(data) for path, data in stages.items()})


def calculation_hash_of(stage_digests: Mapping[str, str]) -> str:
    """`calculation_hash` from the stage files' SHA-256 digests (path → hex)."""
    return sha256_hex(canonical_json(dict(sorted(stage_digests.items()))))


@dataclass(frozen=True)
class EvidencePack:
    files: dict[str, bytes]  # every file of the pack, manifest and sums included
    manifest: dict[str, Any]
    sha256: str
    signature: str | None
    digests: dict[str, str]  # the SHA-256 of every file of `files`, by path: hashed once, here

    def write(self, directory: Path) -> None:
        for path, data in self.files.items():
            target = directory / PurePosixPath(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def sign(evidence_sha256: str, secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), evidence_sha256.encode("ascii"), hashlib.sha256).hexdigest()


def build_pack(
    quote: Quote,
    content: Mapping[str, bytes],
    *,
    engine_version: str,
    secret: str | None = None,
    known: Mapping[str, str] | None = None,
    deferred: Mapping[str, Mapping[str, Any]] | None = None,
) -> EvidencePack:
    """The pack over `content` (path → bytes, stage files included) with manifest, sums and signature.

    `known`: the SHA-256 of some of `content`'s files that the caller computed already (path → hex);
    they are taken as they are. Every other file is hashed once. `deferred`: the documents declared
    but not in the pack (path → kind, media type, the pack files they are rendered from, renderer).
    """
    for path in content:
        _check_relative(path)
    known = known or {}
    digests = {path: known.get(path) or sha256_hex(data) for path, data in content.items()}
    manifest = {
        "schema": SCHEMA,
        "quote_id": quote["id"],
        "number": quote["number"],
        "engine_version": engine_version,
        "rulebook_version": quote["rulebook_version"],
        "rulebook_sha256": quote["rulebook_sha256"],
        "catalog_sha256": quote["catalog_sha256"],
        "calculation_sha256": calculation_hash_of(
            {p: d for p, d in digests.items() if p.startswith("stages/")}
        ),
        "files": {path: digest for path, digest in sorted(digests.items()) if path not in MEASUREMENTS},
        "measurements": {path: digest for path, digest in sorted(digests.items()) if path in MEASUREMENTS},
    }
    if deferred:
        for entry in deferred.values():
            if unknown := [p for p in entry["inputs"] if p not in content]:
                raise ValueError(f"a deferred document's inputs are not in the pack: {unknown}")
        manifest["deferred"] = {path: dict(entry) for path, entry in sorted(deferred.items())}
    evidence_sha256 = manifest_hash(manifest)
    files = {**content}
    _add(files, digests, MANIFEST, json_bytes(manifest))
    signature = sign(evidence_sha256, secret) if secret else None
    if signature:
        _add(
            files,
            digests,
            SIGNATURE,
            json_bytes(
                {"algorithm": "HMAC-SHA256", "evidence_sha256": evidence_sha256, "signature": signature}
            ),
        )
    sums = "".join(f"{digest}  {path}\n" for path, digest in sorted(digests.items())).encode()
    _add(files, digests, SUMS, sums)
    return EvidencePack(
        files=files, manifest=manifest, sha256=evidence_sha256, signature=signature, digests=digests
    )


def _add(files: dict[str, bytes], digests: dict[str, str], path: str, data: bytes) -> None:
    files[path] = data
    digests[path] = sha256_hex(data)


def manifest_hash(manifest: Mapping[str, Any]) -> str:
    """The evidence hash: SHA-256 of the canonical manifest, measurements left out."""
    return sha256_hex(canonical_json({k: v for k, v in manifest.items() if k != "measurements"}))


def _check_relative(path: str) -> None:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise ValueError(f"evidence path must be relative and inside the pack: {path!r}")


@dataclass
class Verification:
    """The outcome of checking a pack on disk: every changed, missing and extra file by name."""

    evidence_sha256: str | None = None
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    signature_checked: bool = False
    derivable: list[str] = field(default_factory=list)  # deferred documents not rendered yet: re-render ok

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.extra or self.problems)


def _files_on_disk(directory: Path) -> set[str]:
    return {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}


def verify_pack(
    directory: Path, *, expected_sha256: str | None = None, secret: str | Sequence[str] | None = None
) -> Verification:
    """Re-hash every file of the pack against its manifest; name what changed, is missing or is extra."""
    result = Verification()
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        listed: dict[str, str] = {**manifest["files"], **manifest.get("measurements", {})}
    except FileNotFoundError:
        result.missing.append(MANIFEST)
        return result
    except (OSError, ValueError, KeyError, TypeError) as exc:
        result.problems.append(f"manifest.json unreadable: {exc}")
        return result
    result.evidence_sha256 = manifest_hash(manifest)
    for path, digest in sorted(listed.items()):
        file = directory / PurePosixPath(path)
        if not file.is_file():
            result.missing.append(path)
        elif sha256_hex(file.read_bytes()) != digest:
            result.changed.append(path)
    declared = manifest.get("deferred")  # rendered after create: stored beside the pack once rendered
    deferred = set(declared) if isinstance(declared, dict) else set()
    result.extra = sorted(_files_on_disk(directory) - set(listed) - set(PACK_FILES) - deferred)
    manifest_trusted = expected_sha256 is None or expected_sha256 == result.evidence_sha256
    _check_sums(directory, result, listed, manifest_trusted)
    if not manifest_trusted:
        result.problems.append(f"evidence hash {result.evidence_sha256} ≠ the quote's {expected_sha256}")
    if secret:
        _check_signature(directory, result, secret)
    return result


def _check_sums(
    directory: Path, result: Verification, listed: Mapping[str, str], manifest_trusted: bool
) -> None:
    """SHA256SUMS must list exactly the pack's files with the manifest's digests (the manifest and the
    signature with their own). A line that disagrees while its file matches the manifest means
    SHA256SUMS itself was changed; a disagreeing manifest line blames the manifest when the manifest
    fails the quote's evidence hash (`manifest_trusted` false), else SHA256SUMS."""
    sums = directory / SUMS
    if not sums.is_file():
        result.missing.append(SUMS)
        return
    entries: dict[str, str] = {}
    for line in sums.read_text(encoding="utf-8", errors="replace").splitlines():
        digest, _, path = line.partition("  ")
        entries[path] = digest
    expected = dict(listed)
    for own in (MANIFEST, SIGNATURE):
        if (directory / own).is_file():
            expected[own] = sha256_hex((directory / own).read_bytes())
    for path in sorted(set(entries) | set(expected)):
        if entries.get(path) == expected.get(path):
            continue
        if path in (MANIFEST, SIGNATURE) and path not in expected:
            if path not in result.missing:
                result.missing.append(path)
            continue
        blamed = MANIFEST if path == MANIFEST and not manifest_trusted else SUMS
        if blamed not in result.changed:
            result.changed.append(blamed)
        result.problems.append(f"{SUMS} and the pack disagree about {path}")


def _check_signature(directory: Path, result: Verification, secret: str | Sequence[str]) -> None:
    """The signature must match under the secret, or under one of the secrets (current first, then the
    previous ones kept while packs signed with them are still verified)."""
    secrets = [secret] if isinstance(secret, str) else [s for s in secret if s]
    result.signature_checked = True
    try:
        recorded = json.loads((directory / SIGNATURE).read_text(encoding="utf-8"))["signature"]
    except (OSError, ValueError, KeyError, TypeError):
        result.problems.append("signature.json missing or unreadable")
        return
    evidence_hash = result.evidence_sha256
    if evidence_hash is None or not any(
        hmac.compare_digest(str(recorded), sign(evidence_hash, key)) for key in secrets
    ):
        result.problems.append("signature does not match the evidence hash")
