"""Local servers speaking the outside world's protocols, so the real client code runs in tests.

SmtpServer: aiosmtpd on a free port that keeps every message it accepted (envelope, bytes, arrival time) and can
be told to answer an address with given SMTP codes first (451 for a temporary failure, 550 for a bounce).
TwilioServer: the Messages API of Twilio (what the official SDK calls), pointed at by TWILIO_BASE_URL.
OpenAIServer: OpenAI's chat completions (what the official SDK calls), pointed at by OPENAI_BASE_URL; the
`openai_server` and `openai_local` fixtures below (this module is a pytest plugin of the root conftest).
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

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    # aiosmtpd's Controller(port=0) does not work: pick a free port first.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JsonHandler(BaseHTTPRequestHandler):
    """A request handler of the local HTTP servers: quiet, and answering JSON."""

    def log_message(self, *args):
        pass

    def _json(self, status: int, payload: dict, headers: dict | None = None):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class LocalHttpServer:
    """An HTTP server on a free loopback port answering with `self._handler()` from a daemon thread."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()


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

    @property
    def bare_line_feeds(self) -> int:
        """Line feeds without their carriage return: SMTP wants CRLF (RFC 5321 2.3.8), and strict servers refuse
        bare ones since SMTP smuggling."""
        return self.data.replace(b"\r\n", b"").count(b"\n")

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
    """A real SMTP server in a thread; `messages` is what it accepted, in order. It offers SMTPUTF8 (addresses
    beyond ASCII) unless made with `smtputf8=False`."""

    def __init__(self, *, smtputf8: bool = True):
        self.port = free_port()
        self.host = "127.0.0.1"
        self._lock = threading.Lock()
        self.messages: list[ReceivedEmail] = []
        self._replies: dict[str, deque] = defaultdict(deque)
        self.controller = Controller(_Handler(self), hostname=self.host, port=self.port, enable_SMTPUTF8=smtputf8)

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


class TwilioServer(LocalHttpServer):
    """A Twilio-compatible HTTP server for the Messages API: checks the account's basic auth, keeps what it got,
    and can be told to answer a number with errors first (429, 500, or 400 with a Twilio error code)."""

    def __init__(self, account_sid: str = "AC" + "0" * 32, auth_token: str = "test-twilio-token"):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.messages: list[ReceivedWhatsApp] = []
        self._replies: dict[str, deque] = defaultdict(deque)
        super().__init__()

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

        class Handler(JsonHandler):
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

        return Handler


class OpenAIServer(LocalHttpServer):
    """An OpenAI-compatible chat completions server (what the official SDK calls at OPENAI_BASE_URL): checks the
    bearer key, keeps every request, answers scripted replies first, then valid JSON for the asked schema.

    A scripted reply is {"status": 429} (or any status; 429 and 5xx carry a 10 ms retry-after-ms so the SDK's
    backoff stays short), {"content": "..."} (that raw message content) or {"fields": {...}} (that JSON object).
    """

    # Copy in each language that reads as that language (the product's output checks look at common words).
    TEXT = {
        "en": "Meet our new favourite. It is made for you and your family, and it is ready for you today.",
        "es": "Descubre nuestro nuevo favorito. Está pensado para ti y tu familia, y ya está aquí hoy.",
        "pt": "Conheça o nosso novo favorito. Foi pensado para você e sua família, e chegou hoje.",
        "fr": "Découvrez notre nouveau favori. Il est pensé pour vous et votre famille, dès maintenant.",
    }

    def __init__(self, api_key: str = "test-openai-key"):
        self.api_key = api_key
        self.requests: list[dict] = []
        self._replies: deque = deque()
        super().__init__()
        self.url += "/v1"  # what OPENAI_BASE_URL names

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._replies.clear()

    def answer(self, *replies: dict) -> None:
        """Answer the next requests with these replies, one per request, before answering normally."""
        with self._lock:
            self._replies.extend(replies)

    @classmethod
    def fields_for(cls, request: dict) -> dict:
        """A valid answer for the request's JSON schema, in the language its system message asks for."""
        system = request["messages"][0]["content"]
        match = re.search(r'language code "([a-z]{2})"', system)
        text = cls.TEXT.get(match.group(1) if match else "en", cls.TEXT["en"])
        schema = request["response_format"]["json_schema"]["schema"]
        fields = {}
        for name, spec in schema["properties"].items():
            if name == "hashtags":
                fields[name] = ["#Local", "#NewIn", "#Shop"]
            elif spec["type"] == "array":
                fields[name] = [f"{text.split('.')[0]} {n}" for n in (1, 2, 3)]
            elif name == "subject":
                fields[name] = text.split(".")[0]
            else:
                fields[name] = text
        return fields

    def _handler(self):
        server = self

        class Handler(JsonHandler):
            def do_POST(self):
                if self.headers.get("Authorization") != f"Bearer {server.api_key}":
                    return self._json(401, {"error": {"message": "Incorrect API key provided", "type":
                                                      "invalid_request_error", "code": "invalid_api_key"}})
                if self.path != "/v1/chat/completions":
                    return self._json(404, {"error": {"message": "Unknown path", "type": "invalid_request_error"}})
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                with server._lock:
                    server.requests.append(request)
                    reply = server._replies.popleft() if server._replies else {}
                status = reply.get("status", 200)
                if status != 200:
                    headers = {"retry-after-ms": "10"} if status == 429 or status >= 500 else {}
                    return self._json(status, {"error": {"message": f"Scripted error {status}",
                                                         "type": "server_error"}}, headers)
                content = reply["content"] if "content" in reply else json.dumps(
                    reply.get("fields") or server.fields_for(request), ensure_ascii=False)
                prompt_tokens = sum(len(m["content"].split()) for m in request["messages"])
                completion_tokens = len(content.split())
                self._json(200, {
                    "id": "chatcmpl-" + uuid.uuid4().hex, "object": "chat.completion", "created": int(time.time()),
                    "model": request["model"],
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content, "refusal": None}}],
                    "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                              "total_tokens": prompt_tokens + completion_tokens}})

        return Handler


@pytest.fixture(scope="session")
def openai_server():
    """The local OpenAI-compatible server, for the whole session."""
    server = OpenAIServer().start()
    yield server
    server.stop()


@pytest.fixture
def openai_local(openai_server, config):
    """The local OpenAI-compatible server as the app's AI provider, empty; the SDK's retries kept, its waits short."""
    openai_server.reset()
    config(OPENAI_API_KEY=openai_server.api_key, OPENAI_BASE_URL=openai_server.url, OPENAI_MODEL="test-model",
           OPENAI_MAX_RETRIES=2, OPENAI_TIMEOUT=5.0)
    yield openai_server
    openai_server.reset()


@dataclass
class ReceivedWebhook:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class WebhookReceiver(LocalHttpServer):
    """An HTTP server receiving webhooks as an integrator's would: keeps every POST (path, headers, raw body) and
    answers 200 unless told to answer the next ones otherwise (a status, optional headers, a delay in seconds)."""

    def __init__(self):
        self.received: list[ReceivedWebhook] = []
        self._replies: deque = deque()
        super().__init__()
        self.httpd.daemon_threads = True

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
            self._replies.clear()

    def answer(self, *replies: int | tuple) -> None:
        """Answer the next POSTs with these, one each: a status, or (status, headers) or (status, headers, delay)."""
        with self._lock:
            self._replies.extend(r if isinstance(r, tuple) else (r,) for r in replies)

    def _handler(self):
        server = self

        class Handler(JsonHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with server._lock:
                    server.received.append(ReceivedWebhook(self.path, dict(self.headers.items()), body, time.time()))
                    reply = server._replies.popleft() if server._replies else (200,)
                status = reply[0]
                headers = reply[1] if len(reply) > 1 else {}
                pause = reply[2] if len(reply) > 2 else 0
                if pause:
                    time.sleep(pause)
                try:
                    self._json(status, {"ok": True} if status < 400 else {"error": "scripted"}, headers)
                except OSError:  # the sender gave up (a timeout test)
                    pass

        return Handler


@pytest.fixture(scope="session")
def webhook_receiver_server():
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def webhook_receiver(webhook_receiver_server, config):
    """The local webhook receiver, empty, with private destinations allowed (it listens on loopback)."""
    webhook_receiver_server.reset()
    config(WEBHOOKS_ALLOW_PRIVATE=True)
    yield webhook_receiver_server
    webhook_receiver_server.reset()
