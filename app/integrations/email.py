"""Email out: SMTP with smtplib (one connection per batch), or a folder of .eml files when no SMTP_HOST is set."""
import functools
import os
import re
import smtplib
import ssl
import uuid
from contextlib import AbstractContextManager, contextmanager
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import parseaddr
from pathlib import Path
from typing import Callable, Iterator, Protocol

from flask import current_app

from app.integrations import IntegrationError, RetryableIntegrationError

TIMEOUT = 30  # seconds per SMTP command
_ADDRESS_SPECIALS = re.compile(r'[\s<>()",;:\\\[\]]')
_LEADING_PERIOD = re.compile(rb"(?m)^\.")


def is_bare_address(value: str) -> bool:
    """An ASCII addr-spec alone (no name, comment or quoting), as nearly every stored address is: it needs no
    parsing (`email.utils.parseaddr` costs ~10 µs a call) to stand in a header or an SMTP envelope."""
    return value.isascii() and not _ADDRESS_SPECIALS.search(value)


def _envelope(address: str) -> str:
    """`address` as MAIL FROM and RCPT TO take it: what `smtplib.quoteaddr` answers, without its parse when bare."""
    return f"<{address}>" if is_bare_address(address) else smtplib.quoteaddr(address)


def _data_lines(data: bytes) -> bytes:
    """The message as DATA sends it (RFC 5321 4.5.2, what smtplib's data() does to bytes): a line starting with a
    period gets a second one, and the message ends with CRLF.CRLF."""
    data = _LEADING_PERIOD.sub(b"..", data)
    return data + (b".\r\n" if data.endswith(b"\r\n") else b"\r\n.\r\n")


def plain_email(*, sender: str, to: str, subject: str, body: str) -> bytes:
    """A plain-text email ready for `EmailSession.send`: serialised with CRLF line ends, as SMTP requires (the
    default policy writes bare line feeds, which servers hardened against SMTP smuggling refuse)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(body)
    return message.as_bytes(policy=SMTP)


class RecipientRejected(IntegrationError):
    """The server refused the address for good (5xx to RCPT): a hard bounce, the address is suppressed."""


class EmailSession(Protocol):
    def send(self, *, sender: str, to: str, data: bytes, meanwhile: Callable[[], object] | None = None) -> str:
        """Hand one serialised message to the provider; its id. Raises IntegrationError subclasses. `meanwhile` is
        called once while the provider takes the message (SMTP: between the data and the final reply)."""


class EmailSender(Protocol):
    def session(self) -> AbstractContextManager[EmailSession]:
        """A session sending many messages (an SMTP connection reused for a whole batch)."""


class SmtpSession:
    def __init__(self, client: smtplib.SMTP):
        self.client = client
        self._envelope_from: dict[str, str] = {}  # a batch has one sender: parsed once, not per message

    def send(self, *, sender: str, to: str, data: bytes, meanwhile: Callable[[], object] | None = None) -> str:
        # MAIL, RCPT and DATA rather than sendmail(): a 5xx to RCPT is a bounce of this address, anything else is
        # not. MAIL and RCPT go out through putcmd (which refuses CR and LF) with the envelope quoted here: the
        # parse smtplib would repeat for both on every message is a sixth of a sender's time with a local server.
        # DATA is spelt out too, so that `meanwhile` (the batch renders its next message) runs while the server
        # reads this one, in the wait for its final reply, rather than after it on the connection's time.
        if sender not in self._envelope_from:
            self._envelope_from[sender] = _envelope(parseaddr(sender)[1])
        envelope_from, envelope_to = self._envelope_from[sender], _envelope(to)
        try:
            international = not (envelope_from.isascii() and envelope_to.isascii())
            if international:
                self._speak_utf8()
            code, reply = self._command("mail", f"FROM:{envelope_from}{' SMTPUTF8' if international else ''}")
            if code != 250:
                self._refused(code, reply, "MAIL FROM")
            code, reply = self._command("rcpt", f"TO:{envelope_to}")
            if code not in (250, 251):
                self.client.rset()
                if 500 <= code < 600:
                    raise RecipientRejected(f"{code} {_text(reply)}", status=code)
                self._refused(code, reply, "RCPT TO")
            code, reply = self._command("data", "")
            if code != 354:
                self._refused(code, reply, "DATA")
            self.client.send(_data_lines(data))
            try:
                if meanwhile is not None:
                    meanwhile()
            finally:  # the reply is read whatever meanwhile did: the connection stays in step
                code, reply = self.client.getreply()
            if code != 250:
                self._refused(code, reply, "DATA")
        except smtplib.SMTPServerDisconnected as exc:
            raise RetryableIntegrationError(f"SMTP server disconnected: {exc}") from None
        except (OSError, smtplib.SMTPException) as exc:
            if isinstance(exc, IntegrationError):
                raise
            raise RetryableIntegrationError(f"SMTP error: {exc.__class__.__name__}: {exc}") from None
        return _text(reply)

    def _command(self, verb: str, argument: str) -> tuple[int, bytes]:
        self.client.putcmd(verb, argument)
        return self.client.getreply()

    def _speak_utf8(self) -> None:
        """An address beyond ASCII goes out only to a server that takes it (RFC 6531), in UTF-8; elsewhere that
        message fails for good with the reason, and the batch goes on."""
        if not self.client.has_extn("smtputf8"):
            raise IntegrationError("The SMTP server does not accept addresses beyond ASCII (no SMTPUTF8)")
        self.client.command_encoding = "utf-8"

    def _refused(self, code: int, reply, command: str):
        message = f"{code} {_text(reply)} ({command})"
        if 400 <= code < 500:
            raise RetryableIntegrationError(message, status=code)
        raise IntegrationError(message, status=code)


class SmtpSender:
    """SMTP with smtplib: STARTTLS when offered (or required), implicit TLS on SMTP_SECURITY=ssl, optional login."""

    def __init__(self, config):
        self.host, self.port = config["SMTP_HOST"], config["SMTP_PORT"]
        self.user, self.password = config.get("SMTP_USER"), config.get("SMTP_PASSWORD")
        self.security = (config.get("SMTP_SECURITY") or "auto").lower()

    @contextmanager
    def session(self) -> Iterator[SmtpSession]:
        client = self._connect()
        try:
            yield SmtpSession(client)
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()

    def _connect(self) -> smtplib.SMTP:
        try:
            if self.security == "ssl":
                client = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT, context=_tls_context())
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
            client.ehlo()
            if self.security == "starttls" or (self.security == "auto" and client.has_extn("starttls")):
                client.starttls(context=_tls_context())
                client.ehlo()
            if self.user:
                client.login(self.user, self.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise IntegrationError(f"SMTP login refused: {exc.smtp_code} {_text(exc.smtp_error)}",
                                   status=exc.smtp_code) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise IntegrationError(f"SMTP server does not support what SMTP_SECURITY asks: {exc}") from None
        except (OSError, smtplib.SMTPException) as exc:  # refused, timed out, TLS failed, 4xx greeting
            raise RetryableIntegrationError(f"Cannot reach the SMTP server {self.host}:{self.port}: {exc}") from None
        return client


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    # Loading the system's CA certificates takes tens of milliseconds: once per process, not per batch, and only
    # when TLS is used. The context is only read after it is made, so sharing it is safe.
    return ssl.create_default_context()


class OutboxSession:
    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, *, sender: str, to: str, data: bytes, meanwhile: Callable[[], object] | None = None) -> str:
        name = f"{uuid.uuid4().hex}.eml"
        draft = self.folder / f".{name}"
        draft.write_bytes(data)
        os.replace(draft, self.folder / name)  # a reader never sees half a message
        if meanwhile is not None:  # nothing to wait for here
            meanwhile()
        return f"outbox:{name}"


class OutboxSender:
    """No SMTP server configured: every message is a .eml file in a folder (open it with any mail program)."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    @contextmanager
    def session(self) -> Iterator[OutboxSession]:
        self.folder.mkdir(parents=True, exist_ok=True)
        yield OutboxSession(self.folder)


def outbox_dir() -> Path:
    return Path(current_app.instance_path) / "outbox"


def email_sender() -> SmtpSender | OutboxSender:
    """The configured sender: SMTP when SMTP_HOST is set, else the outbox under instance/."""
    config = current_app.config
    if config.get("SMTP_HOST"):
        return SmtpSender(config)
    return OutboxSender(outbox_dir())


def _text(reply) -> str:
    if isinstance(reply, bytes):
        return reply.decode("utf-8", "replace")
    return str(reply)
