"""One view of an HTTP request and of a queued message, whatever platform delivered it."""

from __future__ import annotations

from ._record import Record

# Event kinds
HTTP_KINDS = frozenset({"apigw-v1", "apigw-v2", "function-url", "alb", "http"})
BATCH_KINDS = frozenset({"sqs", "kinesis", "dynamodb"})


class Request(Record):
    """An HTTP request; header names lower-cased, body still undecoded text or bytes."""

    __slots__ = __match_args__ = (
        "kind", "method", "path", "route", "headers", "query", "path_params", "body", "base64",
        "source_ip", "request_id", "authorizer", "identity", "api_key_id",
    )  # fmt: skip

    def __init__(
        self,
        kind: str,
        method: str = "GET",
        path: str = "/",
        route: str = "",
        headers: dict[str, str] | None = None,
        query: dict[str, str | list[str]] | None = None,
        path_params: dict[str, str] | None = None,
        body: str | bytes | None = None,
        base64: bool = False,
        source_ip: str = "",
        request_id: str = "",
        authorizer: object = None,
        identity: object = None,  # faasguard.runtime.Identity once a gate verified the caller
        api_key_id: str = "",  # the id of an API key the platform validated (usage plans)
    ) -> None:
        self.kind = kind
        self.method = method
        self.path = path
        self.route = route
        self.headers: dict[str, str] = {} if headers is None else headers
        self.query: dict[str, str | list[str]] = {} if query is None else query
        self.path_params: dict[str, str] = {} if path_params is None else path_params
        self.body = body
        self.base64 = base64
        self.source_ip = source_ip
        self.request_id = request_id
        self.authorizer = authorizer
        self.identity = identity
        self.api_key_id = api_key_id

    @property
    def content_type(self) -> str:
        raw = self.headers.get("content-type", "")
        return raw.split(";", 1)[0].strip().lower()


class Message(Record):
    """One record of an event: its id (for partial batch responses) and its payload."""

    __slots__ = __match_args__ = (
        "kind", "item_id", "body", "text", "strings", "source", "identity", "record",
    )  # fmt: skip

    def __init__(
        self,
        kind: str,
        item_id: str,
        body: object = None,
        text: str | None = None,
        strings: dict[str, str] | None = None,
        source: str = "",
        identity: object = None,  # faasguard.runtime.Identity once a gate verified the sender
        record: object = None,  # the raw record when a gate needs fields the view drops (SNS)
    ) -> None:
        self.kind = kind
        self.item_id = item_id
        self.body = body
        self.text = text
        self.strings: dict[str, str] = {} if strings is None else strings
        self.source = source
        self.identity = identity
        self.record = record
