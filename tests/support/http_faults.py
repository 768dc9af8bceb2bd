"""Network faults for the fake platform servers: a connection dropped after the request was read, and a listener
that stops (connections refused, open ones closed) and listens again on the same port."""

from __future__ import annotations

import contextlib
import io
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# how a fake ends an exchange whose request it read (and recorded) without answering it properly
DROPS = ("close", "reset", "truncate", "garbage")


def drop(handler: BaseHTTPRequestHandler, how: str) -> None:
    """No answer (close), a connection reset (RST), the start of an answer cut off (truncate), or a whole 200 answer
    whose body is not the platform's JSON (garbage, as from a proxy's error page)."""
    if how not in DROPS:
        raise ValueError(f"unknown drop {how!r}")
    handler.close_connection = True
    if how == "garbage":
        body = b"<html>502 Bad Gateway</html>"
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        handler.wfile.write(head + body)
    elif how == "truncate":
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n"
        handler.wfile.write(head + b'{"ok": true, "res')
    elif how == "reset":  # linger 0: close sends RST instead of FIN
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.wfile.close()
        handler.rfile.close()
        handler.connection.close()
        handler.wfile = io.BytesIO()  # the handler still flushes its writer once after the request


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.open: set[socket.socket] = set()
        self.open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.open_lock:
            self.open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.open_lock:
            self.open.discard(request)
        super().shutdown_request(request)


class Listener:
    """Serves a handler on one local port; `stop()` refuses new connections and closes open ones, `start()` resumes."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.handler = handler
        self.port = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def serving(self) -> bool:
        """True while listening."""
        return self._server is not None

    def start(self) -> None:
        """Listen (on the same port as before, once one was assigned)."""
        server = _Server(("127.0.0.1", self.port), self.handler)
        self.port = int(server.server_address[1])
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening: a new connection is refused, and kept-alive ones are closed (clients see them gone)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with server.open_lock:
            conns = list(server.open)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
