"""The HTTP contract as a document: the checked-in `openapi.yaml` is the live one, the app serves it, and
every operation says who may call it and how it fails."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from kis_estimator.api.openapi_export import main, openapi_document, render_yaml
from tests.api.conftest import Api

ROOT = Path(__file__).resolve().parents[2]
CHECKED_IN = ROOT / "openapi.yaml"
REGENERATE = "run `python -m kis_estimator.api.openapi_export` and commit openapi.yaml"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Open to anyone: probes and the API's own documentation (no quote data), and the filesystem store's
# signed blob URLs, whose HMAC signature in the query is the credential.
PUBLIC = re.compile(r"^/(healthz|readyz|metrics|openapi[^/]*)$|^/v1/blobs/")
SIGN_IN = ("POST", "/v1/session")  # the sign-in itself needs no credential (its name and password are)
ENVELOPE = "#/components/schemas/ErrorEnvelope"


@cache
def live() -> dict[str, Any]:
    return openapi_document()


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in live()["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def label(value: Any) -> str:
    return f"{value[0]} {value[1]}" if isinstance(value, tuple) else str(value)


def differences(old: Any, new: Any, where: str = "") -> list[str]:
    """Where two documents differ, as `paths › /v1/... › get` trails (the first few point the way)."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in [*old, *(k for k in new if k not in old)]:
            here = f"{where} › {key}" if where else str(key)
            if key not in new:
                found.append(f"{here} (only in openapi.yaml)")
            elif key not in old:
                found.append(f"{here} (only in the app)")
            else:
                found += differences(old[key], new[key], here)
        return found
    return [] if old == new else [where or "(the whole document)"]


def test_the_checked_in_document_is_the_live_one() -> None:
    assert CHECKED_IN.is_file(), f"{CHECKED_IN} is missing: {REGENERATE}"
    checked_in = yaml.safe_load(CHECKED_IN.read_text(encoding="utf-8"))
    if checked_in != live():
        found = differences(checked_in, live())
        shown = "\n  ".join(found[:12]) + (f"\n  … and {len(found) - 12} more" if len(found) > 12 else "")
        pytest.fail(f"openapi.yaml is out of date with the app; {REGENERATE}. It differs at:\n  {shown}")


def test_export_is_deterministic_and_check_reports_a_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = render_yaml(live())
    assert text == render_yaml(openapi_document())
    assert yaml.safe_load(text) == live()
    target = tmp_path / "openapi.yaml"
    assert main(["--check", str(target)]) == 1  # missing
    assert main([str(target)]) == 0 and target.read_text(encoding="utf-8") == text
    assert main(["--check", str(target)]) == 0
    target.write_text(text.replace("KIS Estimator", "Other"), encoding="utf-8")
    capsys.readouterr()
    assert main(["--check", str(target)]) == 1
    err = capsys.readouterr().err
    assert "-  title: Other" in err and "+  title: KIS Estimator" in err and "openapi_export" in err


def test_the_app_serves_the_document_and_the_swagger_ui(api: Api) -> None:
    served = api.client.get("/openapi.json")
    assert served.status_code == 200 and served.headers["content-type"].startswith("application/json")
    assert served.json() == live()
    ui = api.client.get("/openapi")
    assert ui.status_code == 200 and ui.headers["content-type"].startswith("text/html")
    assert "swagger-ui" in ui.text and "/openapi.json" in ui.text


def test_the_document_is_openapi_3_1() -> None:
    document = live()
    assert re.fullmatch(r"3\.1\.\d+", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"]
    assert document["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["HTTPBearer"].get("description"),
    }
    assert "EstimateRequest" in document["components"]["schemas"]
    assert set(document["components"]["schemas"]["ErrorEnvelope"]["required"]) == {
        "code",
        "message",
        "hint",
        "path",
        "traceId",
        "meta",
    }


@pytest.mark.parametrize(("method", "path", "operation"), operations(), ids=[label(o) for o in operations()])
def test_every_operation_is_documented(method: str, path: str, operation: dict[str, Any]) -> None:
    assert operation.get("summary", "").strip(), f"{method} {path} has no summary"
    assert operation.get("operationId"), f"{method} {path} has no operationId"
    responses = operation["responses"]
    assert any(code.startswith(("2", "3")) for code in responses), f"{method} {path}: no success response"
    for code, response in responses.items():
        if code.startswith("4"):
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            assert schema.get("$ref") == ENVELOPE, f"{method} {path}: {code} is not the error envelope"


def _bearer(operation: dict[str, Any]) -> bool:
    schemes = live()["components"].get("securitySchemes", {})
    return any(
        schemes.get(name, {}).get("type") == "http" and schemes[name].get("scheme", "").lower() == "bearer"
        for requirement in operation.get("security", [])
        for name in requirement
    )


@pytest.mark.parametrize(("method", "path", "operation"), operations(), ids=[label(o) for o in operations()])
def test_every_private_operation_requires_a_bearer_key(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    responses = operation["responses"]
    if PUBLIC.search(path) or (method, path) == SIGN_IN:
        if not path.startswith("/v1/blobs/"):
            assert not operation.get("security"), f"{method} {path} is a public probe: no auth"
    else:
        assert _bearer(operation), f"{method} {path} must declare bearer auth in `security`"
        assert "401" in responses, f"{method} {path} must document 401 (missing or bad key)"
        assert "403" in responses, f"{method} {path} must document 403 (role not allowed)"
    if "requestBody" in operation or operation.get("parameters"):
        assert "422" in responses, f"{method} {path} takes input: it must document 422 (invalid input)"


def test_the_declared_auth_is_enforced(api: Api) -> None:
    """Without a key every private operation answers 401 with the envelope, before it looks at the input."""
    for method, path, _ in operations():
        if PUBLIC.search(path) or (method, path) == SIGN_IN:
            continue
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = api.client.request(method, url)
        assert response.status_code == 401, f"{method} {url} without a key: {response.status_code}"
        body = response.json()
        assert body["code"] == "AUTH_REQUIRED" and body["traceId"] == response.headers["X-Trace-Id"]


EXTERNAL = re.compile(r"""(?:src|href|url)\s*[=:(]\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
REFERENCED = re.compile(r"""(?:src|href)="(/[^"?#]*)""")


def test_no_served_html_page_loads_anything_from_another_origin(api: Api) -> None:
    from kis_estimator.web import PAGES

    pages = ["/openapi", *(page.replace("{quote_id}", "x") for page in PAGES)]
    for page in pages:
        response = api.client.get(page)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html"), page
        assert not EXTERNAL.search(response.text), (
            f"{page} names another origin: {EXTERNAL.search(response.text)}"
        )
        for asset in REFERENCED.findall(response.text):
            assert api.client.get(asset).status_code == 200, f"{page}: {asset} is not served by the app"


def test_the_swagger_page_is_the_packaged_one_under_a_strict_policy(api: Api) -> None:
    page = api.client.get("/openapi")
    assert (
        "/openapi/assets/swagger-ui-bundle.js" in page.text and "/openapi/assets/swagger-ui.css" in page.text
    )
    policy = page.headers["Content-Security-Policy"]
    assert (
        "default-src 'self'" in policy
        and "'sha256-" in policy
        and "'unsafe-inline'" not in policy.split(";")[1]
    )
    assert '"validatorUrl": null' in page.text  # the online validator badge would leak the document's URL
    script = api.client.get("/openapi/assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert len(script.content) > 500_000  # the real bundle, not a stub
