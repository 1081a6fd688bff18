"""The evidence pack: hashes, SHA256SUMS, signature, and verification that names every change."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kis_estimator.evidence import build_pack, calculation_hash, stage_files, verify_pack
from tests.factories import DOMAIN_S8, requires_tool

SECRET = "test-signing-secret"


@pytest.fixture
def pack_dir(quote_of: Any, tmp_path: Path) -> tuple[Path, str]:
    quote = quote_of(DOMAIN_S8)
    content = {**stage_files(quote), "documents/quote.pdf": b"%PDF-1.7 fake", "drawing/layout.svg": b"<svg/>"}
    pack = build_pack(quote, content, engine_version="test", secret=SECRET)
    directory = tmp_path / "evidence"
    pack.write(directory)
    return directory, pack.sha256


def test_stage_files_and_calculation_hash_are_deterministic(quote_of: Any) -> None:
    first, second = stage_files(quote_of(DOMAIN_S8)), stage_files(quote_of(DOMAIN_S8))
    assert first == second
    assert sorted(first) == [
        f"stages/{s}.json"
        for s in sorted(("validate", "resolve", "enclosure", "placement", "critic", "pricing"))
    ]
    assert calculation_hash(first) == calculation_hash(second)


def test_manifest_records_hashes_and_versions(pack_dir: tuple[Path, str]) -> None:
    directory, _ = pack_dir
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["engine_version"] == "test"
    assert manifest["rulebook_version"] == "2026.1"
    assert len(manifest["catalog_sha256"]) == 64
    assert set(manifest["files"]) >= {"stages/pricing.json", "documents/quote.pdf", "drawing/layout.svg"}


def test_a_clean_pack_verifies_with_its_signature(pack_dir: tuple[Path, str]) -> None:
    directory, sha = pack_dir
    result = verify_pack(directory, expected_sha256=sha, secret=SECRET)
    assert result.ok and result.signature_checked and result.evidence_sha256 == sha


@requires_tool(shutil.which("sha256sum") is not None, "sha256sum")
def test_sha256sum_accepts_the_sums_file(pack_dir: tuple[Path, str]) -> None:
    directory, _ = pack_dir
    done = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=directory, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_tampering_adding_and_removing_are_named(pack_dir: tuple[Path, str]) -> None:
    directory, sha = pack_dir
    (directory / "stages" / "pricing.json").write_text('{"totals": 1}', encoding="utf-8")
    (directory / "documents" / "quote.pdf").unlink()
    (directory / "documents" / "extra.txt").write_text("slipped in", encoding="utf-8")
    result = verify_pack(directory, expected_sha256=sha)
    assert not result.ok
    assert result.changed == ["stages/pricing.json"]
    assert result.missing == ["documents/quote.pdf"]
    assert result.extra == ["documents/extra.txt"]


def test_a_rewritten_manifest_breaks_the_hash_and_signature(pack_dir: tuple[Path, str]) -> None:
    directory, sha = pack_dir
    (directory / "drawing" / "layout.svg").write_bytes(b"<svg>forged</svg>")
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["drawing/layout.svg"] = hashlib.sha256(b"<svg>forged</svg>").hexdigest()
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = verify_pack(directory, expected_sha256=sha, secret=SECRET)
    assert not result.ok
    assert any("evidence hash" in p for p in result.problems)
    assert any("signature" in p for p in result.problems)
    assert "manifest.json" in result.changed  # SHA256SUMS still holds the old manifest's hash


def test_wrong_secret_fails(pack_dir: tuple[Path, str]) -> None:
    directory, sha = pack_dir
    result = verify_pack(directory, expected_sha256=sha, secret="another")
    assert not result.ok and result.problems == ["signature does not match the evidence hash"]


def test_paths_must_stay_inside_the_pack(quote_of: Any) -> None:
    with pytest.raises(ValueError):
        build_pack(quote_of(DOMAIN_S8), {"../escape.txt": b"x"}, engine_version="t")


def test_a_rotated_secret_still_verifies_packs_signed_with_the_previous_one(
    pack_dir: tuple[Path, str],
) -> None:
    directory, sha = pack_dir
    assert verify_pack(directory, expected_sha256=sha, secret=["the-new-secret", SECRET]).ok
    only_new = verify_pack(directory, expected_sha256=sha, secret=["the-new-secret"])
    assert not only_new.ok and "signature does not match the evidence hash" in only_new.problems


def test_settings_list_the_current_secret_first() -> None:
    from kis_estimator.settings import Settings

    settings = Settings(_env_file=None, evidence_secret="new", evidence_secret_previous="old-1, old-2,")  # type: ignore[call-arg]
    assert settings.evidence_secrets() == ["new", "old-1", "old-2"]
    assert Settings(_env_file=None).evidence_secrets() == []  # type: ignore[call-arg]


def test_sha256sums_is_checked_against_the_pack_itself(pack_dir: tuple[Path, str]) -> None:
    directory, sha = pack_dir
    sums = directory / "SHA256SUMS"
    original = sums.read_text(encoding="utf-8")
    first_path = original.splitlines()[0].split("  ", 1)[1]
    sums.write_text(original.replace(f"  {first_path}\n", f"  {first_path}x\n", 1), encoding="utf-8")
    renamed = verify_pack(directory, expected_sha256=sha, secret=SECRET)
    assert not renamed.ok and renamed.changed == ["SHA256SUMS"]  # a renamed line, not a missing file
    digest = original.splitlines()[0][:64]
    flipped = ("0" if digest[0] != "0" else "1") + digest[1:]
    sums.write_text(original.replace(digest, flipped, 1), encoding="utf-8")
    wrong_digest = verify_pack(directory, expected_sha256=sha, secret=SECRET)
    assert wrong_digest.changed == ["SHA256SUMS"]  # the file itself still matches its manifest entry
    sums.write_text(original, encoding="utf-8")
    assert verify_pack(directory, expected_sha256=sha, secret=SECRET).ok
