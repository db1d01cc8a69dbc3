"""Campaign suggestions: titles, email subjects, a body, hashtags and a summary written from the campaign, its
products and its audience, each waiting for a person to approve or reject it. Approving a subject or a body fills
the campaign's content for that language; nothing generated is sent or used before that."""
import uuid
from typing import Any

from sqlalchemy import Select, func, select

from app.errors import Conflict, NotFound, ValidationError
from app.extensions import db
from app.integrations import IntegrationError
from app.integrations.ai import Generation
from app.models import (
    Account, Campaign, CampaignSuggestion, Product, Segment, SuggestionKind, SuggestionStatus, User, utcnow,
)
from app.services import campaigns, get_owned, unit_of_work
from app.services.activity import record_event
from app.services.ai_usage import check_language, run_generation, upstream
from app.services.pagination import Page, paginate

TASK = "campaign_suggestions"
TONES = ("friendly", "professional", "playful", "urgent")
MAX_PRODUCTS = 10
# Answer field -> the kind of suggestion each of its items becomes.
KINDS = {"titles": SuggestionKind.TITLE, "subjects": SuggestionKind.SUBJECT, "body": SuggestionKind.BODY,
         "hashtags": SuggestionKind.HASHTAGS, "summary": SuggestionKind.SUMMARY}
KIND_ORDER = (SuggestionKind.TITLE, SuggestionKind.SUBJECT, SuggestionKind.BODY, SuggestionKind.HASHTAGS,
              SuggestionKind.SUMMARY)


def check_tone(tone: str | None) -> str:
    tone = tone or "friendly"
    if tone not in TONES:
        raise ValidationError("Validation error", details={"tone": [f"Must be one of: {', '.join(TONES)}"]})
    return tone


def _audience(campaign: Campaign) -> str:
    """Who the campaign is for, in words: its segment's name and description, demographics, places."""
    parts = []
    segment_id = (campaign.audience or {}).get("segment_id")
    if segment_id:
        segment = db.session.scalar(select(Segment).where(Segment.account_id == campaign.account_id,
                                                           Segment.id == _uuid(segment_id)))
        if segment is not None:
            parts.append(" — ".join(p for p in (segment.name, segment.description) if p))
    demographics = campaign.demographics or {}
    if isinstance(demographics, dict) and demographics:
        parts.append(", ".join(f"{k}: {v}" for k, v in list(demographics.items())[:6]))
    places = [p.get("name") for p in campaign.target_locations or [] if isinstance(p, dict) and p.get("name")]
    if places:
        parts.append(", ".join(places[:5]))
    return "; ".join(parts)


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def campaign_context(campaign: Campaign, products: list[Product], tone: str) -> dict:
    """What the provider is told about a campaign: its own fields, its products and its audience only."""
    return {"channel": campaign.channel, "tone": tone, "name": campaign.name, "description": campaign.description,
            "keywords": list(campaign.keywords or []), "audience": _audience(campaign),
            "products": [p.name for p in products],
            "product_details": [{"name": p.name, "description": p.description[:300], "price": str(p.price)}
                                for p in products]}


def generate_suggestions(campaign: Campaign, *, actor: User | None, language: str | None = None,
                         tone: str | None = None, product_ids: list | None = None) -> list[CampaignSuggestion]:
    """Write suggestions for `campaign` in `language` (default DEFAULT_CAMPAIGN_LANGUAGE), all pending.

    422 for a language outside ALLOWED_CAMPAIGN_LANGUAGES or an unknown tone, 404 for a product of another
    account, 429 when the monthly token budget is spent, 502 when the provider fails or its answer is unusable
    (nothing stored then).
    """
    language, tone = check_language(language), check_tone(tone)
    if len(product_ids or []) > MAX_PRODUCTS:
        raise ValidationError("Validation error", details={"product_ids": [f"At most {MAX_PRODUCTS}."]})
    products = [get_owned(Product, campaign.account, pid) for pid in dict.fromkeys(product_ids or [])]
    context = campaign_context(campaign, products, tone)
    account = campaign.account
    try:
        generation = run_generation(account, actor=actor, task=TASK, context=context, language=language,
                                    channel=campaign.channel)
    except IntegrationError as exc:
        raise upstream(exc) from None
    return _store(campaign.id, account, actor=actor, language=language, generation=generation)


@unit_of_work
def _store(campaign_id, account: Account, *, actor: User | None, language: str,
           generation: Generation) -> list[CampaignSuggestion]:
    campaign = campaigns.get_campaign(account, campaign_id)
    batch_id, rows = uuid.uuid4(), []
    for field, kind in KINDS.items():
        value = generation.fields[field]
        # Hashtags are one suggestion (a set to use together); titles and subjects one each.
        texts = [" ".join(value)] if field == "hashtags" else value if isinstance(value, list) else [value]
        for text in texts:
            rows.append(CampaignSuggestion(
                account_id=account.id, campaign_id=campaign.id, batch_id=batch_id, kind=kind, language=language,
                channel=campaign.channel, text=text, provider=generation.provider, model=generation.model,
                prompt_version=generation.prompt_version, created_by_id=actor.id if actor else None))
    db.session.add_all(rows)
    db.session.flush()
    record_event(account, actor, "ai.suggestions_generated", campaign,
                 {"language": language, "count": len(rows), "provider": generation.provider})
    return rows


def suggestions_query(campaign: Campaign, *, status: str | None = None, kind: str | None = None,
                      language: str | None = None) -> Select:
    stmt = select(CampaignSuggestion).where(CampaignSuggestion.campaign_id == campaign.id,
                                            CampaignSuggestion.account_id == campaign.account_id)
    if status:
        stmt = stmt.where(CampaignSuggestion.status == SuggestionStatus(status))
    if kind:
        stmt = stmt.where(CampaignSuggestion.kind == SuggestionKind(kind))
    if language:
        stmt = stmt.where(CampaignSuggestion.language == language)
    return stmt.order_by(CampaignSuggestion.created_at.desc(), CampaignSuggestion.kind, CampaignSuggestion.id)


def list_suggestions(campaign: Campaign, *, page: int = 1, size: int = 10, **filters: Any) -> Page:
    """The campaign's suggestions, newest generation first, filtered by status, kind and language."""
    return paginate(suggestions_query(campaign, **filters), page=page, size=size)


def get_suggestion(campaign: Campaign, suggestion_id, *, for_update: bool = False) -> CampaignSuggestion:
    return get_owned(CampaignSuggestion, campaign.account, suggestion_id,
                     CampaignSuggestion.campaign_id == campaign.id, label="Suggestion", for_update=for_update)


@unit_of_work
def decide_suggestion(campaign: Campaign, suggestion_id, *, actor: User | None, action: str) -> CampaignSuggestion:
    """Approve or reject a pending suggestion, recording who and when; approving a subject (email) or a body
    (email, WhatsApp) writes it into the campaign's content for the suggestion's language. 409 if already decided.
    """
    if action not in ("approve", "reject"):
        raise ValidationError("Validation error", details={"action": ["Must be approve or reject."]})
    # The campaign row first, then the suggestion: two approvals of one campaign (a subject and a body) run one
    # after the other, so neither overwrites the content the other wrote. refresh, not a SELECT ... FOR UPDATE
    # through the session: the campaign is in the identity map already, and a query would lock the row but keep
    # the content read before the lock (a lost update, seen in tests/security/test_ai_content.py).
    db.session.refresh(campaign, with_for_update=True)
    if campaign.deleted_at is not None:
        raise NotFound(f"Campaign with id '{campaign.id}' not found")
    suggestion = get_suggestion(campaign, suggestion_id, for_update=True)
    if suggestion.status != SuggestionStatus.PENDING:
        raise Conflict(f"This suggestion is already {suggestion.status.value}",
                       details={"status": suggestion.status.value})
    suggestion.status = SuggestionStatus.APPROVED if action == "approve" else SuggestionStatus.REJECTED
    suggestion.decided_by_id, suggestion.decided_at = (actor.id if actor else None), utcnow()
    if suggestion.applied:
        _fill_content(campaign, suggestion, actor=actor)
    record_event(campaign.account, actor, f"ai.suggestion_{'approved' if action == 'approve' else 'rejected'}",
                 campaign, {"suggestion_id": str(suggestion.id), "kind": suggestion.kind.value,
                            "language": suggestion.language, "applied": suggestion.applied})
    return suggestion


def _fill_content(campaign: Campaign, suggestion: CampaignSuggestion, *, actor: User | None) -> None:
    if campaign.channel != suggestion.channel:
        raise Conflict("The campaign's channel changed since this was suggested; generate new suggestions",
                       details={"channel": campaign.channel})
    content = {k: dict(v) if isinstance(v, dict) else v for k, v in (campaign.content or {}).items()}
    language = dict(content.get(suggestion.language) or {})
    if "content_sid" in language:
        raise Conflict("This language sends an approved WhatsApp template; a free-form body cannot replace it here",
                       details={"language": suggestion.language})
    language[suggestion.kind.value] = suggestion.text
    content[suggestion.language] = language
    campaigns.update_campaign(campaign, actor=actor, content=content)


def pending_count(campaign: Campaign) -> int:
    """How many of the campaign's suggestions wait for a person's decision (one indexed count)."""
    return db.session.scalar(select(func.count()).select_from(CampaignSuggestion).where(
        CampaignSuggestion.campaign_id == campaign.id, CampaignSuggestion.account_id == campaign.account_id,
        CampaignSuggestion.status == SuggestionStatus.PENDING))
