"""Amazon Ads sync tasks: push a new campaign (with retries), refresh every campaign's status each minute."""
from celery import shared_task
from flask import current_app

from app.services import ads


@shared_task(bind=True, name="ads.push_campaign", max_retries=None, acks_late=True)
def push_campaign(self, campaign_id: str, reason: str = "create") -> str:
    """Create the campaign in Amazon Ads once; safe to run twice. 429/500 retry with backoff, then FAILED."""
    error = ads.push_campaign(campaign_id)
    if error is None:
        return "done"
    max_retries = current_app.config["AMAZON_ADS_MAX_RETRIES"]
    if self.request.retries >= max_retries:
        ads.mark_failed(campaign_id, reason=str(error))
        return "failed"
    # Retry-After is a floor: never come back sooner than Amazon asked, even if our backoff is shorter.
    countdown = max(error.retry_after or 0, ads.backoff(self.request.retries))
    raise self.retry(countdown=countdown, max_retries=max_retries)


@shared_task(name="ads.refresh_statuses")
def refresh_statuses() -> dict:
    """Every minute from beat: statuses move on and today's metrics are pulled for live campaigns."""
    return ads.refresh_statuses()
