"""The estimator's web UI, served by the API app at `/` (filled in by the web UI change)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)


def mount(app: object) -> None:
    """Attach the UI's routes and static files to the app."""
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)
    app.include_router(router)
