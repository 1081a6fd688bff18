"""OpenTelemetry: one trace per request whose id is the response's X-Trace-Id, a span per pipeline stage,
OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set, and nothing at all when it is not."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from kis_estimator.engine.estimate import STAGES
from kis_estimator.observability import telemetry
from kis_estimator.pipeline import DOCUMENT_STAGES
from tests.api.conftest import Api, make_api, make_settings
from tests.factories import DOMAIN_S8, make_request
from tests.integrations.conftest import Sink, subprocess_env

STAGE_SPANS = [f"pipeline.{name}" for name, _ in STAGES] + [f"pipeline.{name}" for name in DOCUMENT_STAGES]


@pytest.fixture
def traced(tmp_path: Path) -> Iterator[tuple[Api, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    api = make_api(make_settings(tmp_path))
    telemetry.instrument(api.client.app, api.container, span_exporter=exporter)  # type: ignore[arg-type]
    with api.client:
        yield api, exporter


def trace_hex(span: ReadableSpan) -> str:
    assert span.context is not None
    return format(span.context.trace_id, "032x")


def spans_of(exporter: InMemorySpanExporter, trace_id: str) -> list[ReadableSpan]:
    return [span for span in exporter.get_finished_spans() if trace_hex(span) == trace_id]


def request_span(spans: list[ReadableSpan]) -> ReadableSpan:
    (server,) = [span for span in spans if span.kind == SpanKind.SERVER]
    return server


def test_each_request_is_one_trace_with_its_x_trace_id_and_a_span_per_stage(
    traced: tuple[Api, InMemorySpanExporter],
) -> None:
    api, exporter = traced
    created = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
    health = api.client.get("/healthz")
    assert created.status_code == 201 and health.status_code == 200

    trace_ids = {trace_hex(span) for span in exporter.get_finished_spans()}
    assert trace_ids == {created.headers["X-Trace-Id"], health.headers["X-Trace-Id"]}

    spans = spans_of(exporter, created.headers["X-Trace-Id"])
    server = request_span(spans)
    assert server.name == "POST /v1/estimate" and server.parent is None
    assert server.attributes is not None
    assert server.attributes["http.response.status_code"] == 201
    assert server.attributes["kis.trace_id"] == created.headers["X-Trace-Id"]
    stages = sorted((s for s in spans if s is not server), key=lambda s: s.start_time or 0)
    assert [s.name for s in stages] == STAGE_SPANS
    assert server.context is not None
    assert all(s.parent is not None and s.parent.span_id == server.context.span_id for s in stages)
    assert all(server.start_time <= s.start_time and s.end_time <= server.end_time for s in stages)  # type: ignore[operator]

    (health_span,) = spans_of(exporter, health.headers["X-Trace-Id"])
    assert health_span.name == "GET /healthz"


def test_a_callers_trace_id_becomes_the_trace_id(traced: tuple[Api, InMemorySpanExporter]) -> None:
    api, exporter = traced
    given = "0af7651916cd43dd8448eb211c80319c"
    response = api.client.post("/v1/estimate", json=DOMAIN_S8, headers={**api.auth(), "X-Trace-Id": given})
    assert response.headers["X-Trace-Id"] == given
    spans = spans_of(exporter, given)
    assert len(spans) == 1 + len(STAGE_SPANS)

    as_uuid = "5f0c2a9e-4b1d-4c3e-9a7b-0123456789ab"
    kept = api.client.get("/healthz", headers={"X-Trace-Id": as_uuid})
    assert kept.headers["X-Trace-Id"] == as_uuid  # the caller's form is kept; the trace id drops the dashes
    span = request_span(spans_of(exporter, as_uuid.replace("-", "")))
    assert span.attributes is not None and span.attributes["kis.trace_id"] == as_uuid

    short = "abcdef0123456789"  # a valid X-Trace-Id, but not 128 bits: a fresh trace, tagged with it
    echoed = api.client.get("/healthz", headers={"X-Trace-Id": short})
    assert echoed.headers["X-Trace-Id"] == short
    tagged = [s for s in exporter.get_finished_spans() if (s.attributes or {}).get("kis.trace_id") == short]
    assert len(tagged) == 1


def test_a_w3c_traceparent_is_continued_and_becomes_the_x_trace_id(
    traced: tuple[Api, InMemorySpanExporter],
) -> None:
    api, exporter = traced
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    response = api.client.get("/healthz", headers={"traceparent": f"00-{trace_id}-{parent_id}-01"})
    assert response.headers["X-Trace-Id"] == trace_id
    span = request_span(spans_of(exporter, trace_id))
    assert span.parent is not None and format(span.parent.span_id, "016x") == parent_id


def test_a_refused_request_marks_the_refusing_stage_and_a_stream_traces_its_stages(
    traced: tuple[Api, InMemorySpanExporter],
) -> None:
    api, exporter = traced
    refused = api.client.post(
        "/v1/estimate", json=make_request(main={"poles": 5, "trip_at": 200}), headers=api.auth()
    )
    assert refused.status_code == 422
    spans = spans_of(exporter, refused.headers["X-Trace-Id"])
    stages = {s.name: s for s in spans if s.kind != SpanKind.SERVER}
    assert sorted(stages) == ["pipeline.resolve", "pipeline.validate"]  # the refusing stage is the last
    assert stages["pipeline.resolve"].status.status_code == StatusCode.ERROR
    (event,) = stages["pipeline.resolve"].events
    assert event.attributes is not None and event.attributes["exception.type"].endswith("RequestRejected")
    assert request_span(spans).status.status_code == StatusCode.UNSET  # a 422 is the caller's, not ours

    streamed = api.client.post(
        "/v1/estimate", json=DOMAIN_S8, headers={**api.auth(), "Accept": "text/event-stream"}
    )
    assert "event: DONE" in streamed.text
    names = sorted(s.name for s in spans_of(exporter, streamed.headers["X-Trace-Id"]))
    assert names == sorted(["POST /v1/estimate", *STAGE_SPANS])


def test_spans_go_to_the_otlp_endpoint_when_it_is_set(
    tmp_path: Path, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", sink.url)
    api = make_api(make_settings(tmp_path))  # create_app → telemetry.instrument reads the environment
    with api.client:
        response = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
    provider = api.client.app.state.tracer_provider  # type: ignore[attr-defined]
    assert provider.force_flush(10_000)
    provider.shutdown()
    exported: dict[str, set[str]] = {}
    for request in sink.received:
        assert request.path == "/v1/traces"
        assert request.headers["content-type"] == "application/x-protobuf"
        message = ExportTraceServiceRequest.FromString(request.body)
        for resource_spans in message.resource_spans:
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    exported.setdefault(span.trace_id.hex(), set()).add(span.name)
    assert exported == {response.headers["X-Trace-Id"]: {"POST /v1/estimate", *STAGE_SPANS}}


OFF_PROBE = """
import json, sys
from fastapi.testclient import TestClient
from kis_estimator import bootstrap
from kis_estimator.api.app import create_app
from kis_estimator.settings import Settings
container = bootstrap.build(Settings(_env_file=None))
container.prepare_embedded()
app = create_app(container)
with TestClient(app) as client:
    status = client.get("/healthz").status_code
print(json.dumps({
    "status": status,
    "sdk": sorted(m for m in sys.modules if m.startswith(("opentelemetry.sdk", "opentelemetry.exporter", "sentry_sdk"))),
    "middleware": [m.cls.__name__ for m in app.user_middleware],
}))
"""


def test_without_the_variables_nothing_is_imported_or_added(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", OFF_PROBE],
        env=subprocess_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    probe: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["status"] == 200
    assert probe["sdk"] == []
    assert "BodyLimit" in probe["middleware"]  # the app's own are there, ours are not
    assert not {"RequestSpans", "SentryTraceTag"} & set(probe["middleware"])
