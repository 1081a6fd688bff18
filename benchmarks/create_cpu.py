"""The CPU one create costs, stage by stage: the DOMAIN §8 example (examples/domain-s8-outdoor-sus.json)
saved in process over SQLite and a file store in a temporary directory (the API tests' app factory).

Runs N creates through the use case (`run_create`, what every edge calls) and N through the ASGI app
(POST /v1/estimate with the Starlette TestClient, no Idempotency-Key), after a warm-up, and prints the
p50 in ms of CPU (`time.process_time`: every thread of this process, so the blob puts of the store's
thread pool count too) of each stage and of the whole create:
- engine (validate … pricing), stage files (the engine's JSON per stage and their hashes), document
  model, xlsx, pdf, layout (the front view's shapes, shared by SVG and DXF), svg, dxf, lint, evidence
  (the pack: manifest, sums, signature), storage (the blob puts); sources: the stored inputs of the
  documents rendered on first download (the DXF's layout JSON);
- database: what is left of the use case (number, rows, events, sessions and the glue between);
- HTTP: the create through the ASGI app minus the create through the use case (routing, auth, JSON in
  and out, the test client's own share).
Each stage is timed exclusive of the stages it calls. The wall-clock p50 of a create is printed as well.
Then, for each document rendered on first download (a renderer with a `source`), the CPU of that first
download of RUNS fresh quotes, through the use case (`document_bytes`) and through GET
/v1/estimate/{id}/documents/{kind}, and of a second download (the stored blob, checked).

`python benchmarks/create_cpu.py [RUNS]` (from the repository root; default 40 runs each way)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_requests import DOMAIN_S8  # noqa: E402 - benchmarks/ is the script's own folder
from tests.api.conftest import make_api, make_settings  # noqa: E402 - the test's app factory, on purpose

import kis_estimator.documents as documents  # noqa: E402
import kis_estimator.pipeline as pipeline  # noqa: E402
import kis_estimator.services.saving as saving  # noqa: E402
from kis_estimator.services.creating import run_create  # noqa: E402

STAGES = (
    "engine",
    "stage files",
    "document model",
    "xlsx",
    "pdf",
    "layout",
    "svg",
    "dxf",
    "sources",
    "lint",
    "evidence",
    "storage",
)
SPENT: dict[str, float] = {}  # stage → CPU seconds, exclusive, in the current create
_STACK: list[float] = []  # CPU seconds spent by the children of each open stage


def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _STACK.append(0.0)
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            elapsed = time.process_time() - started
            children = _STACK.pop()
            SPENT[name] = SPENT.get(name, 0.0) + elapsed - children
            if _STACK:
                _STACK[-1] += elapsed

    return wrapper


def instrument() -> None:
    """Wrap each stage's entry point where its caller looks it up."""
    saving.compute_estimate = timed("engine", saving.compute_estimate)
    pipeline.stage_files = timed("stage files", pipeline.stage_files)
    pipeline.build_document = timed("document model", pipeline.build_document)
    pipeline.render_xlsx_with_map = timed("xlsx", pipeline.render_xlsx_with_map)
    documents.layout_sheet = timed("layout", documents.layout_sheet)
    for kind, renderer in list(documents.RENDERERS.items()):
        if kind != "xlsx":  # the pipeline renders the workbook with its cell map, above
            documents.RENDERERS[kind] = replace(renderer, render=timed(kind, renderer.render))
        source = getattr(renderer, "source", None)  # a deferred renderer: its input written at create
        if source is not None:
            documents.RENDERERS[kind] = replace(
                documents.RENDERERS[kind], source=replace(source, write=timed("sources", source.write))
            )
    pipeline.static_lint = timed("lint", pipeline.static_lint)
    pipeline.build_pack = timed("evidence", pipeline.build_pack)
    saving._write_blobs = timed("storage", saving._write_blobs)


def measure(
    create: Callable[[], object], runs: int
) -> tuple[list[float], list[float], dict[str, list[float]]]:
    """CPU ms and wall ms of each create, and each stage's CPU ms per create."""
    cpu, wall, stages = [], [], {name: [] for name in STAGES}
    for _ in range(runs):
        SPENT.clear()
        started, clock = time.process_time(), time.perf_counter()
        create()
        cpu.append((time.process_time() - started) * 1000)
        wall.append((time.perf_counter() - clock) * 1000)
        for name in STAGES:
            stages[name].append(SPENT.get(name, 0.0) * 1000)
    return cpu, wall, stages


@dataclass(frozen=True)
class Profile:
    """One in-process profile: each stage's p50 (with "database" and "HTTP" derived), in ms of CPU."""

    runs: int
    stages: dict[str, float]  # the STAGES, then "database" and "HTTP" (the TestClient's)
    use_case: float  # p50 of the create through the use case
    use_case_mean: float
    use_case_wall: float
    http: float  # p50 of the create through the ASGI app (TestClient)
    http_wall: float


def profile(runs: int) -> Profile:
    """Instrument the stages, warm up, and time `runs` creates through the use case and the ASGI app."""
    instrument()
    with tempfile.TemporaryDirectory() as tmp:
        api = make_api(make_settings(Path(tmp)))
        with api.client:

            def direct() -> object:
                return run_create(api.container, DOMAIN_S8, trace_id="bench")

            def http() -> object:
                response = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
                assert response.status_code == 201, response.text
                return response

            for _ in range(5):  # warm-up: imports, fonts, caches, the first SQLite pages
                direct()
                http()
            cpu, wall, stages = measure(direct, runs)
            http_cpu, http_wall, _ = measure(http, runs)
    p50 = {name: statistics.median(values) for name, values in stages.items()}
    use_case = statistics.median(cpu)
    p50["database"] = max(0.0, use_case - sum(p50.values()))
    p50["HTTP"] = max(0.0, statistics.median(http_cpu) - use_case)
    return Profile(
        runs,
        p50,
        use_case,
        statistics.fmean(cpu),
        statistics.median(wall),
        statistics.median(http_cpu),
        statistics.median(http_wall),
    )


def main(runs: int) -> int:
    result = profile(runs)
    print(f"CPU of one create, DOMAIN §8 panel, SQLite + file store, p50 of {runs} runs (ms)")
    width = max(len(name) for name in result.stages)
    for name, ms in result.stages.items():
        print(f"  {name:<{width}}  {ms:7.2f}")
    print(f"  {'use case total':<{width}}  {result.use_case:7.2f}   (wall p50 {result.use_case_wall:.1f})")
    print(f"  {'HTTP total':<{width}}  {result.http:7.2f}   (wall p50 {result.http_wall:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 40))
