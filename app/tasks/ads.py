"""Amazon Ads sync tasks: push a new campaign (with retries), refresh every campaign's status each minute."""
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app

from app.integrations import RetryableIntegrationError
from app.services import ads
from app.tasks import release_session
from app.tasks.retry import backoff

PUSH_SOFT_LIMIT = 60  # one Amazon call; the simulator answers in milliseconds


@shared_task(bind=True, name="ads.push_campaign", max_retries=None, acks_late=True,
             soft_time_limit=PUSH_SOFT_LIMIT, time_limit=PUSH_SOFT_LIMIT + 30)
def push_campaign(self, campaign_id: str, reason: str = "create") -> str:
    """Create the campaign in Amazon Ads once; safe to run twice. 429/500 retry with backoff, then FAILED.

    Anything else that stops it (its time limit, the database) also retries, and the last failure leaves the
    campaign FAILED with the reason rather than PENDING for ever. A refusal (4xx) fails it at once (the service).
    """
    try:
        ads.push_campaign(campaign_id)
        return "done"
    except RetryableIntegrationError as exc:
        error = exc
    except SoftTimeLimitExceeded:
        release_session()
        error = RetryableIntegrationError(f"Amazon Ads did not answer within {PUSH_SOFT_LIMIT} s")
    except Exception as exc:  # noqa: BLE001 - recorded on the campaign below; the traceback goes to the log
        release_session()
        current_app.logger.exception("ads.push_campaign failed for %s", campaign_id)
        error = RetryableIntegrationError(f"Unexpected error ({exc.__class__.__name__})")
    # Retry-After is a floor: never come back sooner than Amazon asked, even if our backoff is shorter.
    backoff(self, error, base=current_app.config["AMAZON_ADS_RETRY_BASE"],
            max_retries=current_app.config["AMAZON_ADS_MAX_RETRIES"])
    ads.mark_failed(campaign_id, reason=str(error))
    return "failed"


@shared_task(name="ads.refresh_statuses", soft_time_limit=240, time_limit=300)
def refresh_statuses() -> dict:
    """Every minute from beat: statuses move on and today's metrics are pulled for live campaigns."""
    return ads.refresh_statuses()
