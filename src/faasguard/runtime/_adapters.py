"""Recognise AWS Lambda event shapes and normalise them into Request / Message views.

Every accessor tolerates hostile shapes: a field of the wrong type is treated as absent, never as
a crash. Malformed encodings (bad base64) raise a 400 Rejection.
"""

from __future__ import annotations

import base64
import binascii

from ._http import client_address
from ._problems import Rejection
from ._view import Message, Request


def unquote_plus(text: str) -> str:
    """`urllib.parse.unquote_plus`, loaded by the first ALB or S3 event that needs it."""
    from urllib.parse import unquote_plus as unquote

    return unquote(text)


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _str(value: object, default: str = "") -> str:
    return value if isinstance(value, str) else default


def classify(event: object) -> str:
    """The kind of an AWS event: an HTTP kind, a record source, "eventbridge", "schedule"..."""
    if not isinstance(event, dict):
        return "direct"
    context = event.get("requestContext")
    if isinstance(context, dict):
        if "elb" in context:
            return "alb"
        if event.get("version") == "2.0" or "http" in context:
            domain = _str(context.get("domainName"))
            return "function-url" if ".lambda-url." in domain else "apigw-v2"
        if "httpMethod" in event:
            return "apigw-v1"
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        first = records[0]
        source = _str(first.get("eventSource") or first.get("EventSource"))
        return {
            "aws:sqs": "sqs",
            "aws:sns": "sns",
            "aws:s3": "s3",
            "aws:kinesis": "kinesis",
            "aws:dynamodb": "dynamodb",
        }.get(source, "records")
    if "detail-type" in event and "source" in event:
        scheduled = event.get("detail-type") == "Scheduled Event"
        return "schedule" if scheduled else "eventbridge"
    return "direct"


def _headers(event: dict) -> dict[str, str]:
    headers: dict[str, str] = {}
    multi = event.get("multiValueHeaders")
    if not (isinstance(multi, dict) and multi):
        single = event.get("headers")
        if type(single) is dict:  # the usual event: a comprehension, same keys in the same order
            return {str(k).lower(): v for k, v in single.items() if isinstance(v, str)}
    else:
        for name, values in multi.items():
            if isinstance(values, list):
                joined = ",".join(v for v in values if isinstance(v, str))
                headers[str(name).lower()] = joined
    for name, value in _dict(event.get("headers")).items():
        if isinstance(value, str):
            headers[str(name).lower()] = value
    return headers


def _query(event: dict, encoded: bool = False) -> dict[str, str | list[str]]:
    single = event.get("queryStringParameters")
    if type(single) is dict and not encoded:  # a comprehension: same keys in the same order
        query = {str(k): v for k, v in single.items() if isinstance(v, str)}
    else:
        query = {}
        for name, value in _dict(single).items():
            if isinstance(value, str):
                query[str(name)] = unquote_plus(value) if encoded else value
    multi = event.get("multiValueQueryStringParameters")
    if multi is None:  # API Gateway sends null when the request has no query
        return query
    for name, values in _dict(multi).items():
        if isinstance(values, list):
            clean = [unquote_plus(v) if encoded else v for v in values if isinstance(v, str)]
            if clean:
                query[str(name)] = clean if len(clean) > 1 else clean[0]
    return query


def _path_params(event: dict) -> dict[str, str]:
    params = event.get("pathParameters")
    if not isinstance(params, dict) or not params:
        return {}  # API Gateway sends null when the route has no parameters
    return {str(k): v for k, v in params.items() if isinstance(v, str)}


def http_request(event: dict, kind: str) -> Request:
    context = _dict(event.get("requestContext"))
    headers = _headers(event)
    api_key_id = ""
    if kind in ("apigw-v2", "function-url"):
        http = _dict(context.get("http"))
        method = _str(http.get("method"), "GET").upper()
        path = _str(event.get("rawPath"), _str(http.get("path"), "/"))
        route = _str(event.get("routeKey"))
        source_ip = _str(http.get("sourceIp"))
        query = _query(event)
        cookies = event.get("cookies")
        if isinstance(cookies, list):
            headers["cookie"] = "; ".join(c for c in cookies if isinstance(c, str))
    else:
        method = _str(event.get("httpMethod"), "GET").upper()
        path = _str(event.get("path"), "/")
        resource = _str(event.get("resource"))
        route = f"{method} {resource}" if resource else ""
        identity = _dict(context.get("identity"))
        source_ip = _str(identity.get("sourceIp"))
        api_key_id = _str(identity.get("apiKeyId"))
        query = _query(event, kind == "alb")
        if kind == "alb" and not source_ip:
            # ALB appends the peer it saw: the entries before it are whatever the client sent
            source_ip = client_address(headers.get("x-forwarded-for", ""), 1)
    body = event.get("body")
    request_id = _str(context.get("requestId")) or headers.get("x-amzn-trace-id", "")
    # positional, in Request's field order: keyword arguments cost a tenth of the adapter
    return Request(
        kind, method, path, route, headers, query, _path_params(event),
        body if isinstance(body, str) else None, event.get("isBase64Encoded") is True,
        source_ip, request_id, context.get("authorizer"), None, api_key_id,
    )  # fmt: skip


def decode_body(request: Request) -> bytes | str | None:
    """The body as text when it is text, as bytes when it is binary; base64 undone."""
    body = request.body
    if isinstance(body, bytes):
        raw = body
    elif not request.base64 or not isinstance(body, str):
        return body
    else:
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise Rejection(400, "malformed", [{"field": "body", "rule": "base64"}]) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def _records(event: dict) -> list[dict]:
    records = event.get("Records")
    if not isinstance(records, list):
        return []
    return [r if isinstance(r, dict) else {} for r in records]


def _b64_text(data: object) -> str | None:
    if not isinstance(data, str):
        return None
    try:
        return base64.b64decode(data, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _sqs(record: dict) -> Message:
    strings = {}
    for name, attr in _dict(record.get("messageAttributes")).items():
        value = _dict(attr).get("stringValue")
        if isinstance(value, str):
            strings[f"attributes.{name}"] = value
    return Message(
        "sqs", _str(record.get("messageId")), text=_str(record.get("body")), strings=strings
    )


def _sns(record: dict) -> Message:
    sns = _dict(record.get("Sns"))
    strings = {}
    subject = sns.get("Subject")
    if isinstance(subject, str):
        strings["subject"] = subject
    for name, attr in _dict(sns.get("MessageAttributes")).items():
        value = _dict(attr).get("Value")
        if isinstance(value, str):
            strings[f"attributes.{name}"] = value
    message_id = _str(sns.get("MessageId"))
    message = Message("sns", message_id, text=_str(sns.get("Message")), strings=strings)
    message.record = sns
    return message


def _s3(record: dict) -> Message:
    s3 = _dict(record.get("s3"))
    key = _str(_dict(s3.get("object")).get("key"))
    bucket = _str(_dict(s3.get("bucket")).get("name"))
    message = Message("s3", _str(_dict(s3.get("object")).get("sequencer")))
    message.strings = {"object.key": unquote_plus(key)}
    message.source = bucket
    return message


def _kinesis(record: dict) -> Message:
    kinesis = _dict(record.get("kinesis"))
    text = _b64_text(kinesis.get("data"))
    message = Message("kinesis", _str(kinesis.get("sequenceNumber")), text=text)
    if text is None and kinesis.get("data") is not None:
        message.body = b""  # undecodable: binary payload, not inspected as text
    return message


def _dynamodb(record: dict) -> Message:
    stream = _dict(record.get("dynamodb"))
    image = stream.get("NewImage")
    body = from_dynamodb(image) if isinstance(image, dict) else None
    return Message("dynamodb", _str(stream.get("SequenceNumber")), body=body)


_RECORD_READERS = {
    "sqs": _sqs,
    "sns": _sns,
    "s3": _s3,
    "kinesis": _kinesis,
    "dynamodb": _dynamodb,
}


def messages(event: object, kind: str) -> list[Message]:
    """The messages of a non-HTTP event (one for EventBridge and direct invocations)."""
    if kind == "eventbridge" and isinstance(event, dict):
        return [Message(kind, _str(event.get("id")), body=event.get("detail"))]
    if kind == "direct":
        return [Message(kind, "", body=event)]
    if kind == "schedule" or not isinstance(event, dict):
        return []
    reader = _RECORD_READERS.get(kind)
    if reader is None:
        return []
    return [reader(record) for record in _records(event)]


def from_dynamodb(value: dict, _depth: int = 0) -> object:
    """DynamoDB attribute-value JSON to plain values (numbers stay strings: no precision loss)."""
    if _depth > 64:
        raise Rejection(413, "limit", [{"field": "", "rule": "max_depth"}])
    out: dict[str, object] = {}
    for name, attr in value.items():
        out[str(name)] = _attr(attr, _depth + 1)
    return out


def _attr(attr: object, depth: int) -> object:
    if depth > 64:
        raise Rejection(413, "limit", [{"field": "", "rule": "max_depth"}])
    if not isinstance(attr, dict) or len(attr) != 1:
        return None
    ((tag, inner),) = attr.items()
    if tag == "M" and isinstance(inner, dict):
        return from_dynamodb(inner, depth)
    if tag == "L" and isinstance(inner, list):
        return [_attr(item, depth + 1) for item in inner]
    if tag in ("S", "N", "B", "BOOL", "NULL"):
        return None if tag == "NULL" else inner
    if tag in ("SS", "NS", "BS") and isinstance(inner, list):
        return list(inner)
    return None
