"""Redaction of secrets and personal data in responses, logs and security events.

Built in: AWS access key ids and secret keys (with their key name), bearer tokens, JWTs, e-mail
addresses and payment card numbers (issuer prefix 2-6 and Luhn-checked, so epoch
timestamps survive). Configured field names are redacted in JSON
(`"password": "..."`) and form / query (`password=...`) text. Every pattern has bounded
repetition, so the cost stays linear in the text length.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

_AWS_KEY_PREFIXES = ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "AIPA")
_AWS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|AIPA)[0-9A-Z]{16}\b")
_AWS_SECRET = re.compile(
    r"(?i)(aws_?secret_?access_?key|secret_?access_?key|aws_?secret)(\W{1,5})[A-Za-z0-9/+=]{40}"
)
_BEARER = re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9\-._~+/]{8,4096}=*")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,4096}\.eyJ[A-Za-z0-9_-]{4,8192}\.[A-Za-z0-9_-]{0,4096}")
# Local part read backwards from each "@" (so the scan costs nothing on text without one).
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9._%+-]{1,64}$")
_EMAIL_DOMAIN = re.compile(r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}")
# Starts with a character class (not an assertion) so the scanner can skip ahead quickly.
_CARD = re.compile(r"[2-6](?:[ -]?\d){12,18}(?!\d)")

REDACTED = "[REDACTED]"


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


_RULES: tuple[tuple[Callable[[str], bool], Callable[[str], str]], ...] = (
    (lambda t: _has_any(t, _AWS_KEY_PREFIXES), _sub(_AWS_KEY_ID, lambda m: "[REDACTED:aws-key]")),
    (lambda t: "ecret" in t or "ECRET" in t, _sub(_AWS_SECRET, _keep_name("aws-secret"))),
    (lambda t: "eyJ" in t, _sub(_JWT, lambda m: "[REDACTED:jwt]")),
    (lambda t: "earer" in t or "EARER" in t, _sub(_BEARER, _keep_name("token"))),
    (lambda t: "@" in t, _emails),
    (lambda t: True, _sub(_CARD, _card)),
)


class Redactor:
    """Applies the built-in rules plus configured field names; reusable and thread-safe."""

    def __init__(self, fields: Iterable[str] = ()) -> None:
        names = sorted({f.lower() for f in fields if f})
        self.fields = frozenset(names)
        self._names = tuple(names)
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
        if self._field_pattern is not None and _has_any(text.lower(), self._names):
            text = self._field_pattern.sub(_field_value, text)
        for applies, rewrite in _RULES:
            if applies(text):
                text = rewrite(text)
        return text

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


_DEFAULT = Redactor()


def redact(text: str, fields: Iterable[str] = ()) -> str:
    """Redact secrets and personal data in `text` (plus the values of the named fields)."""
    return (Redactor(fields) if fields else _DEFAULT)(text)


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
