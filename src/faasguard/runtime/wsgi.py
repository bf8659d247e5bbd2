"""Guard for plain WSGI apps (OpenFaaS, Knative, any WSGI server).

    from faasguard.runtime.wsgi import GuardMiddleware
    app = GuardMiddleware(app, schema=ORDER_SCHEMA, detect="block")

The body is read once (never more than the body limit plus one byte) and handed on to the app.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from ._guard import Guard, log
from ._http import headers_of, http_view, query_of, request_id_of
from ._limits import too_large
from ._problems import Rejection, problem_headers, problem_json

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_REASONS = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 413: "Content Too Large",
    415: "Unsupported Media Type", 429: "Too Many Requests", 500: "Internal Server Error",
    503: "Service Unavailable",
}  # fmt: skip


class GuardMiddleware:
    """WSGI middleware: rejects with problem+json, otherwise calls the wrapped app."""

    def __init__(
        self, app: WsgiApp, guard: Guard | None = None, *, trusted_proxies: int = 0, **options: Any
    ) -> None:
        """`trusted_proxies`: proxies in front of the app that append to X-Forwarded-For (0: the
        client is REMOTE_ADDR; the header, which any client can write, is ignored)."""
        self.app = app
        self.guard = guard or Guard(**options)
        self.trusted_proxies = trusted_proxies

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def reply(rejection: Rejection, request_id: str) -> Iterable[bytes]:
            body = problem_json(rejection, request_id).encode()
            headers = list({**problem_headers(request_id), **rejection.headers}.items())
            headers.append(("Content-Length", str(len(body))))
            start_response(f"{rejection.status} {_REASONS.get(rejection.status, '')}", headers)
            return [body]

        try:
            body = _read_body(environ, self.guard.limits.max_body_bytes)
        except Rejection as rejection:
            return reply(rejection, "")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        request = http_view(
            method=str(environ.get("REQUEST_METHOD", "GET")),
            path=str(environ.get("PATH_INFO", "/")),
            headers=_environ_headers(environ),
            query=query_of(parse_qs(str(environ.get("QUERY_STRING", "")), True).items()),
            body=body,
            source_ip=str(environ.get("REMOTE_ADDR", "")),
            trusted_proxies=self.trusted_proxies,
        )
        request.request_id = request_id_of(request.headers, "x-request-id", "x-cloud-trace-context")
        return self.guard.serve_http(request, lambda: self.app(environ, start_response), reply)


def _environ_headers(environ: dict[str, Any]) -> dict[str, str]:
    pairs = [
        (key[5:].replace("_", "-"), str(value))
        for key, value in environ.items()
        if key.startswith("HTTP_")
    ]
    if environ.get("CONTENT_TYPE"):
        pairs.append(("content-type", str(environ["CONTENT_TYPE"])))
    return headers_of(pairs)


def _read_body(environ: dict[str, Any], limit: int) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    try:
        declared = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        error = {"field": "headers.content-length", "rule": "integer"}
        raise Rejection(400, "malformed", [error]) from None
    if declared > limit:
        raise too_large("max_body_bytes")
    try:
        body = stream.read(declared if declared >= 0 else limit + 1)
    except Exception:
        log.exception("faasguard: could not read the request body")
        raise Rejection(400, "malformed") from None
    if len(body) > limit:
        raise too_large("max_body_bytes")
    return body
