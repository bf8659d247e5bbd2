"""A PEP 578 audit-hook sandbox for one function process.

    from faasguard.runtime.sandbox import Sandbox

    Sandbox(mode="enforce", subprocess=False, network=["*.amazonaws.com:443"],
            write=["/tmp"]).install()

Boxes child processes, outbound network (and DNS lookups), file writes, reading the function's
own code and `/proc/*/environ`, dynamic code, unpickling, marshal and ctypes. In "enforce" mode a
forbidden action raises `SandboxViolation` (a `PermissionError`) before it happens; "monitor"
only emits OCSF security events; "learn" records what the function needed and proposes a policy
(`proposal()`, and printed to stderr at exit).

An audit hook cannot be removed: `install()` works once per process (installing the same policy
again is a no-op; a different one is an error). The hook is a dict lookup for the hundreds of
event kinds it does not care about. It defends against what injected commands and payloads do
(shells, SSRF, file drops, `eval` of input, pickle gadgets, ctypes and `_posixsubprocess`
bypasses); like every in-process audit hook it is not a boundary against an attacker who already
runs arbitrary Python and rewrites the interpreter's own objects.

Decisions:
- Processes: `subprocess=False` blocks Popen, os.system/popen, exec*, posix_spawn, pty.spawn,
  fork/forkpty (so os.spawn* and multiprocessing too), signals to other processes, and
  `_posixsubprocess.fork_exec` (replaced in `_posixsubprocess` and `subprocess`, re-import vetoed;
  in enforce mode with nothing allowed the original is dropped). An allow-list names basenames
  or paths; files under the writable directories never run; fork stays blocked unless `True`.
- Network: `host:port` rules with `*` wildcards and CIDRs; DNS lookups are checked by name, and
  the IPs an allowed name resolves to are allowed on its ports. Link-local/metadata addresses
  (IPv4 and IPv6, any spelling) need a rule naming them, even with `*`. `bind` is not checked.
- Reads: the function's `*.py`/`*.pyc` (LAMBDA_TASK_ROOT, else the working directory) only
  through the import machinery; `/proc/*/environ` and `mem`; directory handles (`os.open(dir)`)
  outside the writable directories, since `dir_fd` escapes the `open` event. Tracebacks lose their
  source lines (linecache's reads are denied without an alarm). Importing code written after
  install into a writable directory is blocked.
- Dynamic code: `compile`/`exec`/`eval`/code construction only from the import machinery, the
  stdlib modules that generate code from their own templates (dataclasses, namedtuple, typing,
  ast, inspect, gettext, types), and `dynamic_code=[module prefixes]`.
- Not restricted: sys.settrace/setprofile (debuggers, profilers, APM), more audit hooks, gc.
"""

from __future__ import annotations

import errno
import os
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from . import _events
from . import _sandbox_policy as P
from ._sandbox_checks import Checker, Violation

TYPE_CHECKING = False  # typing costs milliseconds of cold start
if TYPE_CHECKING:
    from typing import Any

MODES = ("learn", "monitor", "enforce")
_KINDS = ("process", "network", "write", "read", "code", "deserialize", "ctypes")
_LOCK = threading.Lock()
_ACTIVE: _Installed | None = None


class SandboxViolation(PermissionError):
    """An action the sandbox policy forbids; raised before the action happens."""

    def __init__(self, violation: Violation) -> None:
        message = f"faasguard sandbox: {violation.detail} is not allowed ({violation.kind})"
        super().__init__(errno.EACCES, message)
        self.kind = violation.kind
        self.event = violation.event
        self.detail = violation.detail

    def __str__(self) -> str:
        return str(self.strerror)


@dataclass
class _Recorder:
    """Reports violations according to the mode and remembers what a policy would need."""

    mode: str
    log: _events.EventLog
    function: str
    needed: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in _KINDS})
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_KINDS, 0))

    def __call__(self, found: Violation) -> None:
        if found.quiet:
            if self.mode == "enforce":
                raise SandboxViolation(found)
            return
        self.needed[found.kind].add(found.allowance)
        self.counts[found.kind] += 1
        if self.mode != "learn":
            self._emit(found)
        if self.mode == "enforce":
            raise SandboxViolation(found)

    def _emit(self, found: Violation) -> None:
        blocked = self.mode == "enforce"
        call = _events.Invocation(function=self.function)
        event = _events.rule_finding(
            call,
            rule=f"sandbox.{found.kind}",
            blocked=blocked,
            severity_id=4 if blocked else 3,
            uid=f"sandbox:{found.kind}:{found.event}",
            title=f"Sandbox: {found.kind} action outside the policy",
            types=["sandbox", found.kind],
            unmapped={
                "event": found.event,
                "mode": self.mode,
                "detail": self.log.redactor(found.detail)[:300],
            },
        )
        self.log.emit(event, allowed=not blocked, request_id="")


@dataclass(frozen=True)
class _Installed:
    policy: P.Policy
    checker: Checker
    recorder: _Recorder


class Sandbox:
    """The policy of one function process; `install()` it once, as early as possible."""

    def __init__(
        self,
        mode: str = "enforce",
        *,
        subprocess: bool | Iterable[str] = False,
        network: bool | Iterable[str] = (),
        write: Iterable[str] = ("/tmp",),
        endpoints: Iterable[str] = (),
        code_dirs: Iterable[str] | None = None,
        read_code: bool = False,
        dynamic_code: bool | Iterable[str] = (),
        pickle: bool | Iterable[str] = (),
        marshal: bool = False,
        ctypes: bool | Iterable[str] = False,
        sink: _events.Sink | None = None,
        function_name: str | None = None,
        max_events_per_second: int = 50,
    ) -> None:
        if mode not in MODES:
            raise P.PolicyError(f"faasguard sandbox: mode {mode!r} is not one of {MODES}")
        self.policy = P.Policy(
            mode=mode,
            executables=_executables(subprocess),
            fork=subprocess is True,
            net=_network(network, endpoints),
            unix_sockets=frozenset(
                r[5:] for r in _strings(network, "network", True) if r.startswith("unix:")
            ),
            write=P.real_prefixes(_strings(write, "write"), "write"),
            code_dirs=P.real_prefixes(_default_code_dirs(code_dirs), "code_dirs"),
            read_code=bool(read_code),
            dynamic_code=None if dynamic_code is True else _strings(dynamic_code, "dynamic_code"),
            pickle=None if pickle is True else P.allowed_pickle(_strings(pickle, "pickle")),
            marshal=bool(marshal),
            ctypes=None if ctypes is True else _strings(ctypes, "ctypes"),
        )
        self._sink = sink or _events.stdout_sink
        self._function = function_name or os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self._max_events = max_events_per_second
        self._installed: _Installed | None = None

    @property
    def mode(self) -> str:
        return self.policy.mode

    def install(self) -> Sandbox:
        """Add the audit hook to this process (once; the same policy again is a no-op)."""
        global _ACTIVE
        with _LOCK:
            if _ACTIVE is not None:
                if _ACTIVE.policy != self.policy:
                    raise RuntimeError(
                        "faasguard sandbox: already installed in this process with a different "
                        "policy (an audit hook cannot be removed); build one Sandbox per process"
                    )
                self._installed = _ACTIVE
                return self
            log = _events.EventLog(sink=self._sink, max_per_second=self._max_events)
            recorder = _Recorder(self.policy.mode, log, self._function)
            checker = Checker(self.policy)
            _guard_fork_exec(checker, recorder, self.policy)
            if self.policy.net is not None:
                _record_dns(checker)
            sys.addaudithook(_hook(checker.dispatch(), recorder, self.policy.mode))
            _ACTIVE = self._installed = _Installed(self.policy, checker, recorder)
            if self.policy.mode == "learn":
                import atexit

                atexit.register(self._print_proposal)
        return self

    # ----- learn mode
    def needed(self) -> dict[str, list[str]]:
        """What the function did outside the policy so far, by kind."""
        installed = self._installed
        if installed is None:
            return {k: [] for k in _KINDS}
        return {k: sorted(v) for k, v in installed.recorder.needed.items()}

    def violations(self) -> dict[str, int]:
        installed = self._installed
        return dict(installed.recorder.counts) if installed else dict.fromkeys(_KINDS, 0)

    def proposal(self) -> dict[str, Any]:
        """The current policy widened by what was needed: the options of an enforcing Sandbox."""
        from ._sandbox_learn import propose

        return propose(self.policy, self.needed())

    def proposal_code(self) -> str:
        from ._sandbox_learn import as_code

        return as_code(self.proposal())

    def _print_proposal(self) -> None:
        import json

        sys.stderr.write("faasguard sandbox proposal: " + json.dumps(self.proposal()) + "\n")
        sys.stderr.write("  " + self.proposal_code() + "\n")


def installed() -> bool:
    return _ACTIVE is not None


def _hook(
    table: dict[str, Callable[[str, tuple[Any, ...]], Violation | None]],
    report: _Recorder,
    mode: str,
) -> Callable[[str, tuple[Any, ...]], None]:
    ident = threading.get_ident
    busy: set[int] = set()

    def faasguard_sandbox(event: str, args: tuple[Any, ...]) -> None:
        if event not in table:  # most audit events: one dict probe, no call
            return
        check = table[event]
        me = ident()
        if me in busy:
            return
        busy.add(me)
        try:
            found = check(event, args)
            if found is not None:
                report(found)
        except SandboxViolation:
            raise
        except Exception as exc:
            if mode == "enforce" and not sys.is_finalizing():
                raise SandboxViolation(
                    Violation("internal", event, f"{event} (check failed: {exc!r})", "")
                ) from None
        finally:
            busy.discard(me)

    return faasguard_sandbox


def _guard_fork_exec(checker: Checker, report: _Recorder, policy: P.Policy) -> None:
    """`_posixsubprocess.fork_exec` spawns without an audit event (CPython 3.11-3.13): replace
    it where it is reachable. When all processes are forbidden the original is not kept."""
    if policy.executables is None:
        return
    try:
        import _posixsubprocess
    except ImportError:
        return
    keep = policy.mode != "enforce" or bool(policy.executables)
    original = _posixsubprocess.fork_exec if keep else None

    def fork_exec(*args: Any) -> Any:
        found = checker.fork_exec(args[0], args[1])
        if found is not None:
            report(found)
        if original is None:
            report(Violation("process", "_posixsubprocess.fork_exec", "fork_exec", "fork"))
            raise AssertionError("unreachable: enforce mode reports by raising")
        return original(*args)

    _posixsubprocess.fork_exec = fork_exec
    subprocess = sys.modules.get("subprocess")
    if subprocess is not None and hasattr(subprocess, "_fork_exec"):
        subprocess._fork_exec = fork_exec  # type: ignore[attr-defined]


def _record_dns(checker: Checker) -> None:
    import socket

    original = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        results = original(host, port, *args, **kwargs)
        checker.record_resolution(host, results)
        return results

    socket.getaddrinfo = getaddrinfo


def _strings(value: Any, what: str, allow_all: bool = False) -> tuple[str, ...]:
    if value is False or value is None or (allow_all and value is True):
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise P.PolicyError(f"faasguard sandbox: {what}= takes a list of strings, not {value!r}")
    items = tuple(value)
    for item in items:
        if not isinstance(item, str):
            raise P.PolicyError(f"faasguard sandbox: {what}= entry {item!r} is not a string")
    return items


def _executables(value: bool | Iterable[str]) -> frozenset[str] | None:
    if value is True:
        return None
    return P.executables(_strings(value, "subprocess"))


def _network(value: bool | Iterable[str], endpoints: Iterable[str]) -> tuple[P.NetRule, ...] | None:
    if value is True:
        return None
    entries = [e for e in _strings(value, "network") if not e.startswith("unix:")]
    entries += [P.endpoint_rule(url) for url in _strings(endpoints, "endpoints")]
    runtime_api = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if runtime_api:
        entries.append(runtime_api)
    return tuple(P.parse_net_rule(e) for e in entries)


def _default_code_dirs(code_dirs: Iterable[str] | None) -> tuple[str, ...]:
    if code_dirs is not None:
        return _strings(code_dirs, "code_dirs")
    task_root = os.environ.get("LAMBDA_TASK_ROOT")
    if task_root:
        return (task_root, "/opt/python")
    return (os.getcwd(),)
