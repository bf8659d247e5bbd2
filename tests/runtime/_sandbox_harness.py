"""Run a scenario under an installed Sandbox in a fresh interpreter (audit hooks cannot be
removed), with a function directory, a writable scratch directory and a TCP listener that counts
the connections it receives."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
SOURCE_SECRET = "TOP-SECRET-HANDLER-LOGIC-5b1f"
ENV_SECRET = "env-secret-value-9c4e"

_SCRIPT = """
import json, os, sys
sys.path.insert(0, {src!r})
from faasguard.runtime.sandbox import Sandbox
EVENTS = []
SANDBOX = Sandbox(mode={mode!r}, sink=EVENTS.append, **{options})
SANDBOX.install()
PORT, MARKER, SCRATCH, OUTSIDE, TASK = {port}, {marker!r}, {scratch!r}, {outside!r}, {task!r}
CMD = {cmd!r}
LEAKED = []
result = {{}}
try:
{body}
    result["outcome"] = "allowed"
except PermissionError as exc:
    result["outcome"] = "blocked"
    result["error"] = type(exc).__name__ + ": " + str(exc)
except BaseException as exc:  # urllib wraps the denial in URLError(reason=PermissionError)
    denied = isinstance(getattr(exc, "reason", None), PermissionError)
    result["outcome"] = "blocked" if denied else "error"
    result["error"] = type(exc).__name__ + ": " + str(exc)
result["leaked"] = LEAKED
result["events"] = EVENTS
result["violations"] = SANDBOX.violations()
result["proposal"] = SANDBOX.proposal()
sys.stdout.write("\\nRESULT " + json.dumps(result, default=str) + "\\n")
sys.stdout.flush()
os._exit(0)
"""


class Listener:
    """A TCP server on 127.0.0.1 that accepts and counts connections (and answers HTTP 200)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            with conn:
                conn.settimeout(1)
                try:
                    conn.recv(65536)
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@dataclass
class World:
    """The directories and endpoints a scenario sees."""

    root: Path
    listener: Listener
    task: Path = field(init=False)
    scratch: Path = field(init=False)
    outside: Path = field(init=False)
    marker: Path = field(init=False)

    def __post_init__(self) -> None:
        self.task = self.root / "task"
        self.scratch = self.root / "scratch"
        self.outside = self.root / "outside"
        for d in (self.task, self.scratch, self.outside):
            d.mkdir()
        self.marker = self.outside / "pwned"
        (self.task / "handler.py").write_text(f"SECRET = {SOURCE_SECRET!r}\n", encoding="utf-8")

    @property
    def cmd(self) -> str:
        """A reverse-shell-like command: leaves a marker and connects to the listener."""
        return (
            f"touch {self.marker}; bash -c 'echo shell > /dev/tcp/127.0.0.1/"
            f"{self.listener.port}' 2>/dev/null; true"
        )

    def base_options(self) -> dict[str, object]:
        return {
            "subprocess": False,
            "network": [],
            "write": [str(self.scratch)],
            "code_dirs": [str(self.task)],
        }

    def run(
        self,
        body: str,
        *,
        mode: str = "enforce",
        env: dict[str, str] | None = None,
        **options: object,
    ) -> dict:
        merged = {**self.base_options(), **options}
        script = _SCRIPT.format(
            src=str(SRC),
            mode=mode,
            options=repr(merged),
            port=self.listener.port,
            marker=str(self.marker),
            scratch=str(self.scratch),
            outside=str(self.outside),
            task=str(self.task),
            cmd=self.cmd,
            body=textwrap.indent(textwrap.dedent(body).strip("\n"), "    "),
        )
        path = self.task / "main.py"
        path.write_text(script, encoding="utf-8")
        return self.run_script(path, env)

    def run_script(self, path: Path, env: dict[str, str] | None = None) -> dict:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LAMBDA_"))}
        clean.update(
            {"LAMBDA_TASK_ROOT": str(self.task), "DB_PASSWORD": ENV_SECRET, "PYTHONPATH": ""}
        )
        proc = subprocess.run(
            [sys.executable, str(path)],
            cwd=self.task,
            env={**clean, **(env or {})},
            capture_output=True,
            text=True,
            timeout=60,
        )
        for line in proc.stdout.splitlines():
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT ") :])
        raise AssertionError(
            f"scenario printed no result (rc={proc.returncode})\nstdout:\n{proc.stdout[-2000:]}"
            f"\nstderr:\n{proc.stderr[-3000:]}"
        )


@contextmanager
def open_world(root: Path) -> Iterator[World]:
    """A World under `root` whose listener is closed when the block ends."""
    listener = Listener()
    try:
        yield World(root, listener)
    finally:
        listener.close()
