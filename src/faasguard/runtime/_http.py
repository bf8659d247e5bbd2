"""Helpers shared by the non-AWS HTTP adapters (WSGI, Google Cloud Functions, Azure)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._view import Request


def headers_of(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in items:
        key = str(name).lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else str(value)
    return headers


def query_of(pairs: Iterable[tuple[str, list[str]]]) -> dict[str, str | list[str]]:
    return {str(k): v[0] if len(v) == 1 else list(v) for k, v in pairs if v}


def request_id_of(headers: dict[str, str], *names: str) -> str:
    for name in names:
        value = headers.get(name, "")
        if value:
            return value.split("/", 1)[0][:128]
    return ""


def http_view(
    *,
    method: str,
    path: str,
    headers: dict[str, str],
    query: dict[str, str | list[str]],
    body: bytes | None,
    source_ip: str = "",
    request_id: str = "",
    path_params: dict[str, Any] | None = None,
) -> Request:
    forwarded = headers.get("x-forwarded-for", "").split(",", 1)[0].strip()
    return Request(
        kind="http",
        method=method.upper(),
        path=path or "/",
        route="",
        headers=headers,
        query=query,
        path_params={str(k): str(v) for k, v in (path_params or {}).items()},
        body=body or None,
        source_ip=forwarded or source_ip,
        request_id=request_id,
    )
