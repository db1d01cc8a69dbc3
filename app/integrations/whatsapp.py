"""WhatsApp out through the official Twilio SDK, or a console sender when Twilio is not configured.

The SDK has no base-URL option: TWILIO_BASE_URL (a Twilio-compatible server, for tests) is honoured by an HTTP
client that rewrites scheme and host of every request it makes, whatever Twilio domain the SDK asks for.
"""
import json
import logging
import uuid
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

from flask import current_app
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from app.integrations import IntegrationError, RetryableIntegrationError

log = logging.getLogger(__name__)
TIMEOUT = 30
# Twilio error codes that mean "this number can never get WhatsApp messages from us": the address is suppressed.
PERMANENT_RECIPIENT_ERRORS = {21211, 21614, 63003, 63024}


class RecipientUnreachable(IntegrationError):
    """The provider refused the number for good (invalid, not on WhatsApp): it is suppressed like a hard bounce."""


class BaseUrlHttpClient(TwilioHttpClient):
    """Send every SDK request to `base_url` instead of *.twilio.com (scheme, host and port replaced)."""

    def __init__(self, base_url: str, **kwargs):
        super().__init__(timeout=TIMEOUT, **kwargs)
        parts = urlsplit(base_url)
        self.scheme, self.netloc = parts.scheme, parts.netloc

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        return super().request(method, urlunsplit((self.scheme, self.netloc, parts.path, parts.query, "")),
                               *args, **kwargs)


class TwilioWhatsAppSender:
    def __init__(self, config):
        self.sender = config["TWILIO_WHATSAPP_FROM"]
        base_url = config.get("TWILIO_BASE_URL")
        http_client = BaseUrlHttpClient(base_url) if base_url else TwilioHttpClient(timeout=TIMEOUT)
        self.client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], http_client=http_client)

    @contextmanager
    def session(self) -> Iterator["TwilioWhatsAppSender"]:
        yield self  # the SDK keeps its HTTP connections in a pool already

    def send(self, *, to: str, body: str | None = None, content_sid: str | None = None,
             variables: dict | None = None, status_callback: str | None = None) -> str:
        """Send a free-form body or an approved template (ContentSid + ContentVariables); the message SID."""
        options = {"to": _whatsapp(to), "from_": _whatsapp(self.sender)}
        if content_sid:
            options.update(content_sid=content_sid, content_variables=json.dumps(variables or {}))
        else:
            options["body"] = body or ""
        if status_callback:
            options["status_callback"] = status_callback
        try:
            return self.client.messages.create(**options).sid
        except TwilioRestException as exc:
            message = f"Twilio {exc.status}" + (f" error {exc.code}" if exc.code else "") + f": {exc.msg}"
            if exc.status == 429 or exc.status >= 500:
                raise RetryableIntegrationError(message, status=exc.status) from None
            if exc.code in PERMANENT_RECIPIENT_ERRORS:
                raise RecipientUnreachable(message, status=exc.status) from None
            raise IntegrationError(message, status=exc.status) from None
        except (TwilioException, OSError) as exc:  # connection refused, timeout
            raise RetryableIntegrationError(f"Cannot reach Twilio: {exc}") from None


class ConsoleWhatsAppSender:
    """Twilio not configured: messages are written to the log, so a local send runs end to end."""

    @contextmanager
    def session(self) -> Iterator["ConsoleWhatsAppSender"]:
        yield self

    def send(self, *, to: str, body: str | None = None, content_sid: str | None = None,
             variables: dict | None = None, status_callback: str | None = None) -> str:
        log.info("WhatsApp to %s: %s", to, body if body is not None else f"template {content_sid} {variables}")
        return f"console:{uuid.uuid4().hex}"


def whatsapp_sender() -> TwilioWhatsAppSender | ConsoleWhatsAppSender:
    """Twilio when TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM are set, else the console."""
    config = current_app.config
    if config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN") and config.get("TWILIO_WHATSAPP_FROM"):
        return TwilioWhatsAppSender(config)
    return ConsoleWhatsAppSender()


def signature_is_valid(url: str, params: dict, signature: str | None) -> bool:
    """Whether a callback really comes from Twilio: the SDK's validator over the URL Twilio called and its form."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if not token or not signature:
        return False
    return RequestValidator(token).validate(url, params, signature)


def _whatsapp(number: str) -> str:
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"
