"""Small request-scoped helpers shared by the routers."""

from __future__ import annotations

from fastapi import Request

from kis_estimator.bootstrap import Container


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container
