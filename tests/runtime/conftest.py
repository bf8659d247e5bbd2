"""A real `redis-server` for the runtime's shared-store tests, on a free 127.0.0.1 port."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need

_START_TIMEOUT_S = 10.0


class RedisServer:
    """One redis-server process, no persistence; `stop()` and `start()` simulate an outage."""

    def __init__(self, binary: str, workdir: Path, tls_ca: Path | None = None) -> None:
        self.binary = binary
        self.workdir = workdir
        self.port = _free_port()
        self.tls_ca = tls_ca  # TLS only, with server.pem / server.key in workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def socket_path(self) -> Path:
        return self.workdir / "redis.sock"

    @property
    def url(self) -> str:
        return f"{'rediss' if self.tls_ca else 'redis'}://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        port = ["--port", str(self.port)]
        if self.tls_ca:
            port = [
                "--port", "0", "--tls-port", str(self.port), "--tls-auth-clients", "no",
                "--tls-cert-file", str(self.workdir / "server.pem"),
                "--tls-key-file", str(self.workdir / "server.key"),
                "--tls-ca-cert-file", str(self.tls_ca),
            ]  # fmt: skip
        command = [
            self.binary, *port, "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
            "--protected-mode", "yes", "--loglevel", "warning",
            "--unixsocket", str(self.socket_path), "--unixsocketperm", "700",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = (
                    self.process.stderr.read().decode(errors="replace")
                    if self.process.stderr
                    else ""
                )
                raise RuntimeError(f"redis-server exited at start: {err[:500]}")
            if self.ping():
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"redis-server did not answer PING on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def ping(self) -> bool:
        try:
            return self.command(b"PING", timeout=0.2).startswith(b"+PONG")
        except OSError:
            return False

    def flush(self) -> None:
        self.command(b"FLUSHALL")

    def command(self, line: bytes, timeout: float = 1.0) -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as raw:
            conn = raw
            if self.tls_ca:
                context = ssl.create_default_context(cafile=str(self.tls_ca))
                conn = context.wrap_socket(raw, server_hostname="127.0.0.1")
            conn.sendall(line + b"\r\n")
            return conn.recv(256)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _binary() -> str:
    found = os.environ.get("FAASGUARD_REDIS_SERVER") or shutil.which("redis-server")
    return found or "/usr/bin/redis-server"


def redis_binary() -> Path:
    return need(Path(_binary()), "redis-server", "FAASGUARD_REDIS_SERVER")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(str(redis_binary()), tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """A clean, running server's URL for one test."""
    if redis_server.process is None:
        redis_server.start()
    redis_server.flush()
    return redis_server.url


class HeaderIdentity:
    """Tests only: a gate that trusts `x-test-user` / `x-test-tenant` / `x-test-claims` (JSON)
    headers as the verified identity, standing in for a real authentication gate (JWT...)."""

    def check_request(self, request, access) -> None:
        import json

        from faasguard.runtime._gates import Identity

        user = request.headers.get("x-test-user")
        if user:
            claims = json.loads(request.headers.get("x-test-claims", "{}"))
            tenant = request.headers.get("x-test-tenant", "")
            access.identity = Identity(user, "test", claims=claims, tenant=tenant)

    def check_message(self, message, access) -> None:
        return None


class Clock:
    """A hand-driven clock for TTLs and rate windows: tests move `now` themselves."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clean_secret_registry() -> Iterator[None]:
    """An empty redaction registry before and after the test (secret values register there)."""
    from faasguard.runtime import _redact

    _redact.clear_secrets()
    yield
    _redact.clear_secrets()
