"""Reports: CSV exports streamed, PDF reports rendered by a task, export jobs and their signed downloads."""
from flask import Response, stream_with_context, url_for

from app.models import ExportJob, ExportStatus
from app.services import exports, reports_csv


def download_url(job: ExportJob, external: bool = True) -> str | None:
    """A signed, expiring link to the finished file; None until it is ready."""
    if job.status != ExportStatus.COMPLETED:
        return None
    return url_for("reports.download", token=exports.download_token(job), _external=external)


def csv_response(export: reports_csv.CsvExport) -> Response:
    """The export streamed as it is read (constant memory), named for download."""
    response = Response(stream_with_context(reports_csv.stream(export)), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
