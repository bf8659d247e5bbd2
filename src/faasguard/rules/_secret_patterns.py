"""Recognising credentials in configuration values: provider patterns, names, entropy."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class SecretMatch:
    kind: str
    confidence: str  # "high" (a provider format) | "medium" (name + plausible value)


_PROVIDER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("Stripe secret key", re.compile(r"\b[rs]k_live_[A-Za-z0-9]{16,}")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("SendGrid API key", re.compile(r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}")),
    ("Twilio API key", re.compile(r"\bSK[0-9a-f]{32}\b")),
    (
        "JSON web token",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ),
    ("Azure storage account key", re.compile(r"AccountKey=[A-Za-z0-9+/=]{40,}")),
    ("Azure shared access signature", re.compile(r"(?:SharedAccessKey|sig)=[A-Za-z0-9%+/=]{20,}")),
    (
        "connection string with a password",
        re.compile(r"\b[a-z][a-z0-9+.-]{1,20}://[^/\s:@]{1,64}:[^/\s@]{3,}@[^\s/]+", re.I),
    ),
    (
        "password in a connection string",
        re.compile(r"(?:^|;)\s*(?:password|pwd)\s*=\s*[^;]{3,}", re.I),
    ),
)

_SECRET_NAME = re.compile(
    r"(?:^|_|-)(?:PASSWORD|PASSWD|PWD|PASS|SECRET|TOKEN|API_?KEY|APIKEY|PRIVATE_?KEY|ACCESS_?KEY|"
    r"CLIENT_?SECRET|AUTH|CREDENTIALS?|SIGNING_?KEY|ENCRYPTION_?KEY|WEBHOOK_?SECRET|DSN|"
    r"CONNECTION_?STRING|CONN_?STR|SAS)(?:$|_|-)",
    re.I,
)
_NOT_SECRET_NAME = re.compile(
    r"(?:_(?:ARN|NAME|PATH|PARAM|PARAMETER|ID|URL|ENDPOINT|HEADER|TTL|LENGTH|EXPIRY|EXPIRES|"
    r"TIMEOUT|FILE|REGION|FIELD|TYPE|ENABLED|DISABLED|KEY_ID|VERSION)$)|^(?:TOKEN_TYPE)$"
    # Application Insights connection strings carry an instrumentation key that Microsoft
    # documents as not secret (it only identifies where telemetry goes).
    r"|^(?:APPLICATIONINSIGHTS_CONNECTION_STRING|APPINSIGHTS_INSTRUMENTATIONKEY)$",
    re.I,
)
_PLACEHOLDERS = re.compile(
    r"^(?:|x+|\*+|-+|\.+|changeme|change[-_ ]?me|todo|tbd|none|null|nil|undefined|empty|secret|"
    r"password|example|sample|dummy|test|testing|placeholder|redacted|your[-_a-z]*|<.*>|\{\{.*\}\}|"
    r"\$\{.*\}|%\(.*\)s|true|false|yes|no|on|off|0|1)$",
    re.I,
)

_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(?:\d{12})?:\S+$")


def shannon_entropy(text: str) -> float:
    if not text:
        return 0.0
    counts = Counter(text)
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


@lru_cache(maxsize=16384)  # a shared variable is asked about per function and per rule
def find_secret(name: str, value: str) -> SecretMatch | None:
    """A credential in ``value`` (of a setting called ``name``), or None."""
    for kind, pattern in _PROVIDER_PATTERNS:
        if pattern.search(value):
            return SecretMatch(kind, "high")
    stripped = value.strip()
    if _PLACEHOLDERS.match(stripped) or len(stripped) < 6:
        return None
    if stripped.lower() == "managedidentity":
        return None  # Azure identity-based connection: <CONNECTION>__credential = managedidentity
    if _SECRET_NAME.search(name) and not _NOT_SECRET_NAME.search(name):
        if (
            stripped.startswith(("arn:", "/", "ssm:", "http://", "https://"))
            and " " not in stripped
        ):
            return None  # a pointer to where the secret lives, not the secret
        return SecretMatch("secret (by its name)", "medium")
    if _ARN.match(stripped):
        return None  # an ARN names a resource (a secret's ARN is where it lives, not its value)
    if (
        len(stripped) >= 32
        and " " not in stripped
        and shannon_entropy(stripped) >= 4.5
        and re.search(r"[0-9]", stripped)
        and re.search(r"[A-Za-z]", stripped)
    ):
        return SecretMatch("high-entropy string", "medium")
    return None
