"""A webhook receiver for tests: an HTTP server on loopback that records what it is sent and,
given the endpoint's secret, verifies it as a Standard Webhooks receiver does (400 when not)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    # With a secret: whether the Standard Webhooks signature verified (None: not checked).
    verified: bool | None = None


@dataclass
class Receiver:
    url: str
    secret: str | None = None
    # Status codes to answer, in order; the last one repeats.
    statuses: list[int] = field(default_factory=lambda: [200])
    received: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def next_status(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@contextmanager
def webhook_receiver(
    statuses: list[int] | None = None, *, secret: str | None = None
) -> Iterator[Receiver]:
    receiver = Receiver(url="", secret=secret)
    if statuses:
        receiver.statuses = list(statuses)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server interface
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            request = Received(self.path, dict(self.headers.items()), body)
            if receiver.secret is not None:
                request.verified = verifies(receiver.secret, request)
            receiver.received.append(request)
            status = receiver.next_status() if request.verified is not False else 400
            self.send_response(status)
            if status in (301, 302, 307, 308):
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
            receiver.arrived.set()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/barrier"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def verifies(secret: str, request: Received) -> bool:
    """Whether a Standard Webhooks library accepts the request (signature and timestamp), with
    the key as the README tells receivers: the secret's bytes."""
    try:
        Webhook(secret.encode()).verify(request.body, request.headers)
    except WebhookVerificationError:
        return False
    return True
