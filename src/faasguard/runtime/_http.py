"""Helpers shared by the non-AWS HTTP adapters (WSGI, Google Cloud Functions, Azure)."""

from __future__ import annotations

from collections.abc import Iterable

from ._view import Request

TYPE_CHECKING = False  # typing costs milliseconds of cold start
if TYPE_CHECKING:
    from typing import Any


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
    trusted_proxies: int = 0,
) -> Request:
    """`trusted_proxies`: how many proxies of the platform sit in front of the function, each
    appending the address it saw to X-Forwarded-For. The client is the entry that many places
    from the right; entries further left are written by the client and never trusted. 0: the
    peer address (`source_ip`) is the client."""
    forwarded = client_address(headers.get("x-forwarded-for", ""), trusted_proxies)
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


def client_address(forwarded_for: str, trusted_proxies: int) -> str:
    """The X-Forwarded-For entry `trusted_proxies` places from the right, without a port."""
    if trusted_proxies <= 0 or not forwarded_for:
        return ""
    entries = [e.strip() for e in forwarded_for.split(",")]
    if len(entries) < trusted_proxies:
        return ""
    entry = entries[-trusted_proxies]
    if entry.startswith("["):  # [2001:db8::1]:443
        return entry[1:].partition("]")[0]
    host, sep, port = entry.rpartition(":")
    if sep and port.isdigit() and host.count(":") == 0:  # 203.0.113.7:54321
        return host
    return entry
