"""Local servers speaking the outside world's protocols, so the real client code runs in tests.

SmtpServer: aiosmtpd on a free port that keeps every message it accepted (envelope, bytes, arrival time) and can
be told to answer an address with given SMTP codes first (451 for a temporary failure, 550 for a bounce).
"""
import email
import email.policy
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

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
