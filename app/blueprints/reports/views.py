"""Reports pages: export campaigns and customers as CSV, ask for a PDF report and follow it, download it."""
from datetime import datetime, timezone

from flask import Blueprint, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.blueprints.common import page_number
from app.blueprints.forms import attempt
from app.blueprints.reports import csv_response, download_url
from app.errors import ValidationError
from app.models import CampaignStatus, Channel, ExportStatus
from app.security import current_account, current_user, viewer_required
from app.services import campaigns, exports, reports_csv, reports_promos

pages_bp = Blueprint("reports", __name__)
STATUS_LABELS = {ExportStatus.QUEUED: _l("Waiting"), ExportStatus.RUNNING: _l("Drawing"),
                 ExportStatus.COMPLETED: _l("Ready"), ExportStatus.FAILED: _l("Failed")}
CAMPAIGN_FILTERS = ("status", "channel", "search", "start_date", "end_date")
CUSTOMER_FILTERS = ("search", "tag", "language")


def _campaign_filters(source) -> dict:
    """The campaign list's filters from a query string or form; a bad value is a ValidationError (422)."""
    filters = {k: source.get(k, "").strip() for k in CAMPAIGN_FILTERS if source.get(k, "").strip()}
    if filters.get("status") and filters["status"] not in {s.value for s in CampaignStatus}:
        raise ValidationError(details={"status": ["Unknown status"]})
    if filters.get("channel") and filters["channel"] not in {c.value for c in Channel}:
        raise ValidationError(details={"channel": ["Unknown channel"]})
    for name in ("start_date", "end_date"):
        if name in filters:
            try:
                filters[name] = datetime.fromisoformat(filters[name]).replace(tzinfo=timezone.utc)
            except ValueError:
                raise ValidationError(details={name: ["Not a date"]}) from None
    return filters


@pages_bp.get("/reports")
@viewer_required
def index():
    page = exports.list_exports(current_account(), page=page_number(), size=10)
    return render_template("reports/index.html", page=page, labels=STATUS_LABELS, download_url=download_url,
                           statuses=list(CampaignStatus), channels=list(Channel))


@pages_bp.route("/reports/campaigns.csv", methods=["GET", "POST"])
@viewer_required
def campaigns_csv():
    """The campaigns as CSV: GET with the filters in the query (links), POST from the page's form."""
    filters = _campaign_filters(request.values)
    export = reports_csv.campaigns_export(current_account(), **filters)
    exports.log_csv_export(current_account(), actor=current_user(), kind="campaigns", filters=filters)
    return csv_response(export)


@pages_bp.get("/reports/customers.csv")
@viewer_required
def customers_csv():
    filters = {k: request.args[k].strip() for k in CUSTOMER_FILTERS if request.args.get(k, "").strip()}
    export = reports_csv.customers_export(current_account(), **filters)
    exports.log_csv_export(current_account(), actor=current_user(), kind="customers", filters=filters)
    return csv_response(export)


@pages_bp.get("/reports/promos.csv")
@viewer_required
def promos_csv():
    export = reports_promos.promos_export(current_account())
    exports.log_csv_export(current_account(), actor=current_user(), kind="promos", filters={})
    return csv_response(export)


@pages_bp.post("/reports/pdf")
@viewer_required
def request_pdf():
    def ask():
        filters = _campaign_filters(request.form)
        campaigns.campaigns_query(current_account(), **filters)
        return exports.request_pdf(current_account(), actor=current_user(), kind="campaigns", filters=filters)

    attempt(ask, _("Your PDF report is being drawn; it appears below, and a notification says when it is ready."))
    return redirect(url_for("reports.index"))


@pages_bp.get("/reports/exports/<uuid:export_id>/status")
@viewer_required
def export_status(export_id):
    """The progress bar's feed (app.js): status, progress and message as JSON."""
    job = exports.get_export(current_account(), export_id)
    return jsonify(status=str(job.status), progress=job.progress, message=str(STATUS_LABELS[job.status]))


@pages_bp.get("/reports/download/<token>")
def download(token):
    """Serve a finished export to whoever holds its signed link (an hour); on S3 a redirect to a presigned URL."""
    found = exports.open_download(token)
    if found.url is not None:
        response = redirect(found.url, code=302)
    else:
        response = send_file(found.stream, mimetype="application/pdf", as_attachment=True,
                             download_name=found.job.filename, conditional=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response
