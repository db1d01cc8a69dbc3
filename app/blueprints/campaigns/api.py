"""Campaigns API: CRUD, lifecycle, stats and metrics, Amazon Ads sync on demand."""
from flask.views import MethodView

from app.blueprints.campaigns.schemas import (
    CampaignCreateSchema, CampaignDetailSchema, CampaignQueryArgsSchema, CampaignSchema, CampaignUpdateSchema,
    DetailArgsSchema, MetricsArgsSchema, MetricsSchema, StatsSchema, StatusChangeSchema,
)
from app.blueprints.answers import NOT_MODIFIED, AnswerCache
from app.blueprints.common import Blueprint, page_schema
from app.security import current_account, current_user, editor_required, viewer_required
from app.services import campaign_reads, campaign_stats, campaigns

api_blp = Blueprint("campaigns-api", __name__, url_prefix="/api/v1/campaigns",
                    description="Campaigns of every channel, their lifecycle, stats and Amazon Ads sync")
# The API's most read answers: a campaign's detail without breakdowns, and pages of the list.
details, pages = AnswerCache(), AnswerCache()
CampaignPageSchema = page_schema(CampaignSchema, "campaigns")
_detail_schema, _page_schema = CampaignDetailSchema(), CampaignPageSchema()


@api_blp.route("")
class Campaigns(MethodView):
    @viewer_required
    @api_blp.arguments(CampaignQueryArgsSchema, location="query")
    @api_blp.response(200, CampaignPageSchema)
    @api_blp.alt_response(304, description=NOT_MODIFIED)
    def get(self, args):
        """Campaigns of the account, filtered, searched (name and description), sorted and paged"""
        account, page, size = current_account(), args.pop("page"), args.pop("size")
        return pages.page((account.id, page, size, *sorted(args.items())),
                          lambda: campaigns.campaigns_query(account, **args), page=page, size=size,
                          read=campaign_reads.page_with_counters, schema=_page_schema, name="campaigns")

    @editor_required
    @api_blp.arguments(CampaignCreateSchema)
    @api_blp.response(201, CampaignSchema)
    def post(self, data):
        """Create a campaign (draft by default); an amazon_ads one is pushed to Amazon Ads in the background"""
        campaign = campaigns.create_campaign(current_account(), actor=current_user(), **data)
        return campaign_reads.campaign_view(campaign)


@api_blp.route("/<uuid:campaign_id>")
class CampaignById(MethodView):
    @viewer_required
    @api_blp.arguments(DetailArgsSchema, location="query")
    @api_blp.response(200, CampaignDetailSchema)
    @api_blp.alt_response(304, description=NOT_MODIFIED)
    def get(self, args, campaign_id):
        """One campaign with its stats; its periods (months) and sites with `?include=periods,sites`

        The campaign and its stats are one database statement; each breakdown asked for is computed from the
        campaign's daily metrics in one more.
        """
        account = current_account()
        if args["include"]:
            return campaign_reads.campaign_detail(account, campaign_id, include=args["include"])
        key = (account.id, campaign_id)
        answer = details.get(key, campaign_reads.detail_fingerprint(account, campaign_id))
        if answer is None:
            view = campaign_reads.campaign_detail(account, campaign_id)
            answer = details.put(key, view.fingerprint, _detail_schema.dump(view))
        return answer

    @editor_required
    @api_blp.arguments(CampaignUpdateSchema)
    @api_blp.response(200, CampaignSchema)
    def put(self, data, campaign_id):
        """Change only the fields sent; a status change follows the lifecycle"""
        campaign = campaigns.get_campaign(current_account(), campaign_id)
        return campaign_reads.campaign_view(campaigns.update_campaign(campaign, actor=current_user(), **data))

    @editor_required
    @api_blp.arguments(CampaignUpdateSchema)
    @api_blp.response(200, CampaignSchema)
    def patch(self, data, campaign_id):
        """Change some fields"""
        campaign = campaigns.get_campaign(current_account(), campaign_id)
        return campaign_reads.campaign_view(campaigns.update_campaign(campaign, actor=current_user(), **data))

    @editor_required
    @api_blp.response(204)
    def delete(self, campaign_id):
        """Delete (softly, kept in the activity log); an active campaign must be cancelled first"""
        campaigns.delete_campaign(campaigns.get_campaign(current_account(), campaign_id), actor=current_user())


@api_blp.route("/by-name/<path:name>")
class CampaignByName(MethodView):
    @viewer_required
    @api_blp.arguments(DetailArgsSchema, location="query")
    @api_blp.response(200, CampaignDetailSchema)
    def get(self, args, name):
        """One campaign by its name (case-insensitive), with its stats, periods (months) and sites

        `?include=` narrows the breakdowns: `include=periods` leaves the sites out.
        """
        campaign = campaigns.get_campaign_by_name(current_account(), name)
        include = args["include"] or campaign_reads.INCLUDES
        return campaign_reads.campaign_detail(current_account(), campaign.id, include=include)


@api_blp.route("/<uuid:campaign_id>/status")
class CampaignStatusChange(MethodView):
    @editor_required
    @api_blp.arguments(StatusChangeSchema)
    @api_blp.response(200, CampaignSchema)
    def patch(self, data, campaign_id):
        """Move the campaign along draft → scheduled → active ⇄ paused → finished, or cancel it; 409 otherwise"""
        campaign = campaigns.get_campaign(current_account(), campaign_id)
        return campaign_reads.campaign_view(
            campaigns.change_status(campaign, actor=current_user(), new_status=data["new_status"]))


@api_blp.route("/<uuid:campaign_id>/stats")
class CampaignStats(MethodView):
    @viewer_required
    @api_blp.response(200, StatsSchema)
    def get(self, campaign_id):
        """Views, clicks, conversions, CTR %, conversion rate %, cost per click and conversion, total spent"""
        return campaign_reads.campaign_detail(current_account(), campaign_id).stats


@api_blp.route("/<uuid:campaign_id>/metrics")
class CampaignMetrics(MethodView):
    @viewer_required
    @api_blp.arguments(MetricsArgsSchema, location="query")
    @api_blp.response(200, MetricsSchema)
    def get(self, args, campaign_id):
        """Performance per day, week, month (or period) or site"""
        campaign = campaigns.get_campaign(current_account(), campaign_id)
        return {"campaign_id": campaign.id, "group_by": args["group_by"],
                "rows": campaign_stats.campaign_metrics(campaign, group_by=args["group_by"])}


@api_blp.route("/<uuid:campaign_id>/sync")
class CampaignSync(MethodView):
    @editor_required
    @api_blp.response(202, CampaignSchema)
    def post(self, campaign_id):
        """Push the campaign to Amazon Ads now (or refresh its status if it is there already)"""
        campaign = campaigns.get_campaign(current_account(), campaign_id)
        return campaign_reads.campaign_view(campaigns.request_sync(campaign, actor=current_user()))
