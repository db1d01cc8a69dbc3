"""What differs between channels when a batch sends: how content is checked and compiled, and the provider call.

Each channel compiles a campaign's content once per batch, renders a claimed row (`prepare`) and hands it to a
provider session (`deliver`, which may run `meanwhile` while the provider takes the message); rendering failures
raise TemplateError/SecurityError/ValueError, provider failures the integration's errors.
"""
import base64
import functools
import hashlib
import json
import re
import uuid

from flask import current_app
from jinja2 import TemplateError

from app.errors import ValidationError
from app.extensions import db
from app.integrations.email import RecipientRejected, email_sender
from app.integrations.whatsapp import RecipientUnreachable, whatsapp_sender
from app.models import Campaign
from app.services.messaging_render import (
    CompiledEmail, Links, check_email_content, pick_language, recipient_context, text_env,
)
from app.services.messaging_tracking import CLICK, OPEN, UNSUBSCRIBE

# Provider refusals that mean the address can never be reached: the message fails and the address is suppressed.
UNREACHABLE = (RecipientRejected, RecipientUnreachable)
CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")
MAX_WHATSAPP_BODY = 1600


def check_whatsapp_content(content: dict) -> dict:
    """{"<language>": {"body"}} (free-form) or {"<language>": {"content_sid": "HX…", "variables": {...}}}."""
    errors: dict = {}
    if not isinstance(content, dict) or not content:
        raise ValidationError("The campaign has no content to send", details={"content": [
            'Give content per language: {"en": {"body": "..."}} or {"en": {"content_sid": "HX...", "variables": '
            '{"1": "{{ first_name }}"}}}.']})
    for language, item in content.items():
        if not isinstance(item, dict):
            errors[language] = ["Must be an object with body, or content_sid and variables."]
            continue
        templates = {}
        if item.get("content_sid") is not None:
            if not isinstance(item["content_sid"], str) or not CONTENT_SID.match(item["content_sid"]):
                errors.setdefault(language, {})["content_sid"] = ["An approved template's SID: HX and 32 hex digits."]
            variables = item.get("variables") or {}
            if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
                errors.setdefault(language, {})["variables"] = ['An object of texts: {"1": "{{ first_name }}"}.']
            else:
                templates = {f"variables.{k}": v for k, v in variables.items()}
        elif isinstance(item.get("body"), str) and item["body"].strip():
            if len(item["body"]) > MAX_WHATSAPP_BODY:
                errors.setdefault(language, {})["body"] = [f"At most {MAX_WHATSAPP_BODY} characters."]
            templates = {"body": item["body"]}
        else:
            errors.setdefault(language, {})["body"] = ["Required (or content_sid for an approved template)."]
        for field, source in templates.items():
            try:
                text_env.parse(source)
            except TemplateError as exc:
                errors.setdefault(language, {})[field] = [f"Template error: {exc}"]
    if errors:
        raise ValidationError("The campaign's content cannot be sent", details={"content": errors})
    return content


CHECKS = {"email": check_email_content, "whatsapp": check_whatsapp_content}


def free_form_languages(content: dict) -> list[str]:
    """WhatsApp languages whose content is a free-form body: allowed only inside the 24-hour window."""
    return [language for language, item in content.items() if not item.get("content_sid")]


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


class TokenSigner:
    """Tracking tokens as messaging_tracking.make_token signs them (itsdangerous' URLSafeSerializer: compact JSON,
    base64, HMAC-SHA1 with the salt-derived key), with the keys derived once per batch instead of per token: three
    tokens a message made this way cost a third of the serializer's time. messaging_tracking.read_token reads them.
    """

    def __init__(self, secret_key: str | bytes):
        secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
        self.keys = {kind: hashlib.sha1(kind.encode() + b"signer" + secret).digest() for kind in (OPEN, CLICK,
                                                                                                    UNSUBSCRIBE)}
        # HMAC's inner and outer hashes of each key, started once: copying them costs half of hmac.digest, which
        # sets OpenSSL 3's HMAC up afresh on every call (RFC 2104; the same bytes, checked against hmac in tests).
        self.pads = {kind: (hashlib.sha1(bytes(b ^ 0x36 for b in key.ljust(64, b"\0"))),
                            hashlib.sha1(bytes(b ^ 0x5C for b in key.ljust(64, b"\0"))))
                     for kind, key in self.keys.items()}

    def token(self, kind: str, message_id: uuid.UUID, url: str | None = None) -> str:
        # json.dumps([hex]) and json.dumps([hex, url]) with compact separators, spelled out: the hex needs no escape.
        text = f'["{message_id.hex}"]' if url is None else \
            f'["{message_id.hex}",{json.dumps(url, ensure_ascii=False)}]'
        body = _b64(text.encode("utf-8"))
        inner, outer = self.pads[kind]
        inner, outer = inner.copy(), outer.copy()
        inner.update(body)
        outer.update(inner.digest())
        return (body + b"." + _b64(outer.digest())).decode("ascii")


class FastLinks:
    """The tracking URLs of one message (open pixel, unsubscribe, a click URL per link), signed by TokenSigner."""

    def __init__(self, base_url: str, signer: TokenSigner):
        self.base, self.signer = base_url.rstrip("/"), signer

    def for_message(self, message_id: uuid.UUID) -> Links:
        cache: dict[str, str] = {}
        token = self.signer.token

        def click(url: str) -> str:
            if url not in cache:
                cache[url] = f"{self.base}/t/c/{token(CLICK, message_id, url)}"
            return cache[url]

        return Links(pixel=f"{self.base}/t/o/{token(OPEN, message_id)}",
                     unsubscribe=f"{self.base}/u/{token(UNSUBSCRIBE, message_id)}", click=click)


class EmailChannel:
    def __init__(self, campaign: Campaign, account):
        self.sender = current_app.config["SMTP_FROM"]
        self.compiled = _compiled_email(campaign.id, campaign.updated_at, self.sender)
        self.links = FastLinks(current_app.config["PUBLIC_URL"], TokenSigner(current_app.config["SECRET_KEY"]))
        self.account_language = account.language

    def session(self):
        return email_sender().session()

    def prepare(self, row) -> tuple[bytes, str]:
        """The recipient's message bytes and its Message-ID."""
        language = pick_language(self.compiled, row.language, self.account_language)
        return self.compiled[language].render(recipient_context(row), to=row.to_address,
                                              links=self.links.for_message(row.id))

    def deliver(self, session, row, prepared: tuple[bytes, str], meanwhile=None) -> str:
        data, message_id = prepared
        session.send(sender=self.sender, to=row.to_address, data=data, meanwhile=meanwhile)
        return message_id


class WhatsAppChannel:
    def __init__(self, campaign: Campaign, account):
        self.compiled = _compiled_whatsapp(campaign.id, campaign.updated_at)
        self.account_language = account.language
        self.callback = current_app.config["PUBLIC_URL"].rstrip("/") + "/hooks/twilio/status"

    def session(self):
        return whatsapp_sender().session()

    def prepare(self, row) -> dict:
        context = recipient_context(row)
        item = self.compiled[pick_language(self.compiled, row.language, self.account_language)]
        if "content_sid" in item:
            return {"content_sid": item["content_sid"],
                    "variables": {key: template.render(context) for key, template in item["variables"].items()}}
        return {"body": item["body"].render(context)[:MAX_WHATSAPP_BODY]}

    def deliver(self, session, row, prepared: dict, meanwhile=None) -> str:
        # The SDK's request cannot be overlapped: the next message renders when it is needed, not here.
        return session.send(to=row.to_address, status_callback=self.callback, **prepared)


def channel_for(campaign: Campaign, account):
    return {"email": EmailChannel, "whatsapp": WhatsAppChannel}[campaign.channel](campaign, account)


@functools.lru_cache(maxsize=64)
def _compiled_email(campaign_id, updated_at, sender: str) -> dict[str, CompiledEmail]:
    # Keyed by updated_at: an edited campaign compiles afresh; a batch reuses its language skeletons.
    campaign = db.session.get(Campaign, campaign_id)
    return {language: CompiledEmail(item["subject"], item["body"], sender=sender)
            for language, item in campaign.content.items()}


@functools.lru_cache(maxsize=64)
def _compiled_whatsapp(campaign_id, updated_at) -> dict[str, dict]:
    campaign = db.session.get(Campaign, campaign_id)
    compiled = {}
    for language, item in campaign.content.items():
        if item.get("content_sid"):
            compiled[language] = {"content_sid": item["content_sid"], "variables": {
                str(key): text_env.from_string(value) for key, value in (item.get("variables") or {}).items()}}
        else:
            compiled[language] = {"body": text_env.from_string(item["body"])}
    return compiled


__all__ = ["CHECKS", "UNREACHABLE", "channel_for", "check_whatsapp_content", "free_form_languages",
           "recipient_context"]
