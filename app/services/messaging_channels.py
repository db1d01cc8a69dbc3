"""What differs between channels when a batch sends: how content is checked and compiled, and the provider call.

Each channel compiles a campaign's content once per batch and sends one claimed row at a time through a
provider session; rendering failures raise TemplateError/SecurityError/ValueError, provider failures the
integration's errors.
"""
import functools
import re

from flask import current_app
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from app.errors import ValidationError
from app.extensions import db
from app.integrations.email import RecipientRejected, email_sender
from app.integrations.whatsapp import RecipientUnreachable, whatsapp_sender
from app.models import Campaign
from app.services.messaging_render import CompiledEmail, check_email_content, pick_language, recipient_context
from app.services.messaging_tracking import LinkMaker

# Provider refusals that mean the address can never be reached: the message fails and the address is suppressed.
UNREACHABLE = (RecipientRejected, RecipientUnreachable)
CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")
_env = SandboxedEnvironment(autoescape=False)
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
                _env.parse(source)
            except TemplateError as exc:
                errors.setdefault(language, {})[field] = [f"Template error: {exc}"]
    if errors:
        raise ValidationError("The campaign's content cannot be sent", details={"content": errors})
    return content


CHECKS = {"email": check_email_content, "whatsapp": check_whatsapp_content}


def free_form_languages(content: dict) -> list[str]:
    """WhatsApp languages whose content is a free-form body: allowed only inside the 24-hour window."""
    return [language for language, item in content.items() if not item.get("content_sid")]


class EmailChannel:
    def __init__(self, campaign: Campaign, account):
        self.sender = current_app.config["SMTP_FROM"]
        self.compiled = _compiled_email(campaign.id, campaign.updated_at, self.sender)
        self.links = LinkMaker(current_app.config["PUBLIC_URL"])
        self.account_language = account.language

    def session(self):
        return email_sender().session()

    def send(self, session, row, context: dict) -> str:
        language = pick_language(self.compiled, row.language, self.account_language)
        data, message_id = self.compiled[language].render(context, to=row.to_address,
                                                          links=self.links.for_message(row.id))
        session.send(sender=self.sender, to=row.to_address, data=data)
        return message_id


class WhatsAppChannel:
    def __init__(self, campaign: Campaign, account):
        self.compiled = _compiled_whatsapp(campaign.id, campaign.updated_at)
        self.account_language = account.language
        self.callback = current_app.config["PUBLIC_URL"].rstrip("/") + "/hooks/twilio/status"

    def session(self):
        return whatsapp_sender().session()

    def send(self, session, row, context: dict) -> str:
        item = self.compiled[pick_language(self.compiled, row.language, self.account_language)]
        if "content_sid" in item:
            variables = {key: template.render(context) for key, template in item["variables"].items()}
            return session.send(to=row.to_address, content_sid=item["content_sid"], variables=variables,
                                status_callback=self.callback)
        return session.send(to=row.to_address, body=item["body"].render(context)[:MAX_WHATSAPP_BODY],
                            status_callback=self.callback)


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
                str(key): _env.from_string(value) for key, value in (item.get("variables") or {}).items()}}
        else:
            compiled[language] = {"body": _env.from_string(item["body"])}
    return compiled


__all__ = ["CHECKS", "UNREACHABLE", "channel_for", "check_whatsapp_content", "free_form_languages",
           "recipient_context"]
