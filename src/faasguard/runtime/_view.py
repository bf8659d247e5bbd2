"""One view of an HTTP request and of a queued message, whatever platform delivered it."""

from __future__ import annotations

from dataclasses import dataclass, field

# Event kinds
HTTP_KINDS = frozenset({"apigw-v1", "apigw-v2", "function-url", "alb", "http"})
BATCH_KINDS = frozenset({"sqs", "kinesis", "dynamodb"})


@dataclass(slots=True)
class Request:
    """An HTTP request; header names lower-cased, body still undecoded text or bytes."""

    kind: str
    method: str = "GET"
    path: str = "/"
    route: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str | list[str]] = field(default_factory=dict)
    path_params: dict[str, str] = field(default_factory=dict)
    body: str | bytes | None = None
    base64: bool = False
    source_ip: str = ""
    request_id: str = ""
    authorizer: object = None
    identity: object = None  # faasguard.runtime.Identity once a gate verified the caller
    api_key_id: str = ""  # the id of an API key the platform validated (API Gateway usage plans)

    @property
    def content_type(self) -> str:
        raw = self.headers.get("content-type", "")
        return raw.split(";", 1)[0].strip().lower()


@dataclass(slots=True)
class Message:
    """One record of an event: its id (for partial batch responses) and its payload."""

    kind: str
    item_id: str
    body: object = None
    text: str | None = None
    strings: dict[str, str] = field(default_factory=dict)
    source: str = ""
    identity: object = None  # faasguard.runtime.Identity once a gate verified the sender
    record: object = None  # the raw record when a gate needs fields the view drops (SNS)
