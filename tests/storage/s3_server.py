"""A local S3-protocol server for the tests: moto, behind a gate that checks presigned URLs.

moto 5.2 serves a presigned GET without looking at its signature or expiry (a tampered or expired
URL still answers 200; with moto's IAM emulation switched on, presigned GETs fail with 500). Real S3,
MinIO, R2 and Supabase refuse both with 403. `PresignGate` does what they do, independently of
botocore: it recomputes the SigV4 query signature (AWS "Authenticating Requests: Using Query
Parameters") with the credentials it was given and refuses expired, tampered and SigV2 URLs. Every
other request passes straight through to moto. The gate also keeps the headers of the last requests
it saw, so tests can check what the adapter sent.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


class PresignGate:
    """WSGI middleware: answer 403 to presigned requests that S3 would refuse, pass the rest on."""

    def __init__(self, app: WsgiApp, secret_keys: dict[str, str], now: Callable[[], float] = time.time):
        self.app = app
        self.secret_keys = secret_keys
        self.now = now
        self.seen: deque[tuple[str, str, dict[str, str]]] = deque(maxlen=100)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        self._remember(environ)
        query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        names = {name for name, _ in query}
        if "Signature" in names:
            return _forbidden(start_response, "SigV2 presigned URLs are not accepted")
        if "X-Amz-Signature" in names:
            problem = self._problem(environ, dict(query))
            if problem is not None:
                return _forbidden(start_response, problem)
        return self.app(environ, start_response)

    def _remember(self, environ: Environ) -> None:
        headers = {
            name.removeprefix("HTTP_").replace("_", "-").lower(): str(value)
            for name, value in environ.items()
            if name.startswith("HTTP_") or name == "CONTENT_TYPE"
        }
        path = unquote(_raw_path(environ))
        self.seen.append((environ["REQUEST_METHOD"], path, headers))

    def _problem(self, environ: Environ, params: dict[str, str]) -> str | None:
        access_key, date, region, service, _ = params["X-Amz-Credential"].split("/")
        secret = self.secret_keys.get(access_key)
        if secret is None:
            return "InvalidAccessKeyId"
        signed_at = datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if self.now() > signed_at.timestamp() + int(params["X-Amz-Expires"]):
            return "Request has expired"
        expected = _signature(environ, params, secret, date, region, service)
        if not hmac.compare_digest(expected, params["X-Amz-Signature"]):
            return "SignatureDoesNotMatch"
        return None


class GatedMotoServer(ThreadedMotoServer):
    """ThreadedMotoServer whose WSGI app sits behind a PresignGate (its clock is `gate.now`)."""

    def __init__(self, secret_keys: dict[str, str], ip_address: str = "127.0.0.1", port: int = 0):
        super().__init__(ip_address=ip_address, port=port, verbose=False)
        self.gate = PresignGate(DomainDispatcherApplication(create_backend_app), secret_keys)

    def _server_entry(self) -> None:
        # Same as ThreadedMotoServer._server_entry, with the gate in front of moto's app.
        self._server = make_server(
            self._ip_address, self._port, self.gate, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()


def _signature(
    environ: Environ, params: dict[str, str], secret: str, date: str, region: str, service: str
) -> str:
    raw_path = _raw_path(environ)
    signed_headers = params["X-Amz-SignedHeaders"].split(";")
    canonical_request = "\n".join(
        [
            environ["REQUEST_METHOD"],
            quote(unquote(raw_path), safe="/~"),
            _canonical_query(params),
            "".join(f"{name}:{_header(environ, name)}\n" for name in signed_headers),
            ";".join(signed_headers),
            "UNSIGNED-PAYLOAD",
        ]
    )
    scope = f"{date}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            params["X-Amz-Date"],
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def _raw_path(environ: Environ) -> str:
    """The path as the client sent it, still percent-encoded (PATH_INFO is already decoded)."""
    return str(environ.get("RAW_URI") or environ["PATH_INFO"]).partition("?")[0]


def _canonical_query(params: dict[str, str]) -> str:
    pairs = sorted(
        (quote(name, safe="-_.~"), quote(value, safe="-_.~"))
        for name, value in params.items()
        if name != "X-Amz-Signature"
    )
    return "&".join(f"{name}={value}" for name, value in pairs)


def _header(environ: Environ, name: str) -> str:
    if name == "host":
        return str(environ["HTTP_HOST"]).strip()
    return str(environ.get("HTTP_" + name.upper().replace("-", "_"), "")).strip()


def _forbidden(start_response: StartResponse, reason: str) -> list[bytes]:
    body = f"<Error><Code>AccessDenied</Code><Message>{reason}</Message></Error>".encode()
    start_response("403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
    return [body]
