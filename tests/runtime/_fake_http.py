"""Local fake HTTP services on 127.0.0.1 for the runtime tests: a quiet JSON handler base and a
context manager that serves a server on a thread and always shuts it down."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TypeVar

Server = TypeVar("Server", bound=HTTPServer)


class JSONHandler(BaseHTTPRequestHandler):
    """Answers JSON bodies and keeps the test output free of access logs."""

    content_type = "application/json"

    def log_message(self, *args: object) -> None:
        pass

    def reply(self, code: int, body: object) -> None:
        raw = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@contextmanager
def serving(server: Server) -> Iterator[Server]:
    """`server` answering on a daemon thread until the block ends."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
