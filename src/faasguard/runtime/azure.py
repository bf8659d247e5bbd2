"""Guard for Azure Functions HTTP triggers (`azure.functions.HttpRequest`).

    import azure.functions as func
    from faasguard.runtime.azure import guard_http

    @guard_http(schema=ORDER_SCHEMA)
    def main(req: func.HttpRequest) -> func.HttpResponse: ...

Works with the v1 (function.json) and v2 (decorator) programming models: put `guard_http`
closest to the function. Rejections are `func.HttpResponse` objects with problem+json bodies.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from ._guard import Guard
from ._http import headers_of, http_view, request_id_of
from ._problems import Rejection, problem_headers, problem_json

Function = Callable[..., Any]


def guard_http(guard: Guard | None = None, **options: Any) -> Callable[[Function], Function]:
    active = guard or Guard(**options)

    def decorate(function: Function) -> Function:
        parameter = _request_parameter(function)

        @functools.wraps(function)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            request = kwargs.get(parameter) if parameter in kwargs else (args[0] if args else None)
            if request is None:
                return function(*args, **kwargs)
            view = _view(request)
            return active.serve_http(view, lambda: function(*args, **kwargs), _reply)

        return guarded

    return decorate


def _request_parameter(function: Function) -> str:
    """Azure binds by parameter name: keep the function's own first parameter name."""
    try:
        names = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return "req"
    return names[0] if names else "req"


def _view(request: Any) -> Any:
    headers = headers_of(dict(request.headers).items())
    params = dict(getattr(request, "params", {}) or {})
    return http_view(
        method=request.method,
        path=urlsplit(str(request.url)).path,
        headers=headers,
        query={str(k): str(v) for k, v in params.items()},
        body=request.get_body(),
        path_params=dict(getattr(request, "route_params", {}) or {}),
        trusted_proxies=1,  # the Functions front end appends "client-ip:port"
        request_id=request_id_of(headers, "x-ms-request-id", "x-request-id", "traceparent"),
    )


def _reply(rejection: Rejection, request_id: str) -> Any:
    import azure.functions as func

    return func.HttpResponse(
        problem_json(rejection, request_id),
        status_code=rejection.status,
        headers={**problem_headers(request_id), **rejection.headers},
    )
