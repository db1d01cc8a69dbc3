"""Product content: copy per channel (social, email, WhatsApp) and language, one version per generation (earlier
versions kept, newest first), edited and approved by people. Small batches are written during the request;
larger ones run as a job on a worker, with progress."""
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, select, update

from app.errors import ValidationError
from app.extensions import db
from app.integrations import IntegrationError
from app.integrations.ai import Generation
from app.models import (
    Account, ContentChannel, ContentJob, ContentStatus, FlashPromo, JobStatus, Product, ProductContent, PromoStatus,
    StoreProduct, User, utcnow,
)
from app.services import get_owned, locked, unit_of_work
from app.services.activity import record_event
from app.services.ai_checks import HASHTAG, TEXT_LIMITS, check_output
from app.services.ai_suggestions import check_tone
from app.services.ai_usage import check_language, run_generation, upstream
from app.services.dispatch import enqueue_after_commit
from app.services.pagination import Page, paginate

TASK = "product_content"
CHANNELS = tuple(c.value for c in ContentChannel)


@dataclass(frozen=True)
class GenerationOutcome:
    """What a generate-content request did: the new versions (written now) or the job writing them."""

    contents: list[ProductContent] | None = None
    job: ContentJob | None = None


def get_product(account: Account, product_id) -> Product:
    return get_owned(Product, account, product_id, label="Product")


def _check_request(channels: list[str] | None, languages: list[str] | None, tone: str | None):
    channels = list(dict.fromkeys(channels or CHANNELS))
    bad = [c for c in channels if c not in CHANNELS]
    if bad:
        raise ValidationError("Validation error", details={"channels": [f"Must be among: {', '.join(CHANNELS)}"]})
    languages = [check_language(code, field="languages") for code in dict.fromkeys(languages or [None])]
    return channels, languages, check_tone(tone)


def product_context(product: Product, *, channel: str, tone: str, keywords: list[str] | None = None,
                    audience: str | None = None) -> dict:
    """What the provider is told: the product's own fields, its next or running flash promo, the request's
    keywords and audience."""
    promo = db.session.execute(
        select(FlashPromo.promo_price, FlashPromo.ends_at)
        .join(StoreProduct, StoreProduct.id == FlashPromo.store_product_id)
        .where(StoreProduct.product_id == product.id, FlashPromo.account_id == product.account_id,
               FlashPromo.status.in_([PromoStatus.ACTIVE, PromoStatus.SCHEDULED]), FlashPromo.ends_at > utcnow())
        .order_by(FlashPromo.starts_at).limit(1)).first()
    account = db.session.get(Account, product.account_id)
    return {"channel": channel, "tone": tone, "name": product.name, "description": product.description or "",
            "sku": product.sku, "price": str(product.price), "currency": account.currency if account else "USD",
            "promo_price": str(promo.promo_price) if promo else None,
            "promo_ends": promo.ends_at.date().isoformat() if promo else None,
            "keywords": list(keywords or []), "audience": audience or ""}


def generate_product_content(product: Product, *, actor: User | None, channels: list[str] | None = None,
                             languages: list[str] | None = None, tone: str | None = None,
                             keywords: list[str] | None = None, audience: str | None = None) -> GenerationOutcome:
    """Write one new version per channel and language. Up to AI_INLINE_MAX_ITEMS pieces are written now (all or
    nothing: 502 stores none); more become a job a worker runs (progress in the job).

    422 for an unknown channel, tone or a language outside ALLOWED_CAMPAIGN_LANGUAGES; 429 when the monthly
    token budget is spent.
    """
    channels, languages, tone = _check_request(channels, languages, tone)
    account = db.session.get(Account, product.account_id)
    items = [(c, lang) for c in channels for lang in languages]
    if len(items) > current_app.config["AI_INLINE_MAX_ITEMS"]:
        return GenerationOutcome(job=_create_job(product, actor=actor, channels=channels, languages=languages,
                                                 tone=tone, keywords=keywords, audience=audience))
    written = []
    for channel, language in items:
        context = product_context(product, channel=channel, tone=tone, keywords=keywords, audience=audience)
        try:
            written.append((channel, language, run_generation(account, actor=actor, task=TASK, context=context,
                                                              language=language)))
        except IntegrationError as exc:
            raise upstream(exc) from None
    return GenerationOutcome(contents=_store(product.id, account, actor=actor, tone=tone, written=written))


@unit_of_work
def _store(product_id, account: Account, *, actor: User | None, tone: str, written: list,
           job: ContentJob | None = None) -> list[ProductContent]:
    # The product row is locked while versions are numbered: two generations at once get 2 and 3, not 2 twice.
    product = get_owned(Product, account, product_id, label="Product", for_update=True)
    rows = []
    for channel, language, generation in written:
        rows.append(_new_version(product, channel, language, generation, tone=tone, actor=actor, job=job))
    db.session.flush()
    record_event(account, actor, "ai.content_generated", product,
                 {"count": len(rows), "channels": sorted({r.channel.value for r in rows}),
                  "languages": sorted({r.language for r in rows}), "provider": rows[0].provider if rows else None})
    return rows


def _new_version(product: Product, channel: str, language: str, generation: Generation, *, tone: str,
                 actor: User | None, job: ContentJob | None) -> ProductContent:
    latest = db.session.scalar(select(func.max(ProductContent.version)).where(
        ProductContent.product_id == product.id, ProductContent.channel == ContentChannel(channel),
        ProductContent.language == language)) or 0
    fields = generation.fields
    row = ProductContent(
        account_id=product.account_id, product_id=product.id, job_id=job.id if job else None,
        channel=ContentChannel(channel), language=language, version=latest + 1, tone=tone,
        subject=fields.get("subject"), body=fields["body"], hashtags=fields.get("hashtags") or [],
        provider=generation.provider, model=generation.model, prompt_version=generation.prompt_version,
        created_by_id=actor.id if actor else None)
    db.session.add(row)
    db.session.flush()
    return row


def contents_query(product: Product, *, channel: str | None = None, language: str | None = None,
                   status: str | None = None) -> Select:
    stmt = select(ProductContent).where(ProductContent.product_id == product.id,
                                        ProductContent.account_id == product.account_id)
    if channel:
        stmt = stmt.where(ProductContent.channel == ContentChannel(channel))
    if language:
        stmt = stmt.where(ProductContent.language == language)
    if status:
        stmt = stmt.where(ProductContent.status == ContentStatus(status))
    return stmt.order_by(ProductContent.created_at.desc(), ProductContent.version.desc(), ProductContent.id)


def list_product_contents(product: Product, *, page: int = 1, size: int = 10, **filters: Any) -> Page:
    """The product's content versions, newest first, filtered by channel, language and status."""
    return paginate(contents_query(product, **filters), page=page, size=size)


def get_product_content(product: Product, content_id, *, for_update: bool = False) -> ProductContent:
    account = db.session.get(Account, product.account_id)
    return get_owned(ProductContent, account, content_id, ProductContent.product_id == product.id, label="Content",
                     for_update=for_update)


@unit_of_work
def update_product_content(content: ProductContent, *, actor: User | None, **changes: Any) -> ProductContent:
    """Edit a version's text (subject, body, hashtags) and status; approving one archives the version of the same
    channel and language approved before, so each has at most one approved text."""
    channel = content.channel.value
    edits = {k: changes[k] for k in ("subject", "body", "hashtags") if k in changes and changes[k] is not None}
    if "subject" in edits and channel != "email":
        raise ValidationError("Validation error", details={"subject": ["Only email content has a subject."]})
    if "hashtags" in edits and channel != "social":
        raise ValidationError("Validation error", details={"hashtags": ["Only social content has hashtags."]})
    merged = {"subject": content.subject, "body": content.body, "hashtags": list(content.hashtags or []), **edits}
    cleaned, problems = check_output(merged, channel, language=content.language, verify_language=False)
    if problems:
        raise ValidationError("Validation error", details=problems)
    bad = [t for t in edits.get("hashtags", []) if not HASHTAG.fullmatch(str(t).strip())]
    if bad:
        raise ValidationError("Validation error", details={"hashtags": [f"Not hashtags: {', '.join(bad[:5])}."]})
    changed = []
    for key in edits:
        value = cleaned[key] if key in TEXT_LIMITS[channel] or key == "hashtags" else edits[key]
        if getattr(content, key) != value:
            setattr(content, key, value)
            changed.append(key)
    if changed:
        content.edited = True
    status = changes.get("status")
    if status is not None and ContentStatus(status) != content.status:
        if ContentStatus(status) == ContentStatus.APPROVED:
            db.session.execute(update(ProductContent).where(
                ProductContent.product_id == content.product_id, ProductContent.channel == content.channel,
                ProductContent.language == content.language, ProductContent.id != content.id,
                ProductContent.status == ContentStatus.APPROVED).values(status=ContentStatus.ARCHIVED))
        content.status = ContentStatus(status)
        changed.append("status")
    if changed:
        content.updated_by_id = actor.id if actor else None
        content.updated_at = utcnow()
        record_event(db.session.get(Account, content.account_id), actor, "ai.content_updated", content,
                     {"fields": changed, "status": content.status.value})
    return content


# --- batches as jobs ------------------------------------------------------------------------------------------
@unit_of_work
def _create_job(product: Product, *, actor: User | None, channels: list[str], languages: list[str], tone: str,
                keywords: list[str] | None, audience: str | None, enqueue: bool = True) -> ContentJob:
    job = ContentJob(account_id=product.account_id, product_id=product.id, created_by_id=actor.id if actor else None,
                     channels=channels, languages=languages, tone=tone, keywords=list(keywords or []),
                     audience=audience or "", total=len(channels) * len(languages))
    db.session.add(job)
    db.session.flush()
    if enqueue:
        enqueue_after_commit("ai.generate_product_content", str(job.id))
    return job


def start_content_job(product: Product, *, actor: User | None, channels: list[str] | None = None,
                      languages: list[str] | None = None, tone: str | None = None, keywords: list[str] | None = None,
                      audience: str | None = None, enqueue: bool = True) -> ContentJob:
    """A job writing every channel × language of `product`; queued for a worker unless `enqueue` is false (the CLI
    runs it in its own process)."""
    channels, languages, tone = _check_request(channels, languages, tone)
    return _create_job(product, actor=actor, channels=channels, languages=languages, tone=tone, keywords=keywords,
                       audience=audience, enqueue=enqueue)


def get_job(account: Account, job_id, *, product_id=None) -> ContentJob:
    conditions = [ContentJob.product_id == product_id] if product_id is not None else []
    return get_owned(ContentJob, account, job_id, *conditions, label="Content job")


def pending_items(job: ContentJob) -> list[tuple[str, str]]:
    """The job's (channel, language) pairs not written yet: a rerun picks up where the last run stopped."""
    done = set(db.session.execute(select(ProductContent.channel, ProductContent.language).where(
        ProductContent.job_id == job.id)).all())
    return [(c, lang) for c in job.channels for lang in job.languages if (ContentChannel(c), lang) not in done]


@unit_of_work
def _mark(job_id, **values) -> None:
    db.session.execute(update(ContentJob).where(ContentJob.id == job_id).values(updated_at=utcnow(), **values))


def run_job_item(job: ContentJob, channel: str, language: str) -> ProductContent | None:
    """Write one pair of the job (RetryableIntegrationError / UpstreamError pass through to the caller)."""
    account = db.session.get(Account, job.account_id)
    product = get_owned(Product, account, job.product_id, label="Product")
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    context = product_context(product, channel=channel, tone=job.tone, keywords=job.keywords, audience=job.audience)
    generation = run_generation(account, actor=actor, task=TASK, context=context, language=language)
    return _store_item(job.id, account, actor=actor, channel=channel, language=language, generation=generation)


@unit_of_work
def _store_item(job_id, account: Account, *, actor: User | None, channel: str, language: str,
                generation: Generation) -> ProductContent | None:
    job = db.session.scalar(locked(select(ContentJob).where(ContentJob.id == job_id)))
    if job is None or (ContentChannel(channel), language) not in {
            (ContentChannel(c), lang) for c, lang in pending_items(job)}:
        return None  # written by another run of the job meanwhile
    row = _store(job.product_id, account, actor=actor, tone=job.tone, written=[(channel, language, generation)],
                 job=job)[0]
    job.done = job.total - len(pending_items(job))
    return row


def run_content_job(job_id) -> ContentJob | None:
    """Run a job to its end, one committed piece at a time (progress visible as it goes); safe to run twice."""
    job = db.session.get(ContentJob, job_id)
    if job is None or job.status in (JobStatus.COMPLETED, JobStatus.FAILED):
        return job
    _mark(job.id, status=JobStatus.RUNNING, started_at=job.started_at or utcnow())
    for channel, language in pending_items(job):
        run_job_item(job, channel, language)
    _mark(job.id, status=JobStatus.COMPLETED, finished_at=utcnow(), done=job.total, error=None)
    return db.session.get(ContentJob, job_id)


def fail_content_job(job_id, *, reason: str) -> None:
    """Leave the job failed with `reason`; the pieces already written stay."""
    _mark(job_id, status=JobStatus.FAILED, finished_at=utcnow(), error=reason[:2000])


# --- what the pages show --------------------------------------------------------------------------------------
def products_overview(account: Account, *, page: int = 1, size: int = 20) -> Page:
    """The account's products with how many content versions each has and how many are approved (one statement)."""
    versions = (select(ProductContent.product_id, func.count().label("versions"),
                       func.count().filter(ProductContent.status == ContentStatus.APPROVED).label("approved"),
                       func.max(ProductContent.created_at).label("latest"))
                .where(ProductContent.account_id == account.id).group_by(ProductContent.product_id).subquery())
    stmt = (select(Product, func.coalesce(versions.c.versions, 0).label("versions"),
                   func.coalesce(versions.c.approved, 0).label("approved"), versions.c.latest)
            .outerjoin(versions, versions.c.product_id == Product.id)
            .where(Product.account_id == account.id)
            .order_by(versions.c.latest.desc().nulls_last(), Product.name, Product.id))
    return paginate(stmt, page=page, size=size, scalars=False)


def content_groups(product: Product, *, limit: int = 300) -> list[dict]:
    """The product's versions grouped by channel and language (channels in their usual order), newest first."""
    rows = db.session.scalars(contents_query(product).limit(limit)).all()
    groups: dict[tuple, list] = {}
    for row in rows:
        groups.setdefault((row.channel.value, row.language), []).append(row)
    order = {c: i for i, c in enumerate(CHANNELS)}
    return [{"channel": c, "language": lang, "versions": versions}
            for (c, lang), versions in sorted(groups.items(), key=lambda kv: (order[kv[0][0]], kv[0][1]))]


def latest_job(product: Product) -> ContentJob | None:
    return db.session.scalar(select(ContentJob).where(ContentJob.product_id == product.id,
                                                      ContentJob.account_id == product.account_id)
                             .order_by(ContentJob.created_at.desc()).limit(1))


def product_choices(account: Account, *, limit: int = 100) -> list[Product]:
    """The account's products by name, for pickers."""
    return list(db.session.scalars(select(Product).where(Product.account_id == account.id)
                                   .order_by(Product.name, Product.id).limit(limit)))
