"""The sandbox's policy: what a function may execute, reach, write, read, compile and unpickle.

Everything here is parsed and normalised once, at `Sandbox.install()`; matching is then pure
lookups. Standard library only.
"""

from __future__ import annotations

import ipaddress
import os
import re
from _socket import inet_aton
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Instance metadata services: reachable only through a rule that names them explicitly.
_METADATA = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud
)
ALWAYS_WRITABLE = ("/dev/null", "/dev/stdout", "/dev/stderr")
CODE_SUFFIXES = (".py", ".pyc", ".pyo", ".pyw", ".pyi", ".pyx")
# Globals that plain data pickles need (datetimes, decimals, sets, ...): nothing that executes.
SAFE_PICKLE_GLOBALS = frozenset(
    {
        "builtins.set", "builtins.frozenset", "builtins.complex", "builtins.bytearray",
        "builtins.slice", "builtins.range", "copyreg._reconstructor", "_codecs.encode",
        "datetime.date", "datetime.time", "datetime.datetime", "datetime.timedelta",
        "datetime.timezone", "decimal.Decimal", "fractions.Fraction", "uuid.UUID",
        "uuid.SafeUUID", "collections.OrderedDict", "collections.deque",
        "collections.Counter", "zoneinfo.ZoneInfo", "zoneinfo._common._load_tzif",
        "ipaddress.IPv4Address", "ipaddress.IPv6Address",
    }
)  # fmt: skip


class PolicyError(ValueError):
    """A sandbox option that cannot be understood."""


@dataclass(frozen=True, slots=True)
class NetRule:
    """One `host:port` allow-list entry: a host pattern or an IP network, any port if None."""

    text: str
    port: int | None
    host: re.Pattern[str] | None = None
    network: IPNetwork | None = None

    def allows_port(self, port: int | None) -> bool:
        return self.port is None or port is None or self.port == port


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed sandbox policy. `None` for a category means "allow everything"."""

    mode: str
    executables: frozenset[str] | None  # basenames and resolved paths; None = any
    fork: bool
    net: tuple[NetRule, ...] | None
    unix_sockets: frozenset[str]
    write: tuple[str, ...]
    code_dirs: tuple[str, ...]
    read_code: bool
    dynamic_code: tuple[str, ...] | None  # module name prefixes allowed to compile; None = any
    pickle: frozenset[str] | None  # "module.name" or "module.*"; None = any
    marshal: bool
    ctypes: tuple[str, ...] | None  # library names; None = any


def parse_ip(host: str) -> IPAddress | None:
    """An IP address in any form the C library accepts (dotted, decimal, hex, octal, v6, mapped)."""
    text = host.strip("[]").split("%", 1)[0]
    try:
        ip: IPAddress = ipaddress.ip_address(text)
    except ValueError:
        if not text or not text[0].isdigit():
            return None
        try:
            ip = ipaddress.IPv4Address(inet_aton(text))
        except OSError:
            return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_metadata(ip: IPAddress) -> bool:
    return any(ip.version == net.version and ip in net for net in _METADATA)


def names_metadata(rule: NetRule) -> bool:
    net = rule.network
    return net is not None and any(
        net.version == m.version and net.subnet_of(m)  # type: ignore[arg-type]
        for m in _METADATA
    )


def _host_pattern(host: str) -> re.Pattern[str]:
    parts = (re.escape(p) for p in host.lower().rstrip(".").split("*"))
    return re.compile(".*".join(parts))


def parse_net_rule(text: str) -> NetRule:
    """`host`, `host:port`, `*.example.com:443`, `10.0.0.0/8:5432`, `[::1]:8080`, `*:443`."""
    entry = text.strip()
    if not entry:
        raise PolicyError("faasguard sandbox: empty entry in network=")
    host, port = entry, None
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        if rest:
            port = _port(rest.lstrip(":"), text)
    elif entry.count(":") == 1:
        host, raw = entry.split(":")
        port = _port(raw, text)
    if "/" in host:
        try:
            return NetRule(text, port, network=ipaddress.ip_network(host, strict=False))
        except ValueError as exc:
            raise PolicyError(f"faasguard sandbox: bad network in {text!r}: {exc}") from None
    ip = parse_ip(host) if "*" not in host else None
    if ip is not None:
        return NetRule(text, port, network=ipaddress.ip_network(ip))
    if not re.fullmatch(r"[A-Za-z0-9*._-]+", host):
        raise PolicyError(f"faasguard sandbox: bad host in network= entry {text!r}")
    return NetRule(text, port, host=_host_pattern(host))


def _port(raw: str, text: str) -> int | None:
    if raw in ("", "*"):
        return None
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise PolicyError(f"faasguard sandbox: bad port in network= entry {text!r}")
    return int(raw)


def endpoint_rule(url: str) -> str:
    """`redis://host:6379/0` or `https://host` → `host:port` (default port by scheme)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url if "//" in url else f"//{url}")
    default = {"https": 443, "http": 80, "redis": 6379, "rediss": 6379}.get(parts.scheme)
    if not parts.hostname:
        raise PolicyError(f"faasguard sandbox: endpoint {url!r} has no host")
    port = parts.port or default
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{host}:{port}" if port else host


def real_prefixes(paths: Iterable[str], what: str) -> tuple[str, ...]:
    out = []
    for path in paths:
        if not isinstance(path, str) or not path:
            raise PolicyError(f"faasguard sandbox: {what}= needs non-empty path strings")
        out.append(os.path.realpath(path).rstrip("/") or "/")
    return tuple(dict.fromkeys(out))


def under(path: str, prefixes: tuple[str, ...]) -> bool:
    for prefix in prefixes:
        if prefix == "/" or path == prefix or path.startswith(prefix + "/"):
            return True
    return False


def executables(allowed: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for entry in allowed:
        if not isinstance(entry, str) or not entry:
            raise PolicyError("faasguard sandbox: subprocess= takes a bool or executable names")
        out.add(os.path.realpath(entry) if "/" in entry else entry)
    return frozenset(out)


def allowed_pickle(entries: Iterable[str]) -> frozenset[str]:
    out = set(SAFE_PICKLE_GLOBALS)
    for entry in entries:
        if not isinstance(entry, str) or "." not in entry:
            raise PolicyError(f"faasguard sandbox: pickle= entry {entry!r} is not 'module.name'")
        out.add(entry)
    return frozenset(out)
