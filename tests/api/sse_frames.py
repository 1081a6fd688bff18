"""Parse a server-sent-event stream into frames (test helper)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any


def parse_frames(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Frames as {"id", "event", "payload"}; the retry preamble is skipped."""
    frames: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    for line in lines:
        if not line:
            if "payload" in current:
                frames.append(current)
            current = {}
            continue
        field, _, value = line.partition(": ")
        if field == "id":
            current["id"] = int(value)
        elif field == "event":
            current["event"] = value
        elif field == "data":
            current["payload"] = json.loads(value)
    if "payload" in current:
        frames.append(current)
    return frames
