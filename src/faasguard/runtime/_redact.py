"""Redaction of secrets and personal data in responses, logs and security events.

Built in: AWS access key ids and secret keys (with their key name), bearer tokens, JWTs, e-mail
addresses and payment card numbers (issuer prefix 2-6 and Luhn-checked, so epoch
timestamps survive). Configured field names are redacted in JSON
(`"password": "..."`) and form / query (`password=...`) text. Every pattern has bounded
repetition, so the cost stays linear in the text length.

Secret values fetched at run time (`faasguard.runtime.secrets`) are registered process-wide with
`register_secret`; every Redactor masks them first, and `protect_log_records` masks them in every
log record of the process, whatever logger or handler emits it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable

TYPE_CHECKING = False  # typing and logging cost milliseconds of cold start
if TYPE_CHECKING:
    import logging
    from typing import Any

_AWS_KEY_PREFIXES = ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "AIPA")
_AWS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|AIPA)[0-9A-Z]{16}\b")
_AWS_SECRET = re.compile(
    r"(?i)(aws_?secret_?access_?key|secret_?access_?key|aws_?secret)(\W{1,5})[A-Za-z0-9/+=]{40}"
)
_BEARER = re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9\-._~+/]{8,4096}=*")
# One candidate start per run of token characters (not one per "eyJ" inside it, which made a
# run like "eyJ-eyJ-..." cost 4096 steps a character), and no backtracking.
_JWT = re.compile(
    r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,4096}+"
    r"\.eyJ[A-Za-z0-9_-]{4,8192}+\.[A-Za-z0-9_-]{0,4096}+"
)
# Local part read backwards from each "@" (so the scan costs nothing on text without one).
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9._%+-]{1,64}$")
_EMAIL_DOMAIN = re.compile(r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}")
# Starts with a character class (not an assertion) so the scanner can skip ahead quickly; the
# look-behind then drops starts inside a longer number at once (a digit run cost 1 µs a char).
_CARD = re.compile(r"[2-6](?<![0-9-].)(?:[ -]?\d){12,18}(?!\d)")

REDACTED = "[REDACTED]"
SECRET_MASK = "[REDACTED:secret]"
# Shorter values would mask ordinary words ("admin", "1234") all over the logs: not registered.
MIN_SECRET_CHARS = 6
MAX_SECRET_FORMS = 4096
_PEM_LINE_CHARS = 20

_secret_lock = threading.Lock()
_secret_forms: dict[str, None] = {}  # insertion order = age, for eviction at the cap
_secret_scan: tuple[str, ...] = ()  # longest first, swapped atomically on each change


def _forms(value: str) -> list[str]:
    import json
    from urllib.parse import quote

    forms = [
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],  # JSON loggers that keep non-ASCII
        repr(value)[1:-1],  # inside a logged dict, tuple or exception args
        repr(value.encode("utf-8", "surrogatepass"))[2:-1],
        quote(value, safe=""),
    ]
    if "\n" in value:  # PEM keys and other multi-line secrets get logged line by line
        forms += [
            line.strip()
            for line in value.splitlines()
            if len(line.strip()) >= _PEM_LINE_CHARS and not line.startswith("-----")
        ]
    return [form for form in forms if len(form) >= MIN_SECRET_CHARS]


def register_secret(value: str) -> bool:
    """Mask `value` (and its JSON-escaped and URL-encoded forms) in all redaction from now on.

    Returns False when the value is too short to mask safely (< MIN_SECRET_CHARS characters).
    """
    global _secret_scan
    forms = _forms(value) if len(value) >= MIN_SECRET_CHARS else []
    if not forms:
        return False
    with _secret_lock:
        new = [form for form in forms if form not in _secret_forms]
        if not new:
            return True
        for form in new:
            _secret_forms[form] = None
        while len(_secret_forms) > MAX_SECRET_FORMS:
            del _secret_forms[next(iter(_secret_forms))]
        _secret_scan = tuple(sorted(_secret_forms, key=len, reverse=True))
    return True


def registered_secrets() -> int:
    """How many secret forms are masked (a value counts once per distinct form)."""
    return len(_secret_scan)


def clear_secrets() -> None:
    """Forget every registered value (for tests; a running function never needs it)."""
    global _secret_scan
    with _secret_lock:
        _secret_forms.clear()
        _secret_scan = ()


def mask_secrets(text: str) -> str:
    """Replace every registered secret value in `text` with SECRET_MASK."""
    for form in _secret_scan:  # `in` is a fast C search: N scans beat one N-way regex
        if form in text:
            text = text.replace(form, SECRET_MASK)
    return text


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    start = match.start()
    if start and match.string[start - 1] in "0123456789-":
        return match.group(0)  # the tail of a longer number
    digits = match.group(0).replace(" ", "").replace("-", "")
    return "[REDACTED:card]" if 13 <= len(digits) <= 19 and _luhn(digits) else match.group(0)


def _keep_name(label: str) -> Callable[[re.Match[str]], str]:
    return lambda match: f"{match.group(1)}{match.group(2)}[REDACTED:{label}]"


def _emails(text: str) -> str:
    parts: list[str] = []
    done = 0
    at = text.find("@")
    while at != -1:
        local = _EMAIL_LOCAL.search(text, max(done, at - 64), at)
        domain = _EMAIL_DOMAIN.match(text, at + 1)
        if local is not None and domain is not None:
            parts.append(text[done : local.start()])
            parts.append("[REDACTED:email]")
            done = domain.end()
        at = text.find("@", max(at + 1, done))
    if not parts:
        return text
    parts.append(text[done:])
    return "".join(parts)


def _has_any(text: str, needles: tuple[str, ...]) -> bool:
    for needle in needles:  # noqa: SIM110 - a plain loop beats any() with a generator
        if needle in text:
            return True
    return False


def _sub(pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str]) -> Callable[[str], str]:
    return lambda text: pattern.sub(replace, text)


# (needles, rewrite): a rule runs only on text that holds one of its needles, so text without
# any of them goes straight to the card rule.
_RULES: tuple[tuple[tuple[str, ...], Callable[[str], str]], ...] = (
    (_AWS_KEY_PREFIXES, _sub(_AWS_KEY_ID, lambda m: "[REDACTED:aws-key]")),
    (("ecret", "ECRET"), _sub(_AWS_SECRET, _keep_name("aws-secret"))),
    (("eyJ",), _sub(_JWT, lambda m: "[REDACTED:jwt]")),
    (("earer", "EARER"), _sub(_BEARER, _keep_name("token"))),
    (("@",), _emails),
)
# every AWS key prefix starts with "A": text without one skips seven searches
assert all(prefix[0] == "A" for prefix in _AWS_KEY_PREFIXES)
_RULE_NEEDLES = ("A", *(needle for needles, _ in _RULES[1:] for needle in needles))


def _needles(names: list[str]) -> tuple[str, ...]:
    """The names that hold no other name: text holds one of `names` iff it holds one of these."""
    return tuple(n for n in names if not any(other in n for other in names if other != n))


class Redactor:
    """Applies the built-in rules plus configured field names; reusable and thread-safe."""

    def __init__(self, fields: Iterable[str] = ()) -> None:
        names = sorted({f.lower() for f in fields if f})
        self.fields = frozenset(names)
        self._names = _needles(names)
        self._field_pattern: re.Pattern[str] | None = None
        if names:
            alternatives = "|".join(re.escape(n) for n in names)
            self._field_pattern = re.compile(
                rf'("(?i:{alternatives})"\s{{0,8}}:\s{{0,8}})"(?:[^"\\]|\\.){{0,65536}}"'
                rf"|(\b(?i:{alternatives})=)[^&\s]{{0,65536}}"
            )

    def __call__(self, text: str) -> str:
        if not text:
            return text
        if _secret_scan:
            text = mask_secrets(text)
        if self._field_pattern is not None and _has_any(text.lower(), self._names):
            text = self._field_pattern.sub(_field_value, text)
        if _has_any(text, _RULE_NEEDLES):
            for needles, rewrite in _RULES:
                if _has_any(text, needles):
                    text = rewrite(text)
        return _CARD.sub(_card, text)

    def value(self, value: object) -> object:
        """Redact a JSON-like value: configured keys wholesale, strings by the text rules."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {
                k: REDACTED if str(k).lower() in self.fields else self.value(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value


def _field_value(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return f'{match.group(1)}"{REDACTED}"'
    return f"{match.group(2)}{REDACTED}"


def secret_window(text: str, start: int, end: int) -> str:
    """`text[start:end]`, with every registered secret that overlaps it, even partly, masked:
    an excerpt cut from a longer value must not carry a fragment of a secret either."""
    window = text[start:end]
    if not _secret_scan:
        return window
    spans: list[tuple[int, int]] = []
    for form in _secret_scan:
        at = text.find(form, max(start - len(form) + 1, 0), end + len(form) - 1)
        while at != -1:
            spans.append((max(at, start), min(at + len(form), end)))
            at = text.find(form, at + 1, end + len(form) - 1)
    if not spans:
        return window
    parts, done = [], start
    for low, high in sorted(spans):
        if high <= done:
            continue
        if low > done:
            parts.append(text[done:low])
        if low >= done:
            parts.append(SECRET_MASK)
        done = high
    parts.append(text[done:end])
    return "".join(parts)


_DEFAULT = Redactor()


def redact(text: str, fields: Iterable[str] = ()) -> str:
    """Redact secrets and personal data in `text` (plus the values of the named fields)."""
    return (Redactor(fields) if fields else _DEFAULT)(text)


def _filter_class() -> type:
    """`RedactingFilter`, defined on first use: a `logging.Filter` needs logging imported."""
    import logging

    class RedactingFilter(logging.Filter):
        """A logging filter that redacts each record's formatted message (and its traceback)."""

        def __init__(self, fields: Iterable[str] = ()) -> None:
            super().__init__()
            self._redact = Redactor(fields)

        def filter(self, record: logging.LogRecord) -> bool:
            message = record.getMessage()
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = self._redact(record.exc_text)
            record.msg = self._redact(message)
            record.args = None
            return True

    RedactingFilter.__module__ = __name__
    return RedactingFilter


def __getattr__(name: str) -> object:
    if name != "RedactingFilter":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _filter_lock:
        cls = globals().get(name) or _filter_class()
        globals()[name] = cls
    return cls


_filter_lock = threading.RLock()
_runtime_filter_fields: tuple[str, ...] | None = None  # the first guard's, until logging loads
_runtime_filtered = False


def runtime_logger() -> logging.Logger:
    """The `faasguard.runtime` logger, with the redacting filter a guard asked for installed."""
    global _runtime_filtered
    import logging

    log = logging.getLogger("faasguard.runtime")
    with _filter_lock:
        if _runtime_filter_fields is not None and not _runtime_filtered:
            log.addFilter(__getattr__("RedactingFilter")(_runtime_filter_fields))
            _runtime_filtered = True
    return log


def filter_runtime_logger(fields: Iterable[str]) -> None:
    """Redact what the `faasguard.runtime` logger records (the first guard's fields win).

    Installed now when logging is loaded (always on AWS Lambda), else by `runtime_logger()`,
    which every user of that logger in this package goes through, on the first record."""
    global _runtime_filter_fields
    import sys

    with _filter_lock:
        if _runtime_filter_fields is None:
            _runtime_filter_fields = tuple(fields)
    if "logging" in sys.modules:
        runtime_logger()


_record_lock = threading.Lock()
_record_factory_installed = False


def protect_log_records() -> None:
    """Mask registered secret values in every log record created in this process (idempotent).

    Wraps the log record factory, so it covers every logger and every handler, including those
    the platform (the Lambda runtime's root handler) or the function adds later.
    """
    global _record_factory_installed
    import logging

    with _record_lock:
        if _record_factory_installed:
            return
        make_record = logging.getLogRecordFactory()

        def masking_factory(*args: object, **kwargs: object) -> logging.LogRecord:
            record = make_record(*args, **kwargs)
            if _secret_scan:
                _mask_record(record)
            return record

        logging.setLogRecordFactory(masking_factory)
        _protect_extra_fields()
        _record_factory_installed = True


def _protect_extra_fields() -> None:
    """`extra=` fields are set on the record after the factory ran (structured formatters
    print them): mask them where the logging module adds them."""
    import logging

    make_record = logging.Logger.makeRecord

    def make_masked_record(self: logging.Logger, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(self, *args, **kwargs)
        extra = kwargs.get("extra", args[8] if len(args) > 8 else None)
        if extra and _secret_scan:
            for name in extra:
                if name in record.__dict__:
                    record.__dict__[name] = _mask_value(record.__dict__[name])
        return record

    logging.Logger.makeRecord = make_masked_record  # type: ignore[method-assign]


def _mask_value(value: object) -> object:
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, dict):
        return {key: _mask_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_value(item) for item in value]
    return value


def _mask_record(record: logging.LogRecord) -> None:
    import logging

    try:
        message = record.getMessage()
    except Exception:  # a bad format string: logging reports msg and args, so mask both
        message = f"{record.msg!s} {record.args!r}"
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_secrets(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_secrets(record.stack_info)
    masked = mask_secrets(message)
    if masked is not message:
        record.msg, record.args = masked, None
