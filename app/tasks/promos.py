"""Flash promos on the clock: activation and finish (ETA tasks and beat), hold expiry, customer notifications."""
from celery import shared_task
from flask import current_app

from app.integrations import RetryableIntegrationError
from app.services import promo_notify, promos, reservations
from app.services.dispatch import enqueue
from app.tasks import release_session
from app.tasks.retry import backoff


@shared_task(name="promos.activate_promo", soft_time_limit=60, time_limit=90)
def activate_promo(promo_id: str) -> bool:
    """At the promo's start (ETA): scheduled → active once, then notify; early or repeated runs do nothing."""
    return promos.activate_promo(promo_id)


@shared_task(name="promos.finish_promo", soft_time_limit=60, time_limit=90)
def finish_promo(promo_id: str) -> bool:
    """At the promo's end (ETA): → finished once; a no-op if it is not over or was cancelled."""
    return promos.finish_promo(promo_id)


@shared_task(name="promos.advance_promos", soft_time_limit=50, time_limit=60)
def advance_promos() -> dict:
    """Beat, every 15 s: activate due promos and finish ended ones (the safety net of the ETA tasks)."""
    return promos.advance_promos()


@shared_task(name="promos.expire_holds", soft_time_limit=20, time_limit=30)
def expire_holds() -> int:
    """Beat, every 5 s: expire holds past their time and give their stock back once."""
    return reservations.expire_holds()


@shared_task(name="promos.notify_promo", soft_time_limit=540, time_limit=600)
def notify_promo(promo_id: str) -> int:
    """Notify the promo's eligible customers not yet notified today (and not reserving); safe to run twice."""
    return promo_notify.notify_promo(promo_id)


@shared_task(bind=True, name="promos.send_notifications", max_retries=5, soft_time_limit=300, time_limit=330)
def send_notifications(self, promo_id: str) -> dict:
    """Send a promo's queued email or WhatsApp notifications; temporary provider failures retry with backoff,
    then what is left fails with the reason; a long queue continues in a new task."""
    try:
        result = promo_notify.send_notifications(promo_id)
    except RetryableIntegrationError as exc:
        release_session()
        backoff(self, exc, base=current_app.config["MESSAGING_RETRY_BASE"])
        return {"failed": promo_notify.fail_queued(promo_id, reason=str(exc))}
    if result["more"]:
        enqueue("promos.send_notifications", promo_id)
    return result


@shared_task(name="promos.renotify_active", soft_time_limit=60, time_limit=90)
def renotify_active() -> int:
    """Beat, hourly: each active promo notifies again; the daily key lets each customer in once a day."""
    return promos.renotify_active_promos()
