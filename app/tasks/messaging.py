"""Messaging on the `messaging` queue: start due sends once, send batches, resume stalled sends, alert emails."""
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app

from app.integrations import IntegrationError, RetryableIntegrationError
from app.services import messaging, messaging_dispatch, messaging_fanout, notifications
from app.tasks import release_session
from app.tasks.retry import backoff

# A batch of 500 at the default 50 messages/s takes 10 s; minutes mean a provider that hangs.
BATCH_SOFT_LIMIT = 600


@shared_task(name="messaging.start_due_sends", soft_time_limit=50, time_limit=60)
def start_due_sends() -> dict:
    """Every minute from beat: hand every due scheduled send to messaging.start_send, and the batches of
    local-time sends that fall due within the next minute and a half to workers (with their due time as ETA)."""
    released = messaging_fanout.release_due_batches()
    return {"sends": messaging.start_due_sends(), "batches": released}


@shared_task(name="messaging.start_send", acks_late=True, soft_time_limit=300, time_limit=330)
def start_send(send_id: str) -> dict | None:
    """Start one send (scheduled → sending) and fan out its messages; a second run finds it started and stops."""
    return messaging.start_send(send_id)


# ignore_result: nobody reads a batch's result, and with a result backend every publish would also subscribe to
# the task's result channel (two more Redis round trips per batch when a send starts).
@shared_task(bind=True, name="messaging.send_batch", max_retries=None, acks_late=True, ignore_result=True,
             soft_time_limit=BATCH_SOFT_LIMIT, time_limit=BATCH_SOFT_LIMIT + 30)
def send_batch(self, send_id: str, batch_no: int) -> dict:
    """Send one batch; temporary provider failures retry with backoff (Retry-After honoured), then fail the rest."""
    max_retries = current_app.config["MESSAGING_MAX_ATTEMPTS"]
    try:
        return messaging_dispatch.send_batch(send_id, batch_no)
    except RetryableIntegrationError as exc:
        release_session()
        backoff(self, exc, base=current_app.config["MESSAGING_RETRY_BASE"], max_retries=max_retries)
        messaging_dispatch.fail_batch(send_id, batch_no, reason=str(exc))
        return {"status": "failed", "reason": str(exc)}
    except SoftTimeLimitExceeded:
        # What was claimed stays `sending` and is reclaimed after the lease; the rest waits for the resume.
        release_session()
        raise


@shared_task(name="messaging.resume_stalled_sends", soft_time_limit=50, time_limit=60)
def resume_stalled_sends() -> dict:
    """Every minute from beat: sends whose workers stopped get their messages back and their batches again."""
    return messaging_dispatch.resume_stalled_sends()


@shared_task(bind=True, name="messaging.send_alert", max_retries=5, soft_time_limit=60, time_limit=90)
def send_alert(self, subject: str, body: str) -> str | None:
    """Email ALERT_EMAIL about a notification; retried on temporary SMTP failures, dropped on permanent ones."""
    try:
        return notifications.send_alert(subject, body)
    except RetryableIntegrationError as exc:
        backoff(self, exc, base=current_app.config["MESSAGING_RETRY_BASE"])
        current_app.logger.warning("alert email not sent after retries: %s", exc)
        return None
    except IntegrationError as exc:
        current_app.logger.warning("alert email refused: %s", exc)
        return None
