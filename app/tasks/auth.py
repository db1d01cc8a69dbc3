"""Housekeeping of authentication data."""
from celery import shared_task

from app.services import auth, idempotency


@shared_task(name="auth.cleanup_tokens", soft_time_limit=300, time_limit=360)
def cleanup_tokens() -> dict:
    """Delete expired and revoked refresh tokens and stale idempotency keys; safe to run twice."""
    return {"refresh_tokens": auth.cleanup_tokens(), "idempotency_keys": idempotency.purge_expired()}
