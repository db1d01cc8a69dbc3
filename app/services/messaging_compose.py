"""Composing a messaging campaign: its audience (a segment or everyone with consent) and its content per language,
a live recipient count, a preview rendered as the sender renders, and a test send to one address."""
from flask import current_app
from jinja2 import TemplateError
from jinja2.exceptions import SecurityError
from sqlalchemy import func, select

from app.errors import Conflict, NotFound, UpstreamError, ValidationError
from app.extensions import db
from app.integrations import IntegrationError
from app.integrations.email import email_sender
from app.integrations.whatsapp import whatsapp_sender
from app.models import Account, Campaign, CampaignSend, Customer, SendStatus, User
from app.services import campaigns, segments, unit_of_work
from app.services.activity import record_event
from app.services.customer_fields import FieldError, normalize_email, normalize_phone
from app.services.messaging import OPEN_CAMPAIGN, SENDABLE
from app.services.messaging_channels import CHECKS, MAX_WHATSAPP_BODY
from app.services.messaging_render import (
    SAMPLE_RECIPIENT, CompiledEmail, Links, recipient_context, render_whatsapp,
)

# The open pixel of a preview or a test: an inline transparent GIF, so neither is counted as an open.
INERT_PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


def _segment(account: Account, segment_id):
    if not segment_id:
        return None
    try:
        return segments.get_segment(account, segment_id)
    except NotFound:
        raise ValidationError("The audience names an unknown segment", details={
            "audience": {"segment_id": [f"Unknown segment '{segment_id}'."]}}) from None


def count_audience(account: Account, *, channel: str, segment_id=None) -> int:
    """How many customers a send on `channel` to the segment (or everyone) would reach now: consent and an
    address for the channel, counted by the segments service in one statement."""
    if channel not in SENDABLE:
        raise ValidationError(details={"channel": [f"Must be one of: {', '.join(SENDABLE)}."]})
    stmt = segments.eligible_customers_query(account, _segment(account, segment_id), channel)
    return db.session.scalar(select(func.count()).select_from(stmt.subquery()))


def segment_name(campaign: Campaign) -> str | None:
    """The name of the segment the campaign's audience names (None: everyone with consent, or a segment gone)."""
    segment_id = (campaign.audience or {}).get("segment_id")
    try:
        return segments.get_segment(campaign.account, segment_id).name if segment_id else None
    except NotFound:
        return None


def _check_composable(campaign: Campaign) -> None:
    if campaign.channel not in SENDABLE:
        raise Conflict(f"Campaigns of channel '{campaign.channel}' are not sent as messages; email and WhatsApp are",
                       details={"channel": campaign.channel, "allowed": list(SENDABLE)})
    if campaign.status not in OPEN_CAMPAIGN:
        raise Conflict(f"A {campaign.status} campaign cannot change what it sends", details={"status": campaign.status})
    send_status = db.session.scalar(select(CampaignSend.status).where(CampaignSend.campaign_id == campaign.id))
    if send_status is not None and send_status != SendStatus.SCHEDULED:
        raise Conflict(f"This campaign's send is {send_status.value}: what it sends can no longer change",
                       details={"send_status": send_status.value})


@unit_of_work
def compose(campaign: Campaign, *, actor: User | None, audience: dict, content: dict) -> Campaign:
    """Set the campaign's audience and content (checked as a send checks them); 409 once its send has started."""
    db.session.refresh(campaign, with_for_update=True)  # against a send starting in between
    _check_composable(campaign)
    _segment(campaign.account, (audience or {}).get("segment_id"))
    CHECKS[campaign.channel](content)
    return campaigns.update_campaign(campaign, actor=actor, audience=audience or {}, content=content)


def sample_recipient(campaign: Campaign, *, segment_id=None) -> tuple[dict, str | None]:
    """Whose details a preview uses: the first customer of the audience (their template context and name),
    or a made-up one while the audience is empty."""
    try:
        ids = segments.eligible_customers_query(campaign.account, _segment(campaign.account, segment_id),
                                                campaign.channel)
    except ValidationError:
        return dict(SAMPLE_RECIPIENT), None
    # By primary key: the index finds the first match without sorting the whole audience.
    customer = db.session.scalar(ids.with_only_columns(Customer).order_by(Customer.id).limit(1))
    if customer is None:
        return dict(SAMPLE_RECIPIENT), None
    context = recipient_context(customer)
    return context, context["full_name"] or customer.email or customer.phone


def _render(channel: str, item: dict, context: dict, *, sender: str, links: Links) -> dict:
    if channel == "email":
        subject, text, html = CompiledEmail(item["subject"], item["body"], sender=sender).render_parts(
            context, links=links)
        return {"subject": subject, "text": text, "html": html}
    return render_whatsapp(item, context, max_body=MAX_WHATSAPP_BODY)


def preview(campaign: Campaign, *, content: dict, segment_id=None) -> dict:
    """Each language's content rendered for the audience's first customer, with the sender's sandboxed renderer:
    {"recipient", "languages": {"<language>": {subject, text, html} | {body} | {content_sid, variables} | {error}}}.
    Links are shown as written (nothing is tracked)."""
    context, name = sample_recipient(campaign, segment_id=segment_id)
    links = Links(pixel=INERT_PIXEL, unsubscribe="#unsubscribe", click=lambda url: url)
    out = {}
    for language, item in (content or {}).items():
        try:
            CHECKS[campaign.channel]({language: item})
            out[language] = _render(campaign.channel, item, context, sender=current_app.config["SMTP_FROM"],
                                    links=links)
        except ValidationError as exc:
            out[language] = {"error": _first_message(exc.details)}
        except (TemplateError, SecurityError, ValueError) as exc:
            out[language] = {"error": f"The content could not be rendered: {exc}"}
    return {"recipient": name, "languages": out}


def _first_message(details) -> str:
    while isinstance(details, dict) and details:
        key, details = next(iter(details.items()))
        if isinstance(details, list) and details and isinstance(details[0], str):
            return f"{key}: {details[0]}"
    return str(details)


def _test_address(channel: str, address: str, account: Account) -> str:
    try:
        if channel == "email":
            return normalize_email(address or "")
        return normalize_phone(address or "", account.default_region)
    except FieldError as exc:
        raise ValidationError(details={"test_address": [str(exc)]}) from None


@unit_of_work
def send_test(campaign: Campaign, *, actor: User, content: dict, language: str, address: str,
              segment_id=None) -> str:
    """Send one language's content to one address as the preview shows it (for the audience's first customer),
    through the campaign's real channel (SMTP or Twilio, or their local stand-ins); the provider's id. The subject
    is marked [Test]; links are not tracked; nothing changes but the activity log."""
    if campaign.channel not in SENDABLE:
        raise Conflict(f"Campaigns of channel '{campaign.channel}' are not sent as messages",
                       details={"channel": campaign.channel})
    to = _test_address(campaign.channel, address, campaign.account)
    item = (content or {}).get(language)
    if item is None:
        raise ValidationError(details={"test_language": [f"No content in '{language}' to send."]})
    CHECKS[campaign.channel]({language: item})
    context, _name = sample_recipient(campaign, segment_id=segment_id)
    config = current_app.config
    try:
        if campaign.channel == "email":
            compiled = CompiledEmail("[Test] " + item["subject"], item["body"], sender=config["SMTP_FROM"])
            links = Links(pixel=INERT_PIXEL, unsubscribe=config["PUBLIC_URL"].rstrip("/") + "/u/test",
                          click=lambda url: url)
            data, _mid = compiled.render(context, to=to, links=links)
            with email_sender().session() as session:
                provider_id = session.send(sender=config["SMTP_FROM"], to=to, data=data)
        else:
            rendered = render_whatsapp(item, context, max_body=MAX_WHATSAPP_BODY)
            with whatsapp_sender().session() as session:
                provider_id = session.send(to=to, **rendered)
    except (TemplateError, SecurityError) as exc:
        raise ValidationError(details={"content": {language: [f"The content could not be rendered: {exc}"]}}) \
            from None
    except IntegrationError as exc:
        raise UpstreamError(f"The provider refused the test: {exc}", details={"provider": str(exc)}) from None
    record_event(campaign.account, actor, "messaging.test_sent", campaign, {"language": language, "to": to})
    return provider_id
