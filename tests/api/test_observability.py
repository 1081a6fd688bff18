"""Metrics, JSON logs with trace ids (and no secrets), trace-id propagation, readiness failures."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from kis_estimator.observability.metrics import JsonFormatter
from tests.api.conftest import Api, make_api, make_settings
from tests.factories import DOMAIN_S8, make_request


def test_metrics_count_requests_stages_quotes_and_errors(api: Api) -> None:
    api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
    api.client.post("/v1/estimate", json=make_request(main={"poles": 5, "trip_at": 200}), headers=api.auth())
    text = api.client.get("/metrics").text
    assert (
        'kis_http_request_duration_seconds_count{method="POST",route="/v1/estimate",status="201"} 1.0' in text
    )
    assert 'kis_pipeline_stage_duration_seconds_count{stage="pricing"} 1.0' in text
    assert "kis_quotes_created_total 1.0" in text
    assert 'kis_errors_total{code="POLES_MISMATCH",status="422"} 1.0' in text


def test_a_given_trace_id_is_kept_and_a_bad_one_replaced(api: Api) -> None:
    kept = api.client.get("/healthz", headers={"X-Trace-Id": "abcdef0123456789"})
    assert kept.headers["X-Trace-Id"] == "abcdef0123456789"
    replaced = api.client.get("/healthz", headers={"X-Trace-Id": "<script>"})
    assert replaced.headers["X-Trace-Id"] != "<script>" and len(replaced.headers["X-Trace-Id"]) == 32


def test_access_logs_are_json_with_the_trace_id_and_never_the_key(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kis_estimator")
    logger = logging.getLogger("kis_estimator")
    logger.propagate = True
    response = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
    api.client.get("/v1/estimate?q=secret-query", headers=api.auth("viewer"))
    lines = [JsonFormatter().format(record) for record in caplog.records]
    entries = [json.loads(line) for line in lines]
    access = [e for e in entries if e["logger"] == "kis_estimator.api.access"]
    assert any(e["trace_id"] == response.headers["X-Trace-Id"] and e["status"] == 201 for e in access)
    assert all(e["principal"] is None or e["principal"].startswith("key:") for e in access)
    everything = "\n".join(lines)
    for key in api.keys.values():
        assert key not in everything
    assert "secret-query" not in everything  # query strings (signed URLs carry signatures) are not logged


def test_readiness_names_the_part_that_is_down(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the store's directory should be")
    api = make_api(make_settings(tmp_path))
    api.container.settings.storage_url = f"file://{blocker}/blobs"
    del api.container.__dict__["store"]  # reopen the store at the broken place
    with api.client:
        response = api.client.get("/readyz")
    body = response.json()
    assert response.status_code == 503 and body["status"] == "degraded"
    assert body["db"] == "ok" and body["storage"].startswith("error:")
