"""Webhook tasks: send one delivery's try, and beat's sweep of tries that are due."""
from celery import shared_task
from flask import current_app

from app.services import webhook_delivery
from app.services import webhooks  # noqa: F401 - connects the event_recorded receiver in every process
from app.services import dispatch
from app.tasks.retry import delay

DELIVER_SOFT_LIMIT = 60  # one POST with WEBHOOKS_TIMEOUT per read; a receiver that drips its answer is cut off


def _backoff(retries: int, retry_after: float | None) -> float:
    """The one retry policy, with the webhooks' base and a cap of hours so the tries span about a day."""
    config = current_app.config
    return delay(retries, base=config["WEBHOOKS_RETRY_BASE"], cap=config["WEBHOOKS_RETRY_CAP"],
                 retry_after=retry_after)


@shared_task(name="webhooks.deliver", acks_late=True, soft_time_limit=DELIVER_SOFT_LIMIT,
             time_limit=DELIVER_SOFT_LIMIT + 30)
def deliver(delivery_id: str) -> str:
    """Try to deliver once; retries are scheduled on the row (countdown or beat), so a lost task is not lost
    work: beat takes a try whose worker died once its lease ends. Safe to run twice."""
    return webhook_delivery.deliver(delivery_id, backoff=_backoff)


@shared_task(name="webhooks.retry_due", soft_time_limit=50, time_limit=60)
def retry_due() -> int:
    """Every 30 s from beat: send each delivery whose next try is due (or whose worker vanished) to a worker."""
    due = webhook_delivery.due_deliveries()
    for delivery_id in due:
        dispatch.enqueue("webhooks.deliver", delivery_id)
    return len(due)
