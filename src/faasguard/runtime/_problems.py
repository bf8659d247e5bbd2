"""Rejections and their RFC 9457 problem+json rendering.

A problem body names the kind of failure, the request id and, for validation errors, field paths
and the violated rule: never a value taken from the request.
"""

from __future__ import annotations

import json
import re

PROBLEM_TYPE = "application/problem+json"

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
_DETAILS = {
    "validation": "The request does not match the expected schema.",
    "malformed": "The request could not be parsed.",
    "limit": "The request exceeds a size limit.",
    "media-type": "The request content type is not accepted.",
    "blocked": "The request was blocked by a security rule.",
    "unauthenticated": "The request carries no verified identity.",
    "forbidden": "The caller is not allowed to do this.",
    "rate-limited": "Too many requests. Retry after the time the Retry-After header gives.",
    "unavailable": "A security dependency is unavailable. Retry later.",
    "internal": "The function failed. Quote the request id when reporting this.",
    "timeout": "The function ran out of time. Retry later.",
}
_SAFE_SEGMENT = re.compile(r"[A-Za-z0-9_$@-]{1,64}")
_MAX_ERRORS = 10


class Rejection(Exception):
    """A request or message refused before (or instead of) running the handler."""

    def __init__(
        self,
        status: int,
        kind: str,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(kind)
        self.status = status
        self.kind = kind
        self.errors = errors or []
        self.headers = headers or {}  # e.g. Retry-After, WWW-Authenticate


def safe_segment(segment: object) -> str:
    """A path segment fit to be shown: attacker-chosen keys are replaced, not echoed."""
    if isinstance(segment, int):
        return f"[{segment}]"
    text = str(segment)
    return text if _SAFE_SEGMENT.fullmatch(text) else "<key>"


def join_path(root: str, segments: list[object] | tuple[object, ...]) -> str:
    path = root
    for segment in segments:
        shown = safe_segment(segment)
        path = path + shown if shown.startswith("[") else f"{path}.{shown}"
    return path


def problem(rejection: Rejection, request_id: str) -> dict[str, object]:
    body: dict[str, object] = {
        "type": f"urn:faasguard:problem:{rejection.kind}",
        "title": _TITLES.get(rejection.status, "Error"),
        "status": rejection.status,
        "detail": _DETAILS.get(rejection.kind, ""),
        "requestId": request_id,
    }
    if rejection.errors:
        body["errors"] = rejection.errors[:_MAX_ERRORS]
    return body


def problem_json(rejection: Rejection, request_id: str) -> str:
    return json.dumps(problem(rejection, request_id), separators=(",", ":"))


def problem_headers(request_id: str) -> dict[str, str]:
    return {
        "Content-Type": PROBLEM_TYPE,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "X-Request-Id": request_id,
    }


def proxy_response(
    rejection: Rejection, request_id: str, *, alb: bool = False, multi_value: bool = False
) -> dict[str, object]:
    """An API Gateway / function URL / ALB proxy integration response."""
    headers = {**problem_headers(request_id), **rejection.headers}
    response: dict[str, object] = {
        "statusCode": rejection.status,
        "body": problem_json(rejection, request_id),
        "isBase64Encoded": False,
    }
    if multi_value:
        response["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
    else:
        response["headers"] = headers
    if alb:
        response["statusDescription"] = f"{rejection.status} {_TITLES.get(rejection.status, '')}"
    return response
