"""Amazon Ads sync: push a campaign once, refresh statuses and pull daily metrics, record failures."""
import uuid
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.integrations import IntegrationError, RetryableIntegrationError
from app.integrations.amazon_ads import AmazonAdsClient, amazon_ads_client
from app.models import AdsStatus, Campaign, CampaignMetric, CampaignStatus, Channel, utcnow
from app.services import locked, unit_of_work
from app.services.activity import record_event
from app.services.campaign_stats import upsert_metrics
from app.services.dispatch import enqueue_after_commit

AMAZON_SITE = "amazon.com"
REFRESH_BATCH = 200
# A campaign spends only while active: a draft or scheduled one has not started, a paused or ended one has
# stopped. Amazon keeps it either way; we pull no figures for it (and the pages say so).
NOT_SPENDING = (CampaignStatus.DRAFT.value, CampaignStatus.SCHEDULED.value, CampaignStatus.PAUSED.value,
                CampaignStatus.FINISHED.value, CampaignStatus.CANCELLED.value)
STUCK_PENDING = timedelta(minutes=10)


def client() -> AmazonAdsClient:
    return amazon_ads_client(current_app.config)


def _locked(campaign_id) -> Campaign | None:
    return db.session.scalar(locked(select(Campaign).where(
        Campaign.id == uuid.UUID(str(campaign_id)), Campaign.deleted_at.is_(None))))


@unit_of_work
def push_campaign(campaign_id) -> None:
    """Create the campaign in Amazon Ads unless it has an external id already; safe to run twice or in parallel.

    A refusal fails the campaign with the reason. A temporary failure raises RetryableIntegrationError for the
    task to retry, after the attempt and its error are recorded on the campaign.
    """
    # The row lock is held across the call on purpose: a second run (a redelivery, a racing worker)
    # waits here, then sees the external id and does not create a second remote campaign.
    campaign = _locked(campaign_id)
    if campaign is None or campaign.channel != Channel.AMAZON_ADS.value:
        return
    if campaign.external_id is not None:
        _refresh_one(client(), campaign)
        return
    campaign.sync_attempts += 1
    try:
        remote = client().create_campaign(name=campaign.name, budget=campaign.budget, keywords=campaign.keywords)
    except RetryableIntegrationError as exc:
        campaign.sync_error = f"{exc} (attempt {campaign.sync_attempts})"
        # The attempt is a fact to keep (the give-up reason counts attempts): committed before the error goes up.
        db.session.commit()
        raise
    except IntegrationError as exc:
        _fail(campaign, str(exc))
        return
    campaign.external_id, campaign.ads_status = remote.external_id, remote.status
    campaign.last_synced_at, campaign.sync_error = utcnow(), None
    record_event(campaign.account, None, "campaign.synced", campaign,
                 {"external_id": remote.external_id, "ads_status": remote.status})


def _fail(campaign: Campaign, reason: str) -> None:
    campaign.ads_status, campaign.sync_error, campaign.last_synced_at = AdsStatus.FAILED.value, reason, utcnow()
    record_event(campaign.account, None, "campaign.sync_failed", campaign, {"reason": reason})


@unit_of_work
def mark_failed(campaign_id, *, reason: str) -> None:
    """The last retry failed: FAILED, with the reason kept for people to read."""
    campaign = _locked(campaign_id)
    if campaign is not None and campaign.external_id is None:
        _fail(campaign, f"Gave up after {campaign.sync_attempts} attempts: {reason}")


def _spent_before(campaign: Campaign, day) -> Decimal:
    return db.session.scalar(select(func.coalesce(func.sum(CampaignMetric.spend), 0)).where(
        CampaignMetric.campaign_id == campaign.id, CampaignMetric.day < day)) or Decimal(0)


def _refresh_one(api: AmazonAdsClient, campaign: Campaign) -> list[dict]:
    """Update one campaign's status and return its metric rows to write; a temporary error waits for next time."""
    try:
        status = api.get_status(campaign.external_id)
        rows = []
        if status == AdsStatus.ACTIVE.value and campaign.status not in NOT_SPENDING:
            today = utcnow().date()
            days = [today]
            if campaign.last_synced_at is not None and campaign.last_synced_at.date() < today:
                days.insert(0, today - timedelta(days=1))  # close yesterday with its final figures
            for day in days:
                left = Decimal(campaign.budget) - _spent_before(campaign, day)
                m = api.daily_metrics(campaign.external_id, day=day, budget_left=left)
                rows.append({"campaign_id": campaign.id, "day": day, "site": AMAZON_SITE,
                             "impressions": m.impressions, "clicks": m.clicks, "conversions": m.conversions,
                             "spend": m.spend})
    except RetryableIntegrationError as exc:
        campaign.sync_error = f"Status refresh: {exc}"
        return []
    except IntegrationError as exc:
        _fail(campaign, str(exc))
        return []
    campaign.ads_status, campaign.last_synced_at, campaign.sync_error = status, utcnow(), None
    upsert_metrics(rows)
    return rows


@unit_of_work
def _refresh_batch(after: uuid.UUID | None) -> tuple[uuid.UUID | None, int, int]:
    stmt = (select(Campaign).where(
        Campaign.external_id.is_not(None), Campaign.deleted_at.is_(None),
        Campaign.ads_status.in_((AdsStatus.PROCESSING.value, AdsStatus.ACTIVE.value)))
        .order_by(Campaign.id).limit(REFRESH_BATCH)
        # A campaign being pushed right now is skipped, not waited for: the next minute gets it.
        .with_for_update(skip_locked=True))
    if after is not None:
        stmt = stmt.where(Campaign.id > after)
    batch = db.session.scalars(stmt).all()
    api, metrics = client(), 0
    for campaign in batch:
        metrics += len(_refresh_one(api, campaign))
    return (batch[-1].id if batch else None), len(batch), metrics


@unit_of_work
def _requeue_stuck() -> int:
    # A push lost with its broker message would leave PENDING forever: send it again.
    ids = db.session.scalars(select(Campaign.id).where(
        Campaign.ads_status == AdsStatus.PENDING.value, Campaign.external_id.is_(None),
        Campaign.deleted_at.is_(None), Campaign.updated_at < utcnow() - STUCK_PENDING).limit(500)).all()
    for campaign_id in ids:
        enqueue_after_commit("ads.push_campaign", str(campaign_id))
    return len(ids)


def refresh_statuses() -> dict[str, int]:
    """Move every live Amazon campaign's status on and pull today's figures, in batches (keyset, not OFFSET)."""
    after, campaigns, metrics = None, 0, 0
    while True:
        after, count, pulled = _refresh_batch(after)
        campaigns, metrics = campaigns + count, metrics + pulled
        if count < REFRESH_BATCH:
            break
    return {"campaigns": campaigns, "metric_rows": metrics, "requeued": _requeue_stuck()}
