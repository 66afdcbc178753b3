"""Local receivers for tests: a real SMTP server and a real HTTP webhook endpoint on 127.0.0.1.

Used by this app's tests and by any app whose tests check that people were notified::

    with smtp_server() as smtp, webhook_server() as hooks:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = smtp.host, smtp.port
        endpoint = WebhookEndpoint.objects.create(kind="wecom", url=hooks.url("/wecom"), ...)
        ... services.deliver_pending() ...
        smtp.messages[0]["Subject"], hooks.requests[0].json

``aiosmtpd`` is a test dependency (the ``[test]`` extra), imported only when an SMTP server starts.
"""

from __future__ import annotations

import contextlib
import email
import email.message
import email.policy
import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------- SMTP


@dataclass
class SmtpReceiver:
    host: str
    port: int
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    envelopes: list[dict[str, Any]] = field(default_factory=list)

    def body_of(self, index: int) -> str:
        part = self.messages[index].get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


class _Handler:
    def __init__(self, receiver: SmtpReceiver) -> None:
        self.receiver = receiver

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        message = email.message_from_bytes(content, policy=email.policy.default)
        self.receiver.envelopes.append({"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)})
        self.receiver.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def smtp_server() -> Iterator[SmtpReceiver]:
    """An SMTP server on 127.0.0.1 and a free port that keeps every message it receives."""
    from aiosmtpd.controller import Controller

    receiver = SmtpReceiver(host=HOST, port=free_port())
    controller = Controller(
        _Handler(receiver), hostname=HOST, port=receiver.port, server_hostname="localhost"
    )
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()


# ---------------------------------------------------------------- webhooks


@dataclass
class ReceivedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class WebhookReceiver:
    host: str
    port: int
    requests: list[ReceivedRequest] = field(default_factory=list)
    # path → (HTTP status, JSON reply); anything else answers 200 {"errcode": 0, "errmsg": "ok"}.
    replies: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def reply(self, path: str, status: int, body: dict[str, Any] | None = None) -> None:
        self.replies[path] = (status, body if body is not None else {"errcode": 0, "errmsg": "ok"})

    def to(self, path: str) -> list[ReceivedRequest]:
        return [r for r in self.requests if r.path == path]


def _webhook_handler(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.requests.append(
                ReceivedRequest(
                    method="POST",
                    path=parts.path,
                    query=dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
            )
            status, reply = receiver.replies.get(parts.path, (200, {"errcode": 0, "errmsg": "ok"}))
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextlib.contextmanager
def webhook_server() -> Iterator[WebhookReceiver]:
    """An HTTP server on 127.0.0.1 (free port, own thread) recording every POST it receives."""
    receiver = WebhookReceiver(host=HOST, port=0)
    server = ThreadingHTTPServer((HOST, 0), _webhook_handler(receiver))
    receiver.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
