"""The UI's server side without a browser: every page path serves the shell with its security headers,
every asset the shell and the modules name is served by the app itself (no CDN), and no page is in
the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from kis_estimator.web import PAGES, STATIC_DIR
from tests.api.conftest import Api, make_api, make_settings

PAGE_URLS = [
    "/",
    "/login",
    "/quotes",
    "/quotes/11111111-2222-3333-4444-555555555555",
    "/quotes/x/revise",
    "/catalog",
    "/drafts",
    "/drafts/11111111-2222-3333-4444-555555555555",
    "/templates",
    "/customers",
    "/customers/11111111-2222-3333-4444-555555555555",
    "/profile",
    "/audit",
]
LOCAL_ASSET = re.compile(r"""(?:src|href)="(/static/[^"?]+)""")
MODULE_IMPORT = re.compile(r"""from "\./([\w-]+\.js)";""")


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Api]:
    made = make_api(make_settings(tmp_path))
    with made.client:
        yield made


def test_every_page_serves_the_shell_with_a_strict_policy(web: Api) -> None:
    assert len(PAGE_URLS) == len(PAGES)
    for url in PAGE_URLS:
        response = web.client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("text/html")
        assert '<html lang="ko">' in response.text
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"


def test_pages_need_no_key_but_the_api_still_does(web: Api) -> None:
    assert web.client.get("/quotes").status_code == 200
    assert web.client.get("/v1/estimate").status_code == 401


def test_every_asset_is_served_by_the_app(web: Api) -> None:
    shell = web.client.get("/").text
    assets = LOCAL_ASSET.findall(shell)
    assert "/static/js/main.js" in assets and "/static/app.css" in assets
    modules = {path.name for path in (STATIC_DIR / "js").glob("*.js")}
    for module in modules:
        imported = MODULE_IMPORT.findall((STATIC_DIR / "js" / module).read_text(encoding="utf-8"))
        assert set(imported) <= modules, f"{module} imports a module that does not exist"
        assets.append(f"/static/js/{module}")
    for asset in assets:
        response = web.client.get(asset)
        assert response.status_code == 200, asset
        assert response.headers["cache-control"] == "no-cache"
    for path in STATIC_DIR.rglob("*"):
        if path.suffix in (".js", ".css", ".html"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"https?://", text), f"{path.name} names an outside address"


def test_no_page_is_in_the_openapi_document(web: Api) -> None:
    paths = web.client.get("/openapi.json").json()["paths"]
    assert all(path.startswith("/v1/") or path in ("/healthz", "/readyz", "/metrics") for path in paths)
