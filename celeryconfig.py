"""Celery's own settings: queues, routes, reliability and the beat schedule (broker comes from REDIS_URL)."""
from celery.schedules import crontab
from kombu import Queue

task_default_queue = "default"
task_queues = [Queue(name) for name in ("default", "ads", "messaging", "media", "webhooks")]
# Tasks are named <domain>.<verb_noun>; the domain picks the queue.
task_routes = {
    "ads.*": {"queue": "ads"},
    "messaging.*": {"queue": "messaging"},
    "media.*": {"queue": "media"},
    "webhooks.*": {"queue": "webhooks"},
}

# At-least-once: a task is acknowledged after it ran, so a crashed worker's task runs again (tasks are idempotent).
task_acks_late = True
task_reject_on_worker_lost = True
worker_prefetch_multiplier = 1
broker_connection_retry_on_startup = True
broker_transport_options = {"visibility_timeout": 3600}
task_serializer = result_serializer = "json"
accept_content = ["json"]
result_expires = 3600
timezone = "UTC"
enable_utc = True

beat_schedule = {
    "ads-refresh-statuses": {"task": "ads.refresh_statuses", "schedule": 60.0},
    "campaigns-advance-lifecycle": {"task": "campaigns.advance_lifecycle", "schedule": 60.0},
    "auth-cleanup-tokens": {"task": "auth.cleanup_tokens", "schedule": crontab(hour=3, minute=17)},
}
