"""Report tasks: render a PDF export on the reports queue (never in a request)."""
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app

from app.integrations import RetryableIntegrationError
from app.services import exports, report_pdf
from app.tasks import release_session
from app.tasks.retry import backoff

RENDER_SOFT_LIMIT = 300


@shared_task(bind=True, name="reports.render_pdf", max_retries=3, default_retry_delay=10, acks_late=True,
             soft_time_limit=RENDER_SOFT_LIMIT, time_limit=RENDER_SOFT_LIMIT + 30)
def render_pdf(self, job_id: str) -> str:
    """Render the export's PDF, store it and mark it completed; safe to run twice (only a queued job is taken).
    A storage hiccup retries with the one backoff policy; anything else fails the job with the reason."""
    job = exports.claim(job_id)
    if job is None:
        return "skipped"
    try:
        report = report_pdf.build(job.account, exports.filters_of(job),
                                  language=report_pdf.report_language(job.account, job.requester))
        exports.report_progress(job.id, 30, "Laying out the report")
        data = report_pdf.render(report, progress=lambda p, m: exports.report_progress(job.id, p, m))
        exports.report_progress(job.id, 90, "Saving the file")
        exports.complete(job, data=data, filename=report_pdf.filename_for(report))
        return "completed"
    except RetryableIntegrationError as exc:
        release_session()
        exports.requeue(job.id)
        backoff(self, exc)
        exports.fail(job.id, reason=str(exc))
    except SoftTimeLimitExceeded:
        release_session()
        exports.fail(job.id, reason=f"The report took longer than {RENDER_SOFT_LIMIT} s to draw")
    except Exception as exc:  # noqa: BLE001 - recorded on the job; the traceback goes to the log
        release_session()
        current_app.logger.exception("reports.render_pdf failed for %s", job_id)
        exports.fail(job.id, reason=f"Unexpected error ({exc.__class__.__name__})")
    return "failed"
