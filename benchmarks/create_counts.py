"""What one create costs in hashing and database work: POST /v1/estimate of the DOMAIN §8 example with an
Idempotency-Key, through the API app (a fresh SQLite database and file store, the default storage
budget). Prints how many times each stored file's bytes were hashed with SHA-256 and every database
transaction begun, with the code that began it.

`python benchmarks/create_counts.py` (from the repository root)
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.api.conftest import make_api, make_settings  # noqa: E402 - the test's app factory, on purpose

REAL_SHA256 = hashlib.sha256
HASHED: Counter[str] = Counter()
BEGUN: Counter[str] = Counter()
COUNTING = [False]


def _counting_sha256(data: bytes = b"", **kwargs: Any) -> Any:
    if COUNTING[0] and data:
        HASHED[REAL_SHA256(bytes(data)).hexdigest()] += 1
    return REAL_SHA256(data, **kwargs)


def _begun(session: Session, *_: Any) -> None:
    if COUNTING[0]:
        frames = [f for f in traceback.extract_stack() if "/kis_estimator/" in f.filename]
        BEGUN[" < ".join(f"{Path(f.filename).name}:{f.name}" for f in frames[-2:][::-1])] += 1


def main() -> int:
    request = json.loads((ROOT / "examples" / "domain-s8-outdoor-sus.json").read_text(encoding="utf-8"))
    hashlib.sha256 = _counting_sha256  # type: ignore[assignment]
    event.listen(Session, "after_begin", _begun)
    with tempfile.TemporaryDirectory() as tmp:
        api = make_api(make_settings(Path(tmp)))
        with api.client:
            api.client.post("/v1/estimate", json=request, headers=api.auth())  # warm-up
            COUNTING[0] = True
            response = api.client.post(
                "/v1/estimate", json=request, headers={**api.auth(), "Idempotency-Key": "count-1"}
            )
            COUNTING[0] = False
            assert response.status_code == 201, response.text
            store = api.container.store
            hashed = {
                key.split("/", 2)[2]: HASHED[REAL_SHA256(store.get(key)).hexdigest()]
                for key in store.list(f"quote/{response.json()['id']}/")
            }
    print("times hashed  stored file")
    for key, times in sorted(hashed.items()):
        print(f"{times:>12}  {key}")
    print(f"\n{sum(BEGUN.values())} database transactions begun")
    for where, times in BEGUN.most_common():
        print(f"{times:>3}  {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
