"""Test helpers for webhooks: a tiny HTTP receiver on 127.0.0.1 and an
independent verifier (written from docs/api/webhooks.md, not from the code)."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

TOLERANCE = 300  # seconds: an older signature is a replay


def verify(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """The receiver's check: t=<unix>,v1=<hex>; HMAC-SHA256 over b"t." + body."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        stamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - stamp) > TOLERANCE:
        return False
    want = hmac.new(secret.encode(), str(stamp).encode() + b"." + body,
                    hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, parts.get("v1", ""))


@dataclass
class Receiver:
    url: str
    answers: list[int] = field(default_factory=list)  # status per request, then 200
    received: list[dict[str, Any]] = field(default_factory=list)


@contextmanager
def receiver(answers: list[int] | None = None) -> Iterator[Receiver]:
    box = Receiver(url="", answers=list(answers or []))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            box.received.append({"headers": dict(self.headers), "body": body})
            code = box.answers.pop(0) if box.answers else 200
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
