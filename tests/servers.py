"""Local servers speaking the outside world's protocols, so the real client code runs in tests.

SmtpServer: aiosmtpd on a free port that keeps every message it accepted (envelope, bytes, arrival time) and can
be told to answer an address with given SMTP codes first (451 for a temporary failure, 550 for a bounce).
TwilioServer: the Messages API of Twilio (what the official SDK calls), pointed at by TWILIO_BASE_URL.
"""
import base64
import email
import email.policy
import json
import re
import socket
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller


def free_port() -> int:
    # aiosmtpd's Controller(port=0) does not work: pick a free port first.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ReceivedEmail:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    at: float  # time.time() on arrival

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)

    @property
    def to(self) -> str:
        return self.rcpt_tos[0]

    def part(self, content_type: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                return part.get_content()
        raise KeyError(content_type)


class _Handler:
    def __init__(self, server: "SmtpServer"):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        scripted = self.server._next_reply(address)
        if scripted:
            return scripted
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.server._keep(ReceivedEmail(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, time.time()))
        return "250 2.0.0 Ok: queued"


class SmtpServer:
    """A real SMTP server in a thread; `messages` is what it accepted, in order."""

    def __init__(self):
        self.port = free_port()
        self.host = "127.0.0.1"
        self._lock = threading.Lock()
        self.messages: list[ReceivedEmail] = []
        self._replies: dict[str, deque] = defaultdict(deque)
        self.controller = Controller(_Handler(self), hostname=self.host, port=self.port)

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self._replies.clear()

    def answer(self, address: str, *replies: str) -> None:
        """Answer RCPT TO `address` with these replies, one per attempt, before accepting it."""
        with self._lock:
            self._replies[address.lower()].extend(replies)

    def to(self, address: str) -> list[ReceivedEmail]:
        return [m for m in list(self.messages) if address in m.rcpt_tos]

    def _next_reply(self, address: str) -> str | None:
        with self._lock:
            queue = self._replies.get(address.lower())
            return queue.popleft() if queue else None

    def _keep(self, received: ReceivedEmail) -> None:
        with self._lock:
            self.messages.append(received)


@dataclass
class ReceivedWhatsApp:
    to: str
    sender: str
    body: str | None
    content_sid: str | None
    variables: dict | None
    status_callback: str | None
    sid: str
    at: float


class TwilioServer:
    """A Twilio-compatible HTTP server for the Messages API: checks the account's basic auth, keeps what it got,
    and can be told to answer a number with errors first (429, 500, or 400 with a Twilio error code)."""

    def __init__(self, account_sid: str = "AC" + "0" * 32, auth_token: str = "test-twilio-token"):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self.messages: list[ReceivedWhatsApp] = []
        self._replies: dict[str, deque] = defaultdict(deque)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> "TwilioServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self._replies.clear()

    def answer(self, number: str, *replies: tuple[int, int | None]) -> None:
        """Answer sends to `number` with these (HTTP status, Twilio error code) first, one per attempt."""
        with self._lock:
            self._replies[number].extend(replies)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                expected = "Basic " + base64.b64encode(f"{server.account_sid}:{server.auth_token}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    return self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
                if not re.fullmatch(rf"/2010-04-01/Accounts/{server.account_sid}/Messages\.json", self.path):
                    return self._json(404, {"code": 20404, "message": "Not found", "status": 404})
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                to = form.get("To", "").removeprefix("whatsapp:")
                with server._lock:
                    queue = server._replies.get(to)
                    scripted = queue.popleft() if queue else None
                if scripted:
                    status, code = scripted
                    return self._json(status, {"code": code, "message": f"Scripted error {code}", "status": status})
                sid = "SM" + uuid.uuid4().hex
                received = ReceivedWhatsApp(
                    to=to, sender=form.get("From", ""), body=form.get("Body"), content_sid=form.get("ContentSid"),
                    variables=json.loads(form["ContentVariables"]) if "ContentVariables" in form else None,
                    status_callback=form.get("StatusCallback"), sid=sid, at=time.time())
                with server._lock:
                    server.messages.append(received)
                self._json(201, {"sid": sid, "status": "queued", "to": form.get("To"), "from": form.get("From"),
                                 "body": form.get("Body"), "account_sid": server.account_sid})

            def _json(self, status: int, payload: dict):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
