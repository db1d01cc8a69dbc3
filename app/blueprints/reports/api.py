"""Reports API: campaigns, customers and messages as CSV (streamed), campaigns as a PDF report (an export job)."""
from flask.views import MethodView

from app.blueprints.common import Blueprint, PaginationArgsSchema, page_response, page_schema
from app.blueprints.reports import csv_response
from app.blueprints.reports.schemas import (
    CampaignExportArgsSchema, CustomerExportArgsSchema, ExportJobSchema, MessageExportArgsSchema,
    PromoExportArgsSchema,
)
from app.security import current_account, current_user, viewer_required
from app.services import campaigns, exports, reports_csv, reports_promos

api_blp = Blueprint("reports-api", __name__, url_prefix="/api/v1",
                    description="Exports: CSV streamed with the lists' filters, PDF reports rendered in the background")
CSV = {"200": {"description": "The rows as CSV (UTF-8 with a byte-order mark)", "content": {"text/csv": {}}}}


def _filters(args: dict) -> dict:
    return {k: v for k, v in args.items() if k != "format" and v not in (None, "")}


@api_blp.route("/campaigns/export")
class CampaignExport(MethodView):
    decorators = [viewer_required]

    @api_blp.arguments(CampaignExportArgsSchema, location="query")
    @api_blp.alt_response(202, schema=ExportJobSchema, description="format=pdf: the export job, rendered by a worker")
    @api_blp.doc(responses=CSV)
    def get(self, args):
        """Campaigns with their results, filtered like the list: CSV now, or a PDF report (202 and a job to follow
        at /exports/{id})"""
        filters = _filters(args)
        if args["format"] == "pdf":
            campaigns.campaigns_query(current_account(), **filters)  # bad filters answer 422 now, not in the task
            job = exports.request_pdf(current_account(), actor=current_user(), kind="campaigns", filters=filters)
            return ExportJobSchema().dump(job), 202
        export = reports_csv.campaigns_export(current_account(), **filters)
        exports.log_csv_export(current_account(), actor=current_user(), kind="campaigns", filters=filters)
        return csv_response(export)


@api_blp.route("/customers/export")
class CustomerExport(MethodView):
    decorators = [viewer_required]

    @api_blp.arguments(CustomerExportArgsSchema, location="query")
    @api_blp.doc(responses=CSV)
    def get(self, args):
        """Customers filtered like the list, as CSV (streamed: a million rows take constant memory)"""
        filters = _filters(args)
        export = reports_csv.customers_export(current_account(), **filters)
        exports.log_csv_export(current_account(), actor=current_user(), kind="customers", filters=filters)
        return csv_response(export)


@api_blp.route("/campaigns/<uuid:campaign_id>/messages/export")
class MessageExport(MethodView):
    decorators = [viewer_required]

    @api_blp.arguments(MessageExportArgsSchema, location="query")
    @api_blp.doc(responses=CSV)
    def get(self, args, campaign_id):
        """The campaign's messages, one per recipient, filtered like its message log, as CSV"""
        campaign = campaigns.get_campaign(current_account(), campaign_id)
        filters = _filters(args)
        export = reports_csv.messages_export(campaign, **filters)
        exports.log_csv_export(current_account(), actor=current_user(), kind="messages",
                               filters={"campaign_id": str(campaign.id), **filters})
        return csv_response(export)


@api_blp.route("/promos/export")
class PromoExport(MethodView):
    decorators = [viewer_required]

    @api_blp.arguments(PromoExportArgsSchema, location="query")
    @api_blp.doc(responses=CSV)
    def get(self, args):
        """Flash promo results as CSV: stock left, live holds, confirmed units and revenue, cancelled and expired
        units, customers notified; filtered like the promo list"""
        filters = _filters(args)
        export = reports_promos.promos_export(current_account(), **filters)
        exports.log_csv_export(current_account(), actor=current_user(), kind="promos",
                               filters={k: str(v) for k, v in filters.items()})
        return csv_response(export)


@api_blp.route("/exports")
class Exports(MethodView):
    decorators = [viewer_required]

    @api_blp.arguments(PaginationArgsSchema, location="query")
    @api_blp.response(200, page_schema(ExportJobSchema, "exports"))
    def get(self, args):
        """The account's PDF export jobs, newest first"""
        return page_response(exports.list_exports(current_account(), **args), "exports")


@api_blp.route("/exports/<uuid:export_id>")
class ExportById(MethodView):
    decorators = [viewer_required]

    @api_blp.response(200, ExportJobSchema)
    def get(self, export_id):
        """An export job: status, progress and, once completed, a signed download_url"""
        return exports.get_export(current_account(), export_id)
