"""Learn mode: turn what a function needed into the options of an enforcing `Sandbox`."""

from __future__ import annotations

from . import _sandbox_policy as P

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def propose(policy: P.Policy, needed: dict[str, list[str]]) -> dict[str, Any]:
    """Keyword arguments for `Sandbox(...)`: the given policy plus everything that was needed."""
    processes = set(needed.get("process", ()))
    subprocess: bool | list[str]
    if policy.executables is None or processes & {"fork", "kill", "_posixsubprocess"}:
        subprocess = True
    elif policy.executables or processes:
        subprocess = sorted(policy.executables | processes)
    else:
        subprocess = False
    network: bool | list[str] = True
    if policy.net is not None:
        network = sorted({r.text for r in policy.net} | set(needed.get("network", ())))
        network += sorted(f"unix:{p}" for p in policy.unix_sockets)
    reads = needed.get("read", [])
    out: dict[str, Any] = {
        "mode": "enforce",
        "subprocess": subprocess,
        "network": network,
        "write": sorted(set(policy.write) | set(needed.get("write", ()))),
        "read_code": policy.read_code or any(not r.startswith("/proc/") for r in reads),
        "dynamic_code": _widen(policy.dynamic_code, needed.get("code", ())),
        "pickle": _widen(policy.pickle, needed.get("deserialize", ()), drop=P.SAFE_PICKLE_GLOBALS),
        "marshal": policy.marshal or "marshal" in needed.get("deserialize", ()),
        "ctypes": _widen(policy.ctypes, needed.get("ctypes", ())),
    }
    if isinstance(out["pickle"], list):
        out["pickle"] = [p for p in out["pickle"] if p != "marshal"]
    return out


def _widen(current: Any, needed: Any, drop: frozenset[str] = frozenset()) -> bool | list[str]:
    if current is None:
        return True
    return sorted((set(current) | set(needed)) - drop - {""})


def as_code(options: dict[str, Any]) -> str:
    args = ", ".join(f"{key}={value!r}" for key, value in options.items())
    return f"Sandbox({args}).install()"
