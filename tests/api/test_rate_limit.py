"""Write requests per caller per minute, counted in the database (so every process counts alike)."""

from __future__ import annotations

from pathlib import Path

from kis_estimator.db.rate_limits import RateLimitRepository
from tests.api.conftest import Api, make_api, make_settings
from tests.api.test_app import envelope


def test_a_caller_over_the_limit_gets_429_with_retry_after(tmp_path: Path) -> None:
    api = make_api(make_settings(tmp_path, rate_limit_per_minute=3))
    with api.client:
        patch = {"status": "sent"}
        statuses = [
            api.client.patch("/v1/estimate/nope", json=patch, headers=api.auth()).status_code
            for _ in range(3)
        ]
        assert statuses == [404, 404, 404]
        refused = api.client.patch("/v1/estimate/nope", json=patch, headers=api.auth())
        body = envelope(refused)
        assert refused.status_code == 429 and body["code"] == "RATE_LIMITED"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60 and body["meta"]["limitPerMinute"] == 3
        assert api.client.get("/v1/estimate", headers=api.auth()).status_code == 200  # reads are not counted
        other = api.client.patch("/v1/estimate/nope", json=patch, headers=api.auth("admin"))
        assert other.status_code == 404  # another caller has its own count


def test_windows_are_minutes_and_old_ones_are_cleared(api: Api) -> None:
    with api.container.sessions.begin() as session:
        limits = RateLimitRepository(session)
        assert limits.hit("key:1", 1_000_000.0) == (1, 20)  # 1,000,000 s is 40 s into its minute
        assert limits.hit("key:1", 1_000_019.0) == (2, 1)
        assert limits.hit("key:1", 1_000_020.0) == (1, 60)  # a new minute starts from one
        assert limits.hit("key:2", 1_000_020.0) == (1, 60)
        from sqlalchemy import text

        rows = session.execute(text("SELECT bucket, window_start FROM rate_limits ORDER BY 1, 2")).all()
        assert [tuple(r) for r in rows] == [("key:1", 1_000_020), ("key:2", 1_000_020)]
