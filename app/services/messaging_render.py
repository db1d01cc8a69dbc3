"""Email content: Jinja in a sandbox, the MIME skeleton built once per language, tracking links per recipient.

Building an EmailMessage costs about 1 ms here, which alone would cap a sender near 1,000 messages/s; so the
headers and parts are laid out once per campaign language and each recipient's message is a few substitutions
and a quoted-printable encoding (C code).
"""
import html
import itertools
import quopri
import re
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Callable
from email.header import Header
from email.utils import formatdate, formataddr, parseaddr

from jinja2 import TemplateError, TemplateRuntimeError
from jinja2.sandbox import SandboxedEnvironment

from app.errors import ValidationError
from app.integrations.email import is_bare_address

# Text bodies become HTML by escaping; a body with tags is HTML already.
_LOOKS_HTML = re.compile(r"<\s*(html|body|p|div|a|br|table|span|h[1-6]|img|ul|ol|strong|em|b|i)\b", re.I)
_HREF = re.compile(r"""(href\s*=\s*)(["'])(https?://[^"'\s<>]+)\2""", re.I)
_URL = re.compile(r"""https?://[^\s<>"')\]]+""", re.I)
_TAG = re.compile(r"<[^>]+>")


class ContentEnvironment(SandboxedEnvironment):
    """Jinja for content written by marketers and rendered per recipient, in the sandbox. Whatever a template raises
    while rendering (`{{ 10 // attributes.n }}` with n = 0, text plus a number) comes out as a TemplateError naming
    it: one recipient's message fails with that reason, a preview shows it, and a batch goes on."""

    def handle_exception(self, source: str | None = None):
        error = sys.exc_info()[1]
        if isinstance(error, TemplateError):
            super().handle_exception(source)
        raise TemplateRuntimeError(f"{type(error).__name__}: {error}") from error


text_env = ContentEnvironment(autoescape=False)
html_env = ContentEnvironment(autoescape=True)
MAX_SUBJECT = 998 - len("Subject: ")


@dataclass(frozen=True)
class Links:
    """Where a recipient's tracking lands: open pixel, click redirect (per URL), unsubscribe page."""

    pixel: str
    unsubscribe: str
    click: Callable[[str], str]  # original URL -> its tracking URL


class CompiledEmail:
    """One language's subject and body, compiled once; `render(context, links)` gives a recipient's bytes."""

    def __init__(self, subject: str, body: str, *, sender: str):
        self.is_html = bool(_LOOKS_HTML.search(body))
        self.subject = text_env.from_string(subject)
        self.body = (html_env if self.is_html else text_env).from_string(body)
        self.sender = sender
        self.boundary = f"=_ch_{uuid.uuid4().hex}"
        self.id_prefix, self.counter = uuid.uuid4().hex, itertools.count(1)
        domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
        self.domain = domain
        # Everything that is the same for every recipient, laid out once.
        self.head = (f"From: {_encode_address(sender)}\n"
                     "MIME-Version: 1.0\n"
                     "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
                     f'Content-Type: multipart/alternative; boundary="{self.boundary}"\n')
        self.parts = ("--{b}\nContent-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: quoted-printable"
                      "\n\n{text}\n--{b}\nContent-Type: text/html; charset=\"utf-8\"\n"
                      "Content-Transfer-Encoding: quoted-printable\n\n{html}\n--{b}--\n")

    def render(self, context: dict, *, to: str, links: Links) -> tuple[bytes, str]:
        """The message for one recipient and its Message-ID; TemplateError/SecurityError if the content fails."""
        subject, text_body, html_body = self.render_parts(context, links=links)
        # A random part drawn once per compiled language and a counter: unique without a uuid4 (an urandom read)
        # per message.
        message_id = f"{self.id_prefix}.{next(self.counter)}@{self.domain}"
        head = (f"To: {_encode_address(to)}\nSubject: {_encode_header(subject)}\nDate: {_date()}\n"
                f"Message-ID: <{message_id}>\nList-Unsubscribe: <{links.unsubscribe}>\n")
        parts = self.parts.format(b=self.boundary, text=_qp(text_body), html=_qp(html_body))
        # SMTP wants CRLF line ends, and smtplib leaves bytes as they are.
        return (head + self.head + "\n" + parts).encode("utf-8").replace(b"\n", b"\r\n"), message_id

    def render_parts(self, context: dict, *, links: Links) -> tuple[str, str, str]:
        """Subject, text body and HTML body for one recipient, tracking links in place (what a preview shows)."""
        subject = " ".join(self.subject.render(context).split())[:MAX_SUBJECT]  # no CR/LF: no header injection
        body = self.body.render(context)
        if self.is_html:
            html_body = _HREF.sub(lambda m: m.group(1) + m.group(2) + html.escape(
                links.click(html.unescape(m.group(3)))) + m.group(2), body)
            text_body = html.unescape(_TAG.sub("", re.sub(r"<br\s*/?>|</p>", "\n", body, flags=re.I))).strip()
        else:
            text_body = body
            html_body = "<p>" + _URL.sub(
                lambda m: f'<a href="{html.escape(links.click(html.unescape(m.group(0))))}">{m.group(0)}</a>',
                html.escape(body)).replace("\n\n", "</p><p>").replace("\n", "<br>") + "</p>"
        text_body = _URL.sub(lambda m: links.click(m.group(0)), text_body)
        text_body += f"\n\n--\nUnsubscribe: {links.unsubscribe}\n"
        html_body += (f'<p style="font-size:12px;color:#666"><a href="{html.escape(links.unsubscribe)}">Unsubscribe'
                      f'</a></p><img src="{html.escape(links.pixel)}" width="1" height="1" alt="">')
        return subject, text_body, html_body


_last_date: tuple[int, str] = (0, "")


def _date() -> str:
    """The Date header, formatted once a second rather than once a message."""
    global _last_date
    second = int(time.time())
    if _last_date[0] != second:
        _last_date = (second, formatdate(second))
    return _last_date[1]


def _qp(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return quopri.encodestring(text.encode("utf-8")).decode("ascii")


def _encode_header(value: str) -> str:
    if value.isascii():
        return value
    return Header(value, "utf-8", maxlinelen=76).encode()


def _encode_address(value: str) -> str:
    if is_bare_address(value):
        return value
    name, address = parseaddr(value)
    if not name:
        return address
    return formataddr((name, address), charset="utf-8")


def check_email_content(content: dict) -> dict:
    """{"<language>": {"subject", "body"}} with templates that compile; ValidationError naming what is wrong."""
    errors: dict = {}
    if not isinstance(content, dict) or not content:
        raise ValidationError("The campaign has no content to send", details={"content": [
            'Give content per language: {"en": {"subject": "...", "body": "..."}}.']})
    for language, item in content.items():
        if not isinstance(item, dict):
            errors[language] = ["Must be an object with subject and body."]
            continue
        for field in ("subject", "body"):
            value = item.get(field)
            if not isinstance(value, str) or not value.strip():
                errors.setdefault(language, {})[field] = ["Required."]
                continue
            try:
                (html_env if field == "body" else text_env).parse(value)
            except TemplateError as exc:
                errors.setdefault(language, {})[field] = [f"Template error: {exc}"]
    if errors:
        raise ValidationError("The campaign's content cannot be sent", details={"content": errors})
    return content


def recipient_context(row) -> dict:
    """What a template may use: the customer's own fields (and attributes), nothing of the app."""
    first, last = row.first_name or "", row.last_name or ""
    return {"first_name": first, "last_name": last, "full_name": f"{first} {last}".strip(), "email": row.email,
            "phone": row.phone, "city": row.city, "country": row.country, "language": row.language,
            "attributes": dict(row.attributes or {})}


def pick_language(available, customer_language: str | None, account_language: str | None) -> str:
    """The customer's language if the content has it, else the account's, else the content's first."""
    for language in (customer_language, account_language):
        if language in available:
            return language
    return next(iter(available))


def render_whatsapp(item: dict, context: dict, *, max_body: int) -> dict:
    """One language's WhatsApp content for one recipient, rendered in the sandbox as the sender does: the body
    (cut at `max_body`), or an approved template's SID and its variables."""
    if item.get("content_sid"):
        return {"content_sid": item["content_sid"], "variables": {
            str(key): text_env.from_string(value).render(context) for key, value in (item.get("variables") or {}).items()}}
    return {"body": text_env.from_string(item["body"]).render(context)[:max_body]}


# What a preview shows when the audience has nobody in it yet.
SAMPLE_RECIPIENT = {"first_name": "Ana", "last_name": "García", "full_name": "Ana García", "email": "ana@example.com",
                    "phone": "+34600000000", "city": "Madrid", "country": "ES", "language": "es", "attributes": {}}
