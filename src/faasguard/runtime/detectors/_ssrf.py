"""SSRF: URLs whose host is a metadata endpoint, loopback, private or rebinding-style name."""

from __future__ import annotations

import re

from ._hit import Hit, lazy

# matched from each "://" found with str.find: the scheme before it, the host after it
_SCHEME = lazy(r"[a-z][a-z0-9+.-]{0,15}$", re.I)
_AUTHORITY = lazy(
    r"(?:[^\s/@?#]{0,200}@)?(?P<host>\[[0-9a-f:.%a-z]{2,60}\]|[^\s/:?#\\\[\]@]{1,253})", re.I
)
MAX_URLS = 32
_DANGEROUS_SCHEMES = frozenset(
    {"file", "gopher", "dict", "ldap", "ldaps", "tftp", "jar", "netdoc", "sftp", "expect"}
)
_METADATA_NAMES = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.azure.com",
        "kubernetes.default",
        "kubernetes.default.svc",
        "localhost",
        "localhost.localdomain",
        "ip6-localhost",
        "ip6-loopback",
        "localtest.me",
        "lvh.me",
        "vcap.me",
        "burpcollaborator.net",
    }
)
_REBIND_SUFFIXES = (
    ".nip.io",
    ".xip.io",
    ".sslip.io",
    ".localtest.me",
    ".lvh.me",
    ".vcap.me",
    ".rbndr.us",
    ".1u.ms",
    ".localhost",
    ".internal",
)
_METADATA_IPS = frozenset({(169, 254, 169, 254), (100, 100, 100, 200), (192, 0, 0, 192)})


def _ipv4(host: str) -> tuple[int, ...] | None:
    """Parse IPv4 in every form inet_aton accepts: dotted, decimal, hex, octal, short."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    nums: list[int] = []
    for p in parts:
        try:
            if p[:2].lower() == "0x":
                nums.append(int(p[2:] or "0", 16))
            elif len(p) > 1 and p.startswith("0"):
                nums.append(int(p, 8))
            else:
                nums.append(int(p, 10))
        except ValueError:
            return None
    last_bytes = 5 - len(nums)
    if any(n > 255 for n in nums[:-1]) or nums[-1] >= 256**last_bytes:
        return None
    value = 0
    for n in nums[:-1]:
        value = value << 8 | n
    value = value << (8 * last_bytes) | nums[-1]
    return tuple((value >> s) & 255 for s in (24, 16, 8, 0))


def _ipv4_risk(ip: tuple[int, ...]) -> str | None:
    a, b = ip[0], ip[1]
    if ip in _METADATA_IPS or (a, b) == (169, 254):
        return "metadata"
    if a in (0, 127):
        return "loopback"
    if (
        a == 10
        or (a == 172 and 16 <= b <= 31)
        or (a, b) == (192, 168)
        or (a == 100 and 64 <= b <= 127)
    ):
        return "private"
    return None


def _ipv6_risk(host: str) -> str | None:
    inner = host.strip("[]").split("%")[0].lower()
    if inner in ("::1", "::", "0:0:0:0:0:0:0:1") or inner == "fd00:ec2::254":
        return "loopback" if "ec2" not in inner else "metadata"
    if inner.startswith(("fe80:", "fc", "fd")):
        return "private"
    tail = inner.rsplit(":", 1)[-1]
    if "." in tail:
        ip = _ipv4(tail)
        return _ipv4_risk(ip) if ip else None
    if inner.startswith("::ffff:") and len(tail) <= 4:
        return "private"
    return None


def host_risk(host: str) -> str | None:
    host = host.lower().rstrip(".")
    if host.startswith("["):
        return _ipv6_risk(host)
    if host in _METADATA_NAMES:
        return "metadata" if "localhost" not in host and "lvh" not in host else "loopback"
    if host.endswith(_REBIND_SUFFIXES):
        return "rebinding"
    if host[:1].isdigit():
        ip = _ipv4(host)
        if ip:
            return _ipv4_risk(ip)
    return None


def detect(text: str, low: str, marks: str | frozenset[str]) -> list[Hit]:
    sep = text.find("://")
    for _ in range(MAX_URLS):
        if sep < 0:
            break
        scheme = _SCHEME.search(text[max(sep - 16, 0) : sep])
        authority = _AUTHORITY.match(text, sep + 3)
        start = sep - len(scheme.group()) if scheme else sep
        if scheme and scheme.group().lower() in _DANGEROUS_SCHEMES:
            name = scheme.group().lower()
            return [Hit(f"ssrf.scheme-{name}", 0.8, start, sep + 3)]
        if scheme and authority:
            risk = host_risk(authority.group("host"))
            if risk:
                conf = 0.95 if risk == "metadata" else 0.8
                return [Hit(f"ssrf.{risk}-host", conf, start, authority.end())]
        sep = text.find("://", sep + 3)
    return []


def gate(low: str, chars: str | frozenset[str]) -> bool:
    return ":" in chars and "://" in low
