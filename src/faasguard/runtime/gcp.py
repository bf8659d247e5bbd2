"""Guard for Google Cloud Functions (functions-framework).

    from faasguard.runtime.gcp import guard_http, guard_event

    @functions_framework.http
    @guard_http(schema=ORDER_SCHEMA)
    def orders(request): ...          # a flask.Request

    @functions_framework.cloud_event
    @guard_event(schema=ORDER_SCHEMA)
    def on_message(cloud_event): ...  # Pub/Sub and other CloudEvents

Rejected HTTP requests get a problem+json (body, status, headers) tuple, which Flask accepts.
Rejected events are logged and acknowledged (not retried): a hostile message never succeeds later.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable
from typing import Any

from . import _events
from ._guard import Guard
from ._http import headers_of, http_view, query_of, request_id_of
from ._limits import too_large
from ._problems import Rejection, problem_headers, problem_json
from ._view import Message

Function = Callable[[Any], Any]


def guard_http(guard: Guard | None = None, **options: Any) -> Callable[[Function], Function]:
    active = guard or Guard(**options)

    def decorate(function: Function) -> Function:
        @functools.wraps(function)
        def guarded(request: Any) -> Any:
            return _serve(active, function, request)

        return guarded

    return decorate


def _reply(rejection: Rejection, request_id: str) -> tuple[str, int, dict[str, str]]:
    return (
        problem_json(rejection, request_id),
        rejection.status,
        {**problem_headers(request_id), **rejection.headers},
    )


def _serve(guard: Guard, function: Function, request: Any) -> Any:
    length = getattr(request, "content_length", None) or 0
    if length > guard.limits.max_body_bytes:
        return _reply(too_large("max_body_bytes"), "")
    headers = headers_of(request.headers.items())
    args = request.args
    lists = args.lists() if hasattr(args, "lists") else ((k, [v]) for k, v in args.items())
    view = http_view(
        method=request.method,
        path=request.path,
        headers=headers,
        query=query_of(lists),
        body=request.get_data(cache=True),
        source_ip=getattr(request, "remote_addr", "") or "",
        trusted_proxies=1,  # Google's front end appends the client address
        request_id=request_id_of(headers, "function-execution-id", "x-cloud-trace-context"),
    )
    return guard.serve_http(view, lambda: function(request), _reply)


def guard_event(guard: Guard | None = None, **options: Any) -> Callable[[Function], Function]:
    active = guard or Guard(**options)

    def decorate(function: Function) -> Function:
        @functools.wraps(function)
        def guarded(cloud_event: Any) -> Any:
            message = event_message(cloud_event)
            call = _events.Invocation(
                function=active.function_name or "", request_id=message.item_id, source="gcp"
            )
            try:
                active.check_message(message, call)
            except Rejection:
                return None
            return function(cloud_event)

        return guarded

    return decorate


def event_message(cloud_event: Any) -> Message:
    """A CloudEvent as a Message; Pub/Sub payloads are base64-decoded."""
    data = getattr(cloud_event, "data", None)
    event_id = ""
    try:
        event_id = str(cloud_event["id"])
    except (KeyError, TypeError):
        event_id = str(getattr(cloud_event, "id", "") or "")
    pubsub = data.get("message") if isinstance(data, dict) else None
    if isinstance(pubsub, dict) and isinstance(pubsub.get("data"), str):
        try:
            text = base64.b64decode(pubsub["data"], validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return Message("pubsub", event_id)  # binary payload: not inspected as text
        return Message("pubsub", event_id, text=text)
    return Message("cloudevent", event_id, body=data)
