"""Celery's own settings: queues, routes, reliability and the beat schedule (broker comes from REDIS_URL)."""
from celery.schedules import crontab
from kombu import Queue

task_default_queue = "default"
# A queue exists only once a task is routed to it (tests/platform/test_honest_docs.py checks it).
task_queues = [Queue(name) for name in ("default", "ads", "media", "messaging", "webhooks", "reports")]
# Tasks are named <domain>.<verb_noun>; the domain picks the queue, "default" takes the rest.
task_routes = {
    "ads.*": {"queue": "ads"},
    "media.*": {"queue": "media"},
    "messaging.*": {"queue": "messaging"},
    "webhooks.*": {"queue": "webhooks"},
    "reports.*": {"queue": "reports"},
}

# At-least-once: a task is acknowledged after it ran, so a crashed worker's task runs again (tasks are idempotent).
task_acks_late = True
task_reject_on_worker_lost = True
worker_prefetch_multiplier = 1
broker_connection_retry_on_startup = True
broker_transport_options = {"visibility_timeout": 3600}
# Every task has time limits: its own (see app/tasks/), else these. At the soft limit the task gets an exception
# and records why it stopped; at the hard limit its process is killed (prefork) and the connections, with any
# advisory lock, go with it. Stalled imports are then picked up by audience.recover_stalled_imports.
task_soft_time_limit = 600
task_time_limit = 660
task_serializer = result_serializer = "json"
accept_content = ["json"]
result_expires = 3600
timezone = "UTC"
enable_utc = True

beat_schedule = {
    "ads-refresh-statuses": {"task": "ads.refresh_statuses", "schedule": 60.0},
    "campaigns-advance-lifecycle": {"task": "campaigns.advance_lifecycle", "schedule": 60.0},
    "auth-cleanup-tokens": {"task": "auth.cleanup_tokens", "schedule": crontab(hour=3, minute=17)},
    "audience-recover-stalled-imports": {"task": "audience.recover_stalled_imports", "schedule": 60.0},
    "messaging-start-due-sends": {"task": "messaging.start_due_sends", "schedule": 60.0},
    "messaging-resume-stalled-sends": {"task": "messaging.resume_stalled_sends", "schedule": 60.0},
    "promos-advance-promos": {"task": "promos.advance_promos", "schedule": 15.0},
    "promos-expire-holds": {"task": "promos.expire_holds", "schedule": 5.0},
    "promos-renotify-active": {"task": "promos.renotify_active", "schedule": 3600.0},
    "webhooks-retry-due": {"task": "webhooks.retry_due", "schedule": 30.0},
}
