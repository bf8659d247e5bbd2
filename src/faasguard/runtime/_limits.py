"""Hard size limits, checked on raw text before parsing wherever a cheap bound allows."""

from __future__ import annotations

import json

from ._problems import Rejection
from ._record import FrozenRecord


class Limits(FrozenRecord):
    """Upper bounds on what a request or message may hold; exceeding one gives a 413."""

    __slots__ = __match_args__ = (
        "max_body_bytes", "max_depth", "max_keys", "max_string_length", "max_array_length",
        "max_headers", "max_query_params",
    )  # fmt: skip

    def __init__(
        self,
        max_body_bytes: int = 1_048_576,
        max_depth: int = 32,
        max_keys: int = 2_000,
        max_string_length: int = 65_536,
        max_array_length: int = 10_000,
        max_headers: int = 100,
        max_query_params: int = 100,
    ) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "max_body_bytes", max_body_bytes)
        setattr_(self, "max_depth", max_depth)
        setattr_(self, "max_keys", max_keys)
        setattr_(self, "max_string_length", max_string_length)
        setattr_(self, "max_array_length", max_array_length)
        setattr_(self, "max_headers", max_headers)
        setattr_(self, "max_query_params", max_query_params)


def too_large(limit: str) -> Rejection:
    return Rejection(413, "limit", [{"field": "", "rule": limit}])


def check_body_bytes(size: int, limits: Limits) -> None:
    if size > limits.max_body_bytes:
        raise too_large("max_body_bytes")


def base64_decoded_size(text: str) -> int:
    """Decoded size of a base64 string, known before decoding it."""
    return len(text) * 3 // 4


def parse_json(text: str, limits: Limits) -> object:
    """json.loads with limits: C-speed upper bounds first, an exact walk only when they may bite."""
    value, owed = parse_json_owing_depth(text, limits)
    if owed:
        check_depth(text, value, limits)
    return value


def parse_json_owing_depth(text: str, limits: Limits) -> tuple[object, bool]:
    """parse_json, and whether its nesting-depth check is still owed (not when the exact walk
    already ran): then the caller runs check_depth(text, value), unless it has proved the value
    shallow some other way."""
    size = len(text)  # a text holds no more ":" or "," than characters: count only when it may
    needs_walk = (
        size > limits.max_string_length
        or (size > limits.max_keys and text.count(":") > limits.max_keys)
        or (size >= limits.max_array_length and text.count(",") >= limits.max_array_length)
    )
    try:
        value = _loads(text)
    except RecursionError:
        raise too_large("max_depth") from None
    except ValueError:
        raise Rejection(400, "malformed", [{"field": "body", "rule": "json"}]) from None
    if needs_walk:
        check_structure(value, limits)
    return value, not needs_walk


def check_depth(text: str, value: object, limits: Limits) -> None:
    """The nesting-depth limit on a value parsed from `text`: a value nests no deeper than its
    text holds "{" and "[" (two C-speed counts), walked exactly only when that may bite."""
    if text.count("{") + text.count("[") > limits.max_depth:
        check_structure(value, limits)


# the C scanner json.loads runs, called without loads' Python layers (type checks, decoder
# options, two whitespace regexes) for the common shape: an object or array, nothing around it
_SCAN_ONCE = json.JSONDecoder().scan_once
_JSON_SPACE = " \t\n\r"


def _loads(text: str) -> object:
    """json.loads(text): the same value, or the same exception."""
    first = text[:1]
    if first == "{" or first == "[":
        try:
            value, end = _SCAN_ONCE(text, 0)
        except (ValueError, StopIteration):
            return json.loads(text)  # raises the error json.loads gives
        if end == len(text) or not text[end:].strip(_JSON_SPACE):
            return value
    return json.loads(text)


def check_structure(value: object, limits: Limits) -> None:
    """Exact depth / key / string / array checks on an already parsed JSON-like value."""
    keys = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if len(item) > limits.max_string_length:
                raise too_large("max_string_length")
            continue
        if isinstance(item, dict):
            keys += len(item)
            if keys > limits.max_keys:
                raise too_large("max_keys")
            children: list[object] = list(item.keys())
            children.extend(item.values())
        elif isinstance(item, list):
            if len(item) > limits.max_array_length:
                raise too_large("max_array_length")
            children = item
        else:
            continue
        if depth > limits.max_depth:
            raise too_large("max_depth")
        stack.extend((child, depth + 1) for child in children)
