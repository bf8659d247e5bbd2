"""A small Redis client (RESP2) on the standard library: one connection, one command at a time.

The runtime needs a handful of commands (EVALSHA/EVAL, SET NX PX, PING) on a hot path and at cold
start; this costs no import time and about a quarter of a general client's per-call overhead.
URLs: `redis://[[user]:password@]host[:port][/db]`, `rediss://...` (TLS, certificate verified;
`?ssl_ca_certs=FILE` for a private CA) and `unix:///path/redis.sock?db=N&password=...`; query
options `socket_timeout` and `socket_connect_timeout` (seconds).
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

_CRLF = b"\r\n"
_MAX_LINE = 64 * 1024
_MAX_BULK = 16 * 1024 * 1024
_MAX_DEPTH = 8


class ReplyError(Exception):
    """An error reply from the server (`-ERR ...`, `-NOSCRIPT ...`); the connection is fine."""


class Unreachable(Exception):
    """The server could not be reached or did not answer in time; the connection was dropped."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    host: str = "127.0.0.1"
    port: int = 6379
    path: str = ""  # unix socket
    tls: bool = False
    ca_file: str = ""
    username: str = ""
    password: str = ""
    db: int = 0
    timeout: float = 0.1
    connect_timeout: float = 0.1

    @property
    def shown(self) -> str:
        """Where, without credentials."""
        if self.path:
            return f"unix://{self.path}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'rediss' if self.tls else 'redis'}://{host}:{self.port}/{self.db}"


def parse_url(url: str, timeout: float = 0.1) -> Endpoint:
    """An Endpoint from a Redis URL; ValueError naming the problem otherwise."""
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    try:
        read = float(query.get("socket_timeout", timeout))
        connect = float(query.get("socket_connect_timeout", read if "socket_timeout" in query
                                  else timeout))  # fmt: skip
        db = int(query.get("db", parts.path.strip("/") if parts.scheme != "unix" else 0) or 0)
        port = parts.port or 6379
    except ValueError as error:
        raise ValueError(f"bad Redis URL option: {error}") from None
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise ValueError(f"unsupported scheme {parts.scheme!r}")
    if parts.scheme == "unix" and not parts.path:
        raise ValueError("unix:// URL without a socket path")
    if parts.scheme != "unix" and not parts.hostname:
        raise ValueError("URL without a host")
    if not (read > 0 and connect > 0):
        raise ValueError("timeouts must be positive")
    return Endpoint(
        host=parts.hostname or "", port=port,
        path=parts.path if parts.scheme == "unix" else "", tls=parts.scheme == "rediss",
        ca_file=query.get("ssl_ca_certs", ""),
        username=unquote(parts.username or ""),
        password=unquote(parts.password or query.get("password", "")),
        db=db, timeout=read, connect_timeout=connect,
    )  # fmt: skip


class Client:
    """Thread-safe, fork-aware; reconnects on the next call after a failure."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._buffer = bytearray()
        self._pid = 0

    def call(self, *args: object) -> Any:
        """Send one command and return its reply; ReplyError or Unreachable otherwise."""
        with self._lock:
            try:
                sock = self._connection()
                sock.sendall(encode(args))
                reply = self._reply(0)
            except (OSError, EOFError, ValueError) as error:
                self._drop()
                raise Unreachable(f"{type(error).__name__}: {error or 'no answer'}") from None
        if isinstance(reply, ReplyError):
            raise reply
        return reply

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _connection(self) -> socket.socket:
        if self._sock is not None and self._pid == os.getpid():
            if not _closed_by_peer(self._sock):
                return self._sock
            self._drop()  # the server restarted or closed an idle connection (frozen instance)
        self._sock = None  # a connection inherited through fork belongs to the parent
        self._buffer.clear()
        sock = self._open()
        self._sock, self._pid = sock, os.getpid()
        try:
            self._handshake()
        except BaseException:
            self._drop()
            raise
        return sock

    def _open(self) -> socket.socket:
        end = self.endpoint
        if end.path:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(end.connect_timeout)
            try:
                sock.connect(end.path)
            except OSError:
                sock.close()
                raise
        else:
            sock = socket.create_connection((end.host, end.port), timeout=end.connect_timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if end.tls:
            import ssl

            context = ssl.create_default_context(cafile=end.ca_file or None)
            sock = context.wrap_socket(sock, server_hostname=end.host)
        sock.settimeout(end.timeout)
        return sock

    def _handshake(self) -> None:
        end = self.endpoint
        commands: list[tuple[object, ...]] = []
        if end.password:
            commands.append(("AUTH", end.username, end.password) if end.username
                            else ("AUTH", end.password))  # fmt: skip
        if end.db:
            commands.append(("SELECT", end.db))
        for command in commands:
            assert self._sock is not None
            self._sock.sendall(encode(command))
            reply = self._reply(0)
            if isinstance(reply, ReplyError):
                raise OSError(f"{command[0]} refused: {str(reply)[:120]}")

    def _drop(self) -> None:
        if self._sock is not None and self._pid == os.getpid():
            with contextlib.suppress(OSError):
                self._sock.close()
        self._sock = None
        self._buffer.clear()

    # ----- replies
    def _reply(self, depth: int) -> Any:
        line = self._line()
        kind, rest = line[:1], bytes(line[1:])
        if kind == b"+":
            return rest.decode("utf-8", "replace")
        if kind == b"-":
            return ReplyError(rest.decode("utf-8", "replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            if size > _MAX_BULK:
                raise ValueError(f"reply of {size} bytes")
            return bytes(self._exactly(size + 2)[:-2])
        if kind == b"*" and depth < _MAX_DEPTH:
            count = int(rest)
            return None if count < 0 else [self._reply(depth + 1) for _ in range(count)]
        raise ValueError(f"unexpected reply {bytes(line[:20])!r}")

    def _line(self) -> bytearray:
        while True:
            end = self._buffer.find(_CRLF)
            if end >= 0:
                line = self._buffer[:end]
                del self._buffer[: end + 2]
                return line
            if len(self._buffer) > _MAX_LINE:
                raise ValueError("reply line too long")
            self._fill()

    def _exactly(self, size: int) -> bytearray:
        while len(self._buffer) < size:
            self._fill()
        data = self._buffer[:size]
        del self._buffer[:size]
        return data

    def _fill(self) -> None:
        assert self._sock is not None
        chunk = self._sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed by the server")
        self._buffer += chunk


def _closed_by_peer(sock: socket.socket) -> bool:
    """Between request and reply nothing may arrive: a readable socket was closed (or is out of
    step), so it is replaced before it fails a decision."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def encode(args: tuple[object, ...]) -> bytes:
    """A command as a RESP array of bulk strings."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        if isinstance(arg, bytes):
            data = arg
        elif isinstance(arg, float):
            data = repr(arg).encode()
        else:  # lone surrogates (JSON "\ud800" escapes) are sent as they are, not an error
            data = str(arg).encode("utf-8", "surrogatepass")
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)
