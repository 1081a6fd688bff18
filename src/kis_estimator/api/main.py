"""The ASGI entry point for uvicorn (`uvicorn --factory kis_estimator.api.main:app`), one per worker."""

from __future__ import annotations

from fastapi import FastAPI

from kis_estimator import bootstrap
from kis_estimator.api.app import create_app
from kis_estimator.observability.metrics import configure_logging


def app() -> FastAPI:
    container = bootstrap.build()
    configure_logging(container.settings.log_level)
    return create_app(container)
