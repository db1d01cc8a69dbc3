"""Celery bound to the Flask app: every task runs inside an app context. One module per domain."""
from celery import Celery, Task, signals
from flask import Flask

from app.extensions import db
from app.observability import count_task

TASK_MODULES = ("app.tasks.auth", "app.tasks.ads", "app.tasks.audience", "app.tasks.campaigns", "app.tasks.media",
                "app.tasks.messaging", "app.tasks.promos", "app.tasks.ai", "app.tasks.webhooks",
                "app.tasks.reports")


def release_session() -> None:
    """After a task's work failed mid-transaction: roll back (freeing its row locks) before recording the failure."""
    db.session.rollback()


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.config_from_object("celeryconfig")
    celery.conf.update(broker_url=app.config["REDIS_URL"], result_backend=app.config["REDIS_URL"],
                       include=list(TASK_MODULES), **app.config.get("CELERY", {}))
    celery.set_default()
    app.extensions["celery"] = celery
    for module in TASK_MODULES:
        __import__(module)
    return celery


@signals.task_success.connect
def _succeeded(sender=None, **_kwargs):
    count_task(getattr(sender, "name", None), "success")


@signals.task_failure.connect
def _failed(sender=None, **_kwargs):
    count_task(getattr(sender, "name", None), "failure")


@signals.task_retry.connect
def _retried(sender=None, **_kwargs):
    count_task(getattr(sender, "name", None), "retry")
