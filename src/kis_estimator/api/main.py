"""The ASGI entry point for uvicorn (`uvicorn --factory kis_estimator.api.main:app`), one per worker.

Once the app is built, the objects made so far (modules, routes, the catalog, the fonts: some 300,000
that live as long as the process) are moved out of the garbage collector's reach (`gc.freeze`), and
the youngest generation is collected every GC_YOUNG_THRESHOLD allocations instead of every 700: a
create allocates tens of thousands of short-lived objects, and with the defaults the collector ran
about ten times per create, now and then over the whole heap (docs/performance.md, "HTTP edge").
"""

from __future__ import annotations

import gc

from fastapi import FastAPI

from kis_estimator import bootstrap
from kis_estimator.api.app import create_app
from kis_estimator.observability.metrics import configure_logging

GC_YOUNG_THRESHOLD = 10_000


def app() -> FastAPI:
    container = bootstrap.build()
    configure_logging(container.settings.log_level)
    built = create_app(container)
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)
    return built
