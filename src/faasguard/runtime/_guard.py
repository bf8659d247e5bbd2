"""The guard: limits, content type, validation and injection detection around a handler."""

from __future__ import annotations

import functools
import os

from . import _adapters, _events
from ._deadline import DeadlineExceeded, run_with_deadline
from ._gates import Access, bind_identity, reset_identity
from ._limits import (
    Limits,
    check_body_bytes,
    check_depth,
    check_structure,
    parse_json,
    parse_json_owing_depth,
    too_large,
)
from ._policy import Policy, check_mode, compile_excludes, compile_routes, select
from ._problems import Rejection, problem, proxy_response
from ._redact import Redactor, filter_runtime_logger, runtime_logger
from ._validation import (
    COLLECTED_MAX_DEPTH,
    Collector,
    Validator,
    compile_collecting,
    compile_model,
    compile_schema,
)
from ._view import BATCH_KINDS, HTTP_KINDS, Message, Request

TYPE_CHECKING = False  # typing, logging and urllib cost milliseconds of cold start
if TYPE_CHECKING:
    import logging
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from typing import Any

    from ._gate import Gate

    Handler = Callable[[Any, Any], Any]

SCAN_HEADERS = ("cookie", "referer", "user-agent", "origin", "x-forwarded-host", "x-original-url")
REDACT_FIELDS = (
    "password", "passwd", "secret", "client_secret", "token", "access_token", "refresh_token",
    "id_token", "api_key", "apikey", "authorization", "ssn", "card_number", "cvv",
)  # fmt: skip
_JSON_TYPES = ("application/json",)
_FORM = "application/x-www-form-urlencoded"
_MAX_EVENTS_PER_REQUEST = 5


class _RuntimeLog:
    """Stands for the `faasguard.runtime` logger until the guard first logs (an error)."""

    def __getattr__(self, name: str) -> object:
        global log
        log = runtime_logger()
        return getattr(log, name)


log: logging.Logger = _RuntimeLog()  # type: ignore[assignment]


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


class Guard:
    """Limits, access control, validation and injection detection for a Lambda handler.

    Use as a decorator (`@Guard(...)` or `@guard(...)`), as a Powertools-style middleware
    (`guard.middleware(handler, event, context)`), or around any view with `check_request`.
    Access control: `auth` (a gate from faasguard.runtime.auth, or several that must all pass),
    `authorize` (e.g. faasguard.runtime.authz.Cedar), `rate`/`rate_key`/`store`/`rate_fail`
    (faasguard.runtime.ratelimit); `sandbox` (installed once, at construction) and `integrity`
    (the cold-start manifest check) protect the process itself.
    """

    def __init__(
        self,
        schema: Mapping[str, Any] | None = None,
        detect: str = "block",
        *,
        model: type | None = None,
        query_schema: Mapping[str, Any] | None = None,
        path_schema: Mapping[str, Any] | None = None,
        headers_schema: Mapping[str, Any] | None = None,
        limits: Limits | None = None,
        content_types: Iterable[str] | None = None,
        exclude: Iterable[str] = (),
        routes: Mapping[str, Mapping[str, object] | str] | None = None,
        categories: Iterable[str] | None = None,
        min_confidence: float = 0.0,
        scan_headers: Iterable[str] = SCAN_HEADERS,
        require_auth: bool = False,
        redact_fields: Iterable[str] = (),
        redact_responses: bool = True,
        deadline_margin_ms: int = 500,
        sample_rate: float = 1.0,
        max_events_per_second: int = 50,
        events: _events.Sink | None = None,
        function_name: str | None = None,
        auth: Gate | Sequence[Gate] | None = None,
        authorize: Gate | None = None,
        rate: str | None = None,
        rate_key: str = "ip",
        store: str | None = None,
        rate_fail: str = "open",
        sandbox: Any = None,
        integrity: Any = None,
    ) -> None:
        self.limits = limits or Limits()
        self.body_validator = self._body_validator(schema, model)
        self.part_validators: tuple[tuple[str, Validator], ...] = tuple(
            (part, compile_schema(dict(s), part))
            for part, s in (("query", query_schema), ("path", path_schema),
                            ("headers", headers_schema))
            if s is not None
        )  # fmt: skip
        expects_json = schema is not None or model is not None
        if content_types is not None:
            self.content_types: frozenset[str] | None = frozenset(c.lower() for c in content_types)
        else:
            self.content_types = frozenset(_JSON_TYPES) if expects_json else None
        cats = frozenset(categories) if categories else None
        self.policy = Policy(check_mode(detect), compile_excludes(exclude), cats)
        self.routes = compile_routes(routes, self.policy)
        # the schema's validator that also hands the detectors a JSON body's strings
        self.body_collector: Collector | None = None
        if schema is not None and self._detects():
            self.body_collector = compile_collecting(dict(schema), "body")
        # a body the collector hands nothing of to a walk nests no deeper than the schema
        self._collected_within_depth = self.limits.max_depth >= COLLECTED_MAX_DEPTH
        self.min_confidence = min_confidence
        self.scan_headers = tuple(h.lower() for h in scan_headers)
        self.require_auth = require_auth
        self.redactor = Redactor((*REDACT_FIELDS, *redact_fields))
        self.redact_responses = redact_responses
        self.deadline_margin_ms = deadline_margin_ms
        self.events = _events.EventLog(
            sink=events or _events.stdout_sink,
            sample_rate=sample_rate,
            max_per_second=max_events_per_second,
            redactor=self.redactor,
        )
        self.function_name = function_name
        self._scan, self._clean = self._load_detector() if self._detects() else (None, None)
        # the walk checks header names that are not identifiers too ("user-agent")
        self._scan_names_clean = self._scan is not None and not self._scan(
            {name: "" for name in self.scan_headers}
        )
        if integrity is not None:
            from .integrity import verify_cold_start

            verify_cold_start(integrity, events=self.events.sink)
        self.gates = _gates(auth, authorize, rate, rate_key, store, rate_fail)
        _install_log_filter(self.redactor)
        if sandbox is not None:
            sandbox.install()

    # ----- construction helpers
    @staticmethod
    def _body_validator(schema: Mapping[str, Any] | None, model: type | None) -> Validator | None:
        if schema is not None and model is not None:
            raise ValueError("faasguard.runtime: give either schema or model, not both")
        if schema is not None:
            return compile_schema(dict(schema), "body")
        return compile_model(model) if model is not None else None

    def _detects(self) -> bool:
        return self.policy.detect != "off" or any(p.detect != "off" for _, p in self.routes)

    @staticmethod
    def _load_detector() -> tuple[Callable[..., list[tuple[str, Any]]], Callable[..., bool]]:
        from .detectors import clean_strings, scan_value

        return scan_value, clean_strings

    # ----- decorator / middleware
    def __call__(self, handler: Handler) -> Handler:
        @functools.wraps(handler)
        def guarded(event: Any, context: Any = None) -> Any:
            return self.handle(handler, event, context)

        guarded.__faasguard__ = self  # type: ignore[attr-defined]
        return guarded

    def middleware(self, handler: Handler, event: Any, context: Any) -> Any:
        """Powertools `lambda_handler_decorator` signature."""
        return self.handle(handler, event, context)

    def handle(self, handler: Handler, event: Any, context: Any) -> Any:
        kind = _adapters.classify(event)
        if kind in HTTP_KINDS:
            return self._handle_http(handler, event, context, kind)
        return self._handle_messages(handler, event, context, kind)

    # ----- HTTP
    def _handle_http(self, handler: Handler, event: dict, context: Any, kind: str) -> Any:
        request = _adapters.http_request(event, kind)
        request.request_id = _request_id(context, request.request_id)
        rejection = self._admit(request, context)  # _serve, one call less on the hot path
        if rejection is None:
            result, rejection = self._invoke(request, self._run_http, handler, event, context)
            if rejection is None:
                return result
        alb = kind == "alb"
        multi = alb and "multiValueHeaders" in event
        return proxy_response(rejection, request.request_id, alb=alb, multi_value=multi)

    def _run_http(self, handler: Handler, event: dict, context: Any) -> Any:
        result = run_with_deadline(handler, context, self.deadline_margin_ms, event, context)
        return self._redact_result(result)

    def serve_http(
        self,
        request: Request,
        invoke: Callable[[], Any],
        reply: Callable[[Rejection, str], Any],
        context: Any = None,
    ) -> Any:
        """Check `request`, then `invoke()` the handler; failures become `reply(rejection, id)`."""
        result, rejection = self._serve(request, context, invoke)
        if rejection is None:
            return result
        return reply(rejection, request.request_id)

    def _serve(
        self, request: Request, context: Any, call: Callable[..., Any], *args: Any
    ) -> tuple[Any, Rejection | None]:
        """(`call(*args)`, None) once `request` is admitted, or (None, the Rejection)."""
        rejection = self._admit(request, context)
        if rejection is not None:
            return None, rejection
        return self._invoke(request, call, *args)

    def _admit(self, request: Request, context: Any) -> Rejection | None:
        """None when the request may proceed, else the Rejection to answer with."""
        request_id = request.request_id = request.request_id or os.urandom(8).hex()
        try:
            self.check_request(request, self._invocation(request, request_id, context))
        except Rejection as rejection:
            return rejection
        except Exception:
            log.exception("faasguard: internal error while inspecting request %s", request_id)
            return Rejection(500, "internal")
        return None

    def _invoke(
        self, request: Request, call: Callable[..., Any], *args: Any
    ) -> tuple[Any, Rejection | None]:
        """(`call(*args)`, None) run as the request's caller, or (None, the Rejection) when
        the handler ran out of time or failed."""
        token = bind_identity(request.identity)
        try:
            return call(*args), None
        except DeadlineExceeded:
            log.error("faasguard: soft deadline reached for request %s", request.request_id)
            return None, Rejection(503, "timeout")
        except Exception:
            log.exception(
                "faasguard: unhandled exception in handler, request %s", request.request_id
            )
            return None, Rejection(500, "internal")
        finally:
            reset_identity(token)

    def check_request(self, request: Request, call: _events.Invocation) -> None:
        """Raise a Rejection (and log its security event) if the request must not proceed."""
        try:
            self._check_request(request, call)
        except Rejection as rejection:
            if rejection.kind != "blocked":
                self._emit_rejection(call, rejection)
            raise

    def _check_request(self, request: Request, call: _events.Invocation) -> None:
        limits = self.limits
        if len(request.headers) > limits.max_headers:
            raise too_large("max_headers")
        if len(request.query) > limits.max_query_params:
            raise too_large("max_query_params")
        _check_strings(request.headers, limits)
        _check_strings(request.query, limits)
        if self.gates:
            request.identity = self._pass_gates(request, call)
        if self.require_auth and not request.authorizer and request.identity is None:
            self.events.emit(
                _events.authentication(call, reason="no authorizer identity"),
                allowed=False,
                request_id=call.request_id,
            )
            raise Rejection(401, "unauthenticated")
        body, text = self._request_body(request)
        collected = self._validate_body(body, text)
        for part, validate in self.part_validators:
            validate({"query": request.query, "path": request.path_params,
                      "headers": request.headers}[part])  # fmt: skip
        policy = self.policy
        if self.routes:
            policy = select(
                self.routes, policy, request.method, request.path,
                request.route.rpartition(" ")[2],
            )  # fmt: skip
        if policy.detect != "off" and self._scan is not None:
            if collected is not None and self._request_clean(request, *collected, policy):
                return
            headers = request.headers
            target = {
                "body": body,
                "query": request.query,
                "path": request.path_params,
                "headers": {h: headers[h] for h in self.scan_headers if h in headers},
                "url": request.path,
            }
            self._detect(target, policy, call)

    def _request_clean(
        self, request: Request, strings: list[str], rest: list[object], policy: Policy
    ) -> bool:
        """True when detection is sure to find nothing in the request: the body's strings and
        parts the collecting validator handed on, and the parts of the request _detect scans.
        The scanned header names are checked once, when the guard is built."""
        assert self._clean is not None
        headers = request.headers
        for name in self.scan_headers:
            if name in headers:
                strings.append(headers[name])
        strings.append(request.path)
        if request.query:
            rest.append(request.query)
        if request.path_params:
            rest.append(request.path_params)
        return self._scan_names_clean and self._clean(strings, rest, policy.categories)

    def _validate_body(
        self, body: object, text: str | None
    ) -> tuple[list[str], list[object]] | None:
        """Validate the body against the schema, if any. For a body parsed from JSON (`text`
        not None: see _parse), also the (strings, parts to walk) the collecting validator
        handed on, and the depth check `text` still owes, unless the collector proved the
        body no deeper than the schema."""
        if text is None or self.body_collector is None:
            if self.body_validator is not None:
                self.body_validator(body)
            return None
        strings: list[str] = []
        rest: list[object] = []
        try:
            self.body_collector(body, strings.append, rest.append)
        except Rejection:
            if text:  # a body nested past the limit answers 413 before any 400, as before
                check_depth(text, body, self.limits)
            raise
        if text and (rest or not self._collected_within_depth):
            check_depth(text, body, self.limits)
        return strings, rest

    def _parse(self, text: str) -> tuple[object, str | None]:
        """A JSON text parsed within the limits, and what _validate_body takes: `text` while the
        nesting-depth check is owed (the collector may prove it needless), "" once settled."""
        if self.body_collector is None:
            return parse_json(text, self.limits), ""
        value, owed = parse_json_owing_depth(text, self.limits)
        return value, text if owed else ""

    def _request_body(self, request: Request) -> tuple[object, str | None]:
        """The body as the checks see it; then, for a body parsed from JSON, the text whose
        depth check is owed or "" (see _parse), else None."""
        raw = request.body
        if raw is None or raw == "":
            return None, None
        size = _adapters_size(raw, request.base64)
        check_body_bytes(size, self.limits)
        media_type = request.content_type
        if media_type and not self._accepts(media_type):
            raise Rejection(415, "media-type", [{"field": "headers.content-type",
                                                 "rule": "content-type"}])  # fmt: skip
        body = _adapters.decode_body(request)
        if isinstance(body, bytes):
            if self.body_validator is not None:
                raise Rejection(400, "malformed", [{"field": "body", "rule": "utf-8"}])
            return None, None  # binary content is not inspected as text
        assert isinstance(body, str)
        if _is_json(media_type) or (not media_type and self.body_validator is not None):
            return self._parse(body)
        if not media_type and body.lstrip()[:1] in ("{", "["):
            try:
                return self._parse(body)
            except Rejection as rejection:
                if rejection.status != 400:
                    raise
        if media_type == _FORM:
            return _form(body, self.limits), None
        if len(body) > self.limits.max_string_length:
            raise too_large("max_string_length")
        return body, None

    def _accepts(self, media_type: str) -> bool:
        allowed = self.content_types
        if allowed is None or media_type in allowed:
            return True
        return _is_json(media_type) and "application/json" in allowed

    # ----- messages (queues, streams, notifications, direct invocations)
    def _handle_messages(self, handler: Handler, event: Any, context: Any, kind: str) -> Any:
        request_id = _request_id(context, "")
        identities: list[Any] = []
        try:
            rejected = self._check_messages(event, kind, context, request_id, identities)
        except Exception:
            log.exception("faasguard: internal error while inspecting event %s", request_id)
            raise
        if not rejected:
            # one message (EventBridge, direct, a single record): its sender is the caller
            token = bind_identity(identities[0] if len(identities) == 1 else None)
            try:
                return self._run(handler, event, context, request_id)
            finally:
                reset_identity(token)
        if kind in ("direct", "eventbridge"):
            return problem(next(iter(rejected.values())), request_id)
        records = event["Records"]
        kept = [r for i, r in enumerate(records) if i not in rejected]
        result = None
        if kept:
            result = self._run(handler, {**event, "Records": kept}, context, request_id)
        if kind not in BATCH_KINDS:
            return result
        return _merge_failures(result, [_item_id(kind, records[i]) for i in sorted(rejected)])

    def _run(self, handler: Handler, event: Any, context: Any, request_id: str) -> Any:
        try:
            return run_with_deadline(handler, context, self.deadline_margin_ms, event, context)
        except DeadlineExceeded:
            log.error("faasguard: soft deadline reached for event %s", request_id)
            raise
        except Exception:
            log.exception("faasguard: unhandled exception in handler, event %s", request_id)
            raise

    def _check_messages(
        self, event: Any, kind: str, context: Any, request_id: str,
        identities: list[Any] | None = None,
    ) -> dict[int, Rejection]:  # fmt: skip
        rejected: dict[int, Rejection] = {}
        for index, message in enumerate(_adapters.messages(event, kind)):
            call = _events.Invocation(
                function=self._function(context), request_id=request_id,
                source=message.item_id or message.source or kind,
            )  # fmt: skip
            try:
                self.check_message(message, call)
            except Rejection as rejection:
                rejected[index] = rejection
            else:
                if identities is not None:
                    identities.append(message.identity)
        return rejected

    def check_message(self, message: Message, call: _events.Invocation) -> None:
        """Raise a Rejection (and log its security event) if the message must not proceed."""
        try:
            self._check_message(message, call)
        except Rejection as rejection:
            if rejection.kind != "blocked":
                self._emit_rejection(call, rejection)
            raise

    def _check_message(self, message: Message, call: _events.Invocation) -> None:
        if self.gates:
            message.identity = self._pass_gates(message, call)
        body, text = message.body, None
        if message.text is not None:
            body, text = self._message_text(message.text)
        elif body is not None and message.kind != "direct":
            check_structure(body, self.limits)
        collected = None
        if message.kind != "s3":
            collected = self._validate_body(body, text)
        elif text:
            check_depth(text, body, self.limits)
        if self.policy.detect != "off" and self._scan is not None:
            if collected is not None:
                strings, rest = collected
                rest.append(message.strings)
                assert self._clean is not None
                if self._clean(strings, rest, self.policy.categories):
                    return
            self._detect({"body": body, **message.strings}, self.policy, call)

    def _message_text(self, text: str) -> tuple[object, str | None]:
        """The message body as the checks see it, and what _request_body gives with it."""
        check_body_bytes(len(text), self.limits)
        if text.lstrip()[:1] in ("{", "[") or self.body_validator is not None:
            return self._parse(text)
        if len(text) > self.limits.max_string_length:
            raise too_large("max_string_length")
        return text, None

    # ----- access control
    def _pass_gates(self, item: Request | Message, call: _events.Invocation) -> Any:
        """Run the gates in order; returns the verified identity (or None)."""

        def emit(event: dict[str, object], allowed: bool) -> None:
            self.events.emit(event, allowed=allowed, request_id=call.request_id)

        access = Access(call, emit)
        is_request = isinstance(item, Request)
        for gate in self.gates:
            if is_request:
                gate.check_request(item, access)  # type: ignore[arg-type]
            else:
                gate.check_message(item, access)  # type: ignore[arg-type]
            if access.identity is not None:
                call.principal = access.identity.principal
        return access.identity

    # ----- detection and events
    def _detect(self, target: dict[str, object], policy: Policy, call: _events.Invocation) -> None:
        assert self._scan is not None
        found = self._scan(target, categories=policy.categories)
        if not found:  # the usual answer: nothing to filter
            return
        hits = [
            (path, d) for path, d in found
            if d.confidence >= self.min_confidence and not policy.excluded(path)
        ]  # fmt: skip
        if not hits:
            return
        hits = _strongest(hits)
        blocked = policy.detect == "block"
        for path, detection in hits[:_MAX_EVENTS_PER_REQUEST]:
            event = _events.detection_finding(
                call, self.events,
                category=detection.category, rule=detection.rule,
                confidence=detection.confidence, field_path=path,
                value=_lookup(target, path), excerpt=detection.excerpt, blocked=blocked,
            )  # fmt: skip
            self.events.emit(event, allowed=not blocked, request_id=call.request_id)
        if blocked:
            path, detection = hits[0]
            raise Rejection(403, "blocked", [{"field": path, "rule": detection.category}])

    def _emit_rejection(self, call: _events.Invocation, rejection: Rejection) -> None:
        first = rejection.errors[0] if rejection.errors else {}
        event = _events.http_activity(
            call, status=rejection.status, kind=rejection.kind,
            rule=first.get("rule", ""), field_path=first.get("field", ""),
        )  # fmt: skip
        self.events.emit(event, allowed=False, request_id=call.request_id)

    def _invocation(self, request: Request, request_id: str, context: Any) -> _events.Invocation:
        return _events.Invocation(  # positional, in field order: keywords cost more
            self._function(context), request_id, request.source_ip, request.method,
            request.path, request.route, request.headers.get("user-agent", ""), request.kind,
        )  # fmt: skip

    def _function(self, context: Any) -> str:
        name = self.function_name or getattr(context, "function_name", None)
        return str(name or os.environ.get("AWS_LAMBDA_FUNCTION_NAME", ""))

    def _redact_result(self, result: Any) -> Any:
        if not self.redact_responses or not isinstance(result, dict):
            return result
        body = result.get("body")
        if isinstance(body, str) and body and result.get("isBase64Encoded") is not True:
            redacted = self.redactor(body)
            if redacted is not body:
                result = {**result, "body": redacted}
        return result


def _gates(
    auth: Gate | Sequence[Gate] | None,
    authorize: Gate | None,
    rate: str | None,
    rate_key: str,
    store: str | None,
    rate_fail: str,
) -> tuple[Gate, ...]:
    """Rate limits keyed on the source IP run before authentication (they shield it from
    floods); limits keyed on the caller run after it. All authentication gates must pass."""
    authenticate: tuple[Gate, ...] = ()
    if auth is not None:
        authenticate = tuple(auth) if isinstance(auth, list | tuple) else (auth,)  # type: ignore[arg-type]
    early: tuple[Gate, ...] = ()
    late: tuple[Gate, ...] = ()
    if rate is not None:
        from ._ratelimit import RateLimit

        limiter = RateLimit(rate, key=rate_key, store=store, fail=rate_fail)
        early, late = ((limiter,), ()) if rate_key == "ip" else ((), (limiter,))
    return (*early, *authenticate, *late, *((authorize,) if authorize is not None else ()))


def _check_strings(values: dict[str, Any], limits: Limits) -> None:
    """Header / query values are strings or (multi-value) lists of strings."""
    longest = limits.max_string_length
    for value in values.values():
        if len(value) > longest if isinstance(value, str) else len(value) > 0:
            check_structure(value, limits)


def _adapters_size(raw: str | bytes, is_base64: bool) -> int:
    if isinstance(raw, bytes):
        return len(raw)
    if is_base64:
        return len(raw) * 3 // 4
    return len(raw) if raw.isascii() else len(raw.encode("utf-8", "replace"))


def _form(body: str, limits: Limits) -> dict[str, object]:
    from urllib.parse import parse_qs  # form bodies only

    try:
        fields = parse_qs(body, keep_blank_values=True, max_num_fields=limits.max_keys)
    except ValueError:
        raise too_large("max_keys") from None
    return {k: v[0] if len(v) == 1 else v for k, v in fields.items()}


def _request_id(context: Any, fallback: str) -> str:
    value = getattr(context, "aws_request_id", None)
    if isinstance(value, str) and value:
        return value
    return fallback or os.urandom(8).hex()


def _item_id(kind: str, record: object) -> str:
    record = record if isinstance(record, dict) else {}
    if kind == "sqs":
        return str(record.get("messageId", ""))
    inner = record.get("kinesis" if kind == "kinesis" else "dynamodb")
    if not isinstance(inner, dict):
        return ""
    return str(inner.get("sequenceNumber" if kind == "kinesis" else "SequenceNumber", ""))


def _merge_failures(result: Any, ids: list[str]) -> dict[str, Any]:
    failures = [{"itemIdentifier": item} for item in ids]
    if isinstance(result, dict) and isinstance(result.get("batchItemFailures"), list):
        return {**result, "batchItemFailures": failures + result["batchItemFailures"]}
    return {"batchItemFailures": failures}


def _strongest(hits: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """One hit per (field, category): the most confident, strongest first."""
    best: dict[tuple[str, str], tuple[str, Any]] = {}
    for path, detection in hits:
        key = (path, detection.category)
        if key not in best or detection.confidence > best[key][1].confidence:
            best[key] = (path, detection)
    return sorted(best.values(), key=lambda hit: -hit[1].confidence)


def _lookup(target: dict[str, object], path: str) -> str:
    """The string at a field path such as `body.items[2].name` (best effort)."""
    current: object = target
    for part in path.replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("[") and part.endswith("]") and isinstance(current, list):
            try:
                current = current[int(part[1:-1])]
            except (ValueError, IndexError):
                return path
        elif isinstance(current, dict) and part in current:
            current = current[part]
        else:
            return path
    return current if isinstance(current, str) else path


def _install_log_filter(redactor: Redactor) -> None:
    filter_runtime_logger(redactor.fields)
