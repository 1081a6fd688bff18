"""Judging an uploaded zip (xlsx, price-book zip) from its directory, before anything is decompressed.

zipfile stops a member at its declared size and then fails its CRC check, so the declared sizes bound
what can ever be decompressed: checking them is enough against zip bombs.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

# Real files compress 5-20×; the ratio only means something for members big enough to hurt.
RATIO_CHECKED_FROM_BYTES: Final = 1024 * 1024
MAX_ARCHIVE_MEMBERS: Final = 1_000
_HEAD_BYTES: Final = 16 * 1024
_WORKSHEET_ROOT: Final = re.compile(rb"<(?:\w+:)?worksheet\b")
_DIMENSION: Final = re.compile(rb"<(?:\w+:)?dimension\b")


@dataclass(frozen=True)
class ArchiveLimits:
    max_uncompressed_bytes: int
    max_compression_ratio: int = 100


def archive_refusal(members: Sequence[zipfile.ZipInfo], limits: ArchiveLimits) -> tuple[str, str] | None:
    """Why (Korean, English) the declared member count, sizes or compression ratio are refused, or None."""
    if len(members) > MAX_ARCHIVE_MEMBERS:
        return f"압축 항목 {len(members):,}개", f"{len(members):,} members"
    total = sum(member.file_size for member in members)
    if total > limits.max_uncompressed_bytes:
        return f"압축을 풀면 {total:,}바이트", f"{total:,} bytes uncompressed"
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= RATIO_CHECKED_FROM_BYTES and ratio > limits.max_compression_ratio:
            return f"{member.filename} 압축률 {ratio:,.0f}배", f"{member.filename} compressed {ratio:,.0f}:1"
    return None


def parsed_whole_bytes(archive: zipfile.ZipFile, members: Sequence[zipfile.ZipInfo]) -> int:
    """Declared bytes openpyxl's read-only loader parses whole: every member but the worksheets that
    declare their <dimension>, judged by the first 16 KB of content (not by path: a hostile file may
    put shared strings under xl/worksheets/)."""
    total = 0
    for member in members:
        with archive.open(member) as stream:
            head = stream.read(_HEAD_BYTES)
        if not (_WORKSHEET_ROOT.search(head) and _DIMENSION.search(head)):
            total += member.file_size
    return total
