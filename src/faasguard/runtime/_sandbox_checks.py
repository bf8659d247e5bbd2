"""Audit event → verdict. One method per event family; each returns a `Violation` or None.

Runs inside the audit hook with re-entrancy blocked, so events raised here (os.stat, realpath's
lstat, sys._getframe) are not checked again.
"""

from __future__ import annotations

import os
import sys
import time
from _socket import AF_UNIX
from collections.abc import Callable
from dataclasses import dataclass

from . import _sandbox_policy as P

TYPE_CHECKING = False  # typing costs milliseconds of cold start
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_IMPORT_FILES = frozenset(
    {
        "<frozen importlib._bootstrap>",
        "<frozen importlib._bootstrap_external>",
        "<frozen zipimport>",
    }
)
_STDLIB = os.path.dirname(os.__file__)
# Standard-library modules that generate code from their own templates, not from caller input.
_CODEGEN_FILES = frozenset(
    os.path.join(_STDLIB, name)
    for name in ("dataclasses.py", "collections/__init__.py", "typing.py", "ast.py",
                 "inspect.py", "gettext.py", "types.py", "importlib/_bootstrap.py",
                 "importlib/_bootstrap_external.py", "zipimport.py")
) | _IMPORT_FILES  # fmt: skip
_LAST_ARG_DIR_FD = frozenset(
    {"os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.utime"}
)
_CODE_OR_ZIP = (*P.CODE_SUFFIXES, ".zip")
_LOADABLE = (*_CODE_OR_ZIP, ".so")
_SOURCE_LINES = frozenset(os.path.join(_STDLIB, n) for n in ("linecache.py", "tokenize.py"))
_SECRET_PROC = frozenset({"environ", "mem"})
_MAX_RESOLVED = 4096


@dataclass(frozen=True, slots=True)
class Violation:
    kind: str  # process | network | write | read | code | deserialize | ctypes
    event: str
    detail: str
    allowance: str  # what a policy would have to allow (learn mode proposes it)
    quiet: bool = False  # the import machinery's bytecode cache: deny, but do not report


def _caller(helpers: int) -> FrameType | None:
    """The Python frame that raised the audit event: past this function, `helpers` helper
    frames, the check method and the hook."""
    try:
        return sys._getframe(helpers + 3)
    except ValueError:
        return None


def _from_import(frame: FrameType | None) -> bool:
    return frame is not None and frame.f_code.co_filename in _IMPORT_FILES


def _text(path: Any) -> str | None:
    if isinstance(path, bytes):
        return os.fsdecode(path)
    if isinstance(path, os.PathLike):
        return _text(os.fspath(path))
    return path if isinstance(path, str) else None


def _with_dir_fd(text: str, dir_fd: Any) -> str:
    if isinstance(dir_fd, int) and not os.path.isabs(text):
        try:
            return os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), text)
        except OSError:
            return text
    return text


class Checker:
    """The policy's verdict on each audited action; also remembers what DNS said for names."""

    def __init__(self, policy: P.Policy) -> None:
        self.policy = policy
        self.installed_at = time.time()
        self.written: set[str] = set()  # files this process created or changed in writable dirs
        self.resolved: dict[str, frozenset[int | None]] = {}  # IP → ports, from allowed names
        self._dirs: dict[str, str] = {}  # directory → its realpath

    def dispatch(self) -> dict[str, Callable[[str, tuple[Any, ...]], Violation | None]]:
        p = self.policy
        table: dict[str, Callable[[str, tuple[Any, ...]], Violation | None]] = {
            "open": self.open,
            **dict.fromkeys(("os.rename", "os.link"), self.two_paths),
            **dict.fromkeys(("os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown",
                             "os.utime", "os.truncate", "os.setxattr", "os.removexattr"),
                            self.one_path),
            "os.symlink": self.symlink,
            "shutil.unpack_archive": self.unpack,
            "import": self.import_,
            "sqlite3.connect": self.sqlite,
        }  # fmt: skip
        if p.executables is not None:
            table.update(
                {
                    "subprocess.Popen": self.popen,
                    "os.system": self.system,
                    "os.exec": self.exec_path,
                    "os.posix_spawn": self.exec_path,
                    "pty.spawn": self.pty_spawn,
                    "os.fork": self.fork,
                    "os.forkpty": self.fork,
                    "os.kill": self.kill,
                    "os.killpg": self.kill,
                }
            )
        if p.net is not None:
            table.update(
                {
                    "socket.connect": self.connect,
                    "socket.sendto": self.connect,
                    "socket.sendmsg": self.connect,
                    "socket.getaddrinfo": self.lookup,
                    "socket.gethostbyname": self.lookup,
                    "socket.gethostbyname_ex": self.lookup,
                    "socket.gethostbyaddr": self.lookup,
                }
            )
        if p.dynamic_code is not None:
            table.update({"compile": self.code, "exec": self.code, "code.__new__": self.code})
        if p.pickle is not None:
            table["pickle.find_class"] = self.find_class
        if not p.marshal:
            table.update({"marshal.loads": self.marshal, "marshal.load": self.marshal})
        if p.ctypes is not None:
            table.update(
                dict.fromkeys(
                    ("ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle", "ctypes.cdata",
                     "ctypes.cdata/buffer", "ctypes.call_function", "ctypes.PyObj_FromPtr",
                     "ctypes.string_at", "ctypes.wstring_at", "sqlite3.enable_load_extension",
                     "sqlite3.load_extension"),
                    self.ctypes,
                )
            )  # fmt: skip
        return table

    # ----- files
    def open(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        path, mode, flags = args[0], args[1], args[2]
        writing = isinstance(flags, int) and flags & _WRITE_FLAGS
        if isinstance(mode, str) and any(c in mode for c in "wax+"):
            writing = True
        if writing:
            return self._write("open", path, None)
        if mode is None:
            return self._directory_handle(path) or self._read(path)
        return self._read(path)

    def _directory_handle(self, path: Any) -> Violation | None:
        """`os.open(dir)` outside the writable directories: its fd would let `os.open(name,
        dir_fd=fd)` write or read there, and the `open` event does not carry `dir_fd`."""
        text = _text(path)
        if text is None or not os.path.isdir(text):
            return None
        real = os.path.realpath(text)
        if P.under(real, self.policy.write):
            return None
        return Violation("write", "open", f"directory handle on {real}", real)

    def _write(self, event: str, path: Any, dir_fd: Any) -> Violation | None:
        text = _text(path)
        if text is None or text in P.ALWAYS_WRITABLE:
            return None
        real = self._real(_with_dir_fd(text, dir_fd))
        if P.under(real, self.policy.write) or real == "/dev/null":
            self._remember(real)
            return None
        quiet = _from_import(_caller(1))
        return Violation("write", event, f"write to {real}", os.path.dirname(real), quiet)

    def _remember(self, real: str) -> None:
        if len(self.written) < 100_000 and real.endswith(_LOADABLE):
            self.written.add(real)

    def _read(self, path: Any) -> Violation | None:
        text = _text(path)
        if text is None:
            return None
        code = text.endswith(_CODE_OR_ZIP)
        if not code and text.startswith("/") and "proc" not in text and "/fd" not in text:
            return None  # the fast path: an ordinary absolute path that is not code
        real = self._real(text)
        if real.startswith("/proc/"):
            parts = real.split("/")
            if parts[-1] in _SECRET_PROC and (parts[2].isdigit() or parts[2] == "self"):
                return Violation("read", "open", f"read of {real}", real)
        if not real.endswith(_CODE_OR_ZIP):
            return None
        return self._read_code(real)

    def _real(self, text: str) -> str:
        """realpath with a cache of directories (imports read hundreds of files from a handful
        of them). Safe because a symlink can only be created pointing inside the writable
        directories: a cached directory cannot be swapped for a link that leaves them."""
        head, tail = os.path.split(text)
        if not head.startswith("/") or "proc" in head or os.path.islink(text):
            return os.path.realpath(text)
        real_head = self._dirs.get(head)
        if real_head is None:
            real_head = os.path.realpath(head)
            if len(self._dirs) < 4096:
                self._dirs[head] = real_head
        return os.path.join(real_head, tail) if tail else real_head

    def _read_code(self, text: str) -> Violation | None:
        caller = _caller(2)
        importing = _from_import(caller) and _from_import(caller.f_back if caller else None)
        if importing:
            if P.under(text, self.policy.write) and self._fresh(text):
                return Violation("code", "import", f"import of code written at run time: {text}",
                                 text)  # fmt: skip
            return None
        if self.policy.read_code or not text.endswith(P.CODE_SUFFIXES):
            return None
        if P.under(text, self.policy.code_dirs):
            # tracebacks read source lines through linecache: deny (it copes) without an alarm
            quiet = caller is not None and caller.f_code.co_filename in _SOURCE_LINES
            return Violation("read", "open", f"read of the function's code {text}", text, quiet)
        return None

    def _fresh(self, path: str) -> bool:
        real = path
        if real in self.written:
            return True
        try:
            return os.stat(real).st_mtime > self.installed_at
        except OSError:
            return False

    def one_path(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        dir_fd = args[-1] if event in _LAST_ARG_DIR_FD else None
        return self._write(event, args[0], dir_fd)

    def two_paths(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        src, dst, src_fd, dst_fd = args
        return self._write(event, src, src_fd) or self._write(event, dst, dst_fd)

    def symlink(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        src, dst, dir_fd = args
        found = self._write("os.symlink", dst, dir_fd)
        if found:
            return found
        target, link = _text(src), _text(dst)
        if target is None or link is None:
            return None
        link = self._real(_with_dir_fd(link, dir_fd))
        real = os.path.realpath(os.path.join(os.path.dirname(link), target))
        if P.under(real, self.policy.write):
            return None
        return Violation("write", "os.symlink", f"symlink {link} -> {real}", os.path.dirname(real))

    def unpack(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        return self._write("shutil.unpack_archive", args[1], None)

    def sqlite(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        """SQLite creates and writes its database file from C, without an `open` event."""
        name = _text(args[0]) or ""
        if name == ":memory:" or name == "" or name.startswith("file:"):
            path = name[5:].split("?", 1)[0] if name.startswith("file:") else ""
            if not path or "mode=memory" in name or "mode=ro" in name:
                return None
            name = path
        return self._write(event, name, None)

    def import_(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        """Also raised, with the file name, when an extension module is loaded (dlopen)."""
        if args[0] == "_posixsubprocess" and self.policy.executables is not None:
            return Violation("process", event, "re-import of _posixsubprocess", "_posixsubprocess")
        filename = _text(args[1]) if len(args) > 1 else None
        if not filename:
            return None
        real = os.path.realpath(filename)
        if P.under(real, self.policy.write) and self._fresh(real):
            return Violation("code", event, f"loading {real} written at run time", real)
        return None

    # ----- processes
    def _exe(self, event: str, path: Any) -> Violation | None:
        text = _text(path) or ""
        allowed = self.policy.executables or frozenset()
        if "/" in text:
            found = text
        else:
            import shutil

            found = shutil.which(text) or text
        real = os.path.realpath(found) if "/" in found else found
        if P.under(real, self.policy.write) and "/" in found:
            return Violation("process", event, f"execute {real} (written at run time)", real)
        if real in allowed or os.path.basename(text) in allowed:
            return None
        return Violation("process", event, f"execute {text}", os.path.basename(text) or text)

    def popen(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        return self._exe("subprocess.Popen", args[0])

    def system(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        found = self._exe("os.system", "/bin/sh")
        if found:
            command = _text(args[0]) or repr(args[0])
            return Violation("process", "os.system", f"shell command {command[:80]!r}", "sh")
        return None

    def exec_path(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        return self._exe("os.exec", args[0])

    def pty_spawn(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        argv = args[0]
        return self._exe("pty.spawn", argv if isinstance(argv, str | bytes) else argv[0])

    def fork(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        return None if self.policy.fork else Violation("process", "os.fork", "fork", "fork")

    def kill(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        if self.policy.fork or args[0] == os.getpid():
            return None
        return Violation("process", "os.kill", f"signal {args[1]} to process {args[0]}", "kill")

    def fork_exec(self, argv: Any, executables: Any) -> Violation | None:
        """`_posixsubprocess.fork_exec` raises no audit event: its replacement calls this."""
        for candidate in executables or ():
            path = os.fsdecode(candidate)
            if os.access(path, os.X_OK):
                return self._exe("_posixsubprocess.fork_exec", path)
        return self._exe("_posixsubprocess.fork_exec", argv[0] if argv else "")

    # ----- network
    def connect(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        sock, address = args[0], args[1]
        if address is None:
            return None
        family = getattr(sock, "family", None)
        if family == AF_UNIX:
            path = _text(address) or repr(address)
            if path in self.policy.unix_sockets:
                return None
            return Violation("network", "socket.connect", f"unix socket {path}", f"unix:{path}")
        if not isinstance(address, tuple) or len(address) < 2:
            return Violation("network", "socket.connect", f"address {address!r}", repr(address))
        return self._destination(_text(address[0]) or "", address[1])

    def lookup(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        host = _text(args[0])
        if not host:
            return None
        raw = args[1] if len(args) > 1 else None
        port = raw if isinstance(raw, int) else None
        text = _text(raw)
        if text is not None and text.isdigit():
            port = int(text)
        return self._destination(host, port)

    def _destination(self, host: str, port: int | None) -> Violation | None:
        rules = self.policy.net or ()
        ip = P.parse_ip(host)
        shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if port is None:
            shown = host
        if ip is None:
            name = host.lower().rstrip(".")
            if any(r.host is not None and r.host.fullmatch(name) and r.allows_port(port)
                   for r in rules):  # fmt: skip
                return None
            return Violation("network", "dns", f"connection to {shown}", shown)
        if P.is_metadata(ip):
            if any(P.names_metadata(r) and ip in r.network and r.allows_port(port)  # type: ignore[operator]
                   for r in rules):  # fmt: skip
                return None
            return Violation("network", "socket", f"metadata endpoint {shown}", shown)
        for rule in rules:
            if not rule.allows_port(port):
                continue
            if rule.network is not None and ip.version == rule.network.version \
                    and ip in rule.network:  # fmt: skip
                return None
            if rule.host is not None and rule.host.pattern == ".*":
                return None
        ports = self.resolved.get(str(ip))
        if ports is not None and (None in ports or port in ports):
            return None
        return Violation("network", "socket", f"connection to {shown}", shown)

    def record_resolution(self, host: Any, results: list[Any]) -> None:
        """What an allowed name resolved to, so that connecting to those IPs is allowed too."""
        name = (_text(host) or "").lower().rstrip(".")
        if not name or P.parse_ip(name) is not None:
            return
        ports = frozenset(r.port for r in self.policy.net or ()
                          if r.host is not None and r.host.fullmatch(name))  # fmt: skip
        if not ports:
            return
        if len(self.resolved) > _MAX_RESOLVED:
            self.resolved.clear()
        for entry in results:
            ip = P.parse_ip(str(entry[4][0]))
            if ip is not None:
                self.resolved[str(ip)] = self.resolved.get(str(ip), frozenset()) | ports

    # ----- dynamic code and deserialisation
    def code(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        caller = _caller(0)
        if caller is None:
            return None
        filename = caller.f_code.co_filename
        if filename in _CODEGEN_FILES:
            return None
        module = str(caller.f_globals.get("__name__", ""))
        if any(module == m or module.startswith(m + ".") for m in self.policy.dynamic_code or ()):
            return None
        source = args[0]
        shown = source.co_filename if hasattr(source, "co_filename") else repr(source)[:80]
        return Violation("code", "exec", f"dynamic code from {module or filename}: {shown}", module)

    def find_class(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        module, name = str(args[0]), str(args[1])
        allowed = self.policy.pickle or frozenset()
        if f"{module}.{name}" in allowed or f"{module}.*" in allowed:
            return None
        return Violation("deserialize", "pickle.find_class", f"unpickling {module}.{name}",
                         f"{module}.{name}")  # fmt: skip

    def marshal(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        if _from_import(_caller(0)):
            return None
        return Violation("deserialize", "marshal.loads", "marshal.loads of code", "marshal")

    def ctypes(self, event: str, args: tuple[Any, ...]) -> Violation | None:
        allowed = self.policy.ctypes or ()
        if event == "ctypes.dlopen":
            name = _text(args[0])
            if name is None:
                return None  # the process itself: `import ctypes` needs it; symbols stay vetoed
            if any(os.path.basename(name).startswith(lib) for lib in allowed):
                return None
            return Violation("ctypes", event, f"dlopen {name}", os.path.basename(name))
        if allowed and event in ("ctypes.dlsym", "ctypes.dlsym/handle"):
            lib = _text(getattr(args[0], "_name", None)) or ""
            if any(os.path.basename(lib).startswith(x) for x in allowed):
                return None
        elif allowed:
            return None
        return Violation("ctypes", event, f"{event} {args[-1]!r}"[:120], "ctypes")
