"""AI content API: campaign suggestions a person approves or rejects, product content versions, content jobs."""
from flask import jsonify, url_for
from flask.views import MethodView

from app.blueprints.ai.schemas import (
    ContentBatchSchema, ContentJobSchema, ContentQueryArgsSchema, ContentSchema, ContentUpdateSchema,
    DecisionSchema, GenerateContentSchema, SuggestionBatchSchema, SuggestionCreateSchema, SuggestionQueryArgsSchema,
    SuggestionSchema, UsageSchema,
)
from app.blueprints.common import Blueprint, page_response, page_schema
from app.models import MemberRole
from app.security import account_role_required, current_account, current_user, editor_required
from app.services import ai_content, ai_suggestions, ai_usage, campaigns

api_blp = Blueprint("ai-api", __name__, url_prefix="/api/v1",
                    description="AI-written copy: campaign suggestions approved by a person, product content per "
                                "channel and language. OpenAI when configured, else offline templates "
                                "(template_generated: true). Provider failures answer 502 and store nothing.")
viewer_required = account_role_required(MemberRole.VIEWER)


def _plain(args: dict) -> dict:
    """Query arguments with enum members as the values the services filter on."""
    return {k: (v.value if hasattr(v, "value") else v) for k, v in args.items()}


@api_blp.route("/campaigns/<uuid:campaign_id>/suggestions")
class Suggestions(MethodView):
    @viewer_required
    @api_blp.arguments(SuggestionQueryArgsSchema, location="query")
    @api_blp.response(200, page_schema(SuggestionSchema, "suggestions"))
    def get(self, args, campaign_id):
        """The campaign's suggestions, newest first (filter by status, kind, language)"""
        campaign = campaigns.get_campaign(current_account(), campaign_id)
        return page_response(ai_suggestions.list_suggestions(campaign, **_plain(args)), "suggestions")

    @editor_required
    @api_blp.arguments(SuggestionCreateSchema)
    @api_blp.response(201, SuggestionBatchSchema)
    def post(self, data, campaign_id):
        """Write titles, email subjects, a body, hashtags and a summary from the campaign, its products and its
        audience; all pending until a person approves or rejects them

        429 when the account's monthly token budget is spent; 502 when the provider fails or its answer is
        unusable (nothing is stored).
        """
        campaign = campaigns.get_campaign(current_account(), campaign_id)
        rows = ai_suggestions.generate_suggestions(
            campaign, actor=current_user(), language=data["language"] or data["language_code"], tone=data["tone"],
            product_ids=data["product_ids"])
        return {"suggestions": rows}


@api_blp.route("/campaigns/<uuid:campaign_id>/suggestions/<uuid:suggestion_id>")
class SuggestionById(MethodView):
    @viewer_required
    @api_blp.response(200, SuggestionSchema)
    def get(self, campaign_id, suggestion_id):
        """One suggestion"""
        campaign = campaigns.get_campaign(current_account(), campaign_id)
        return ai_suggestions.get_suggestion(campaign, suggestion_id)

    @editor_required
    @api_blp.arguments(DecisionSchema)
    @api_blp.response(200, SuggestionSchema)
    def post(self, data, campaign_id, suggestion_id):
        """Approve or reject a pending suggestion (409 once decided); an approved subject (email) or body (email,
        WhatsApp) becomes the campaign's content for its language"""
        campaign = campaigns.get_campaign(current_account(), campaign_id)
        return ai_suggestions.decide_suggestion(campaign, suggestion_id, actor=current_user(), action=data["action"])


@api_blp.route("/products/<uuid:product_id>/generate-content")
class GenerateContent(MethodView):
    @editor_required
    @api_blp.arguments(GenerateContentSchema)
    @api_blp.response(201, ContentBatchSchema)
    @api_blp.alt_response(202, schema=ContentJobSchema, description="A larger batch, written by a worker")
    def post(self, data, product_id):
        """Write a new version of the product's copy per channel and language (earlier versions are kept)

        Up to AI_INLINE_MAX_ITEMS pieces are written now (201); a larger batch answers 202 with a job whose
        progress is at its Location. 502 when the provider fails or its answer is unusable (nothing stored).
        """
        product = ai_content.get_product(current_account(), product_id)
        languages = data["languages"] or ([data["language_code"]] if data["language_code"] else None)
        outcome = ai_content.generate_product_content(
            product, actor=current_user(), channels=[c.value for c in data["channels"] or []] or None,
            languages=languages, tone=data["tone"], keywords=data["keywords"], audience=data["audience"])
        if outcome.job is not None:
            response = jsonify(ContentJobSchema().dump(outcome.job))
            response.status_code = 202
            response.headers["Location"] = url_for("ai-api.ContentJobById", product_id=product_id,
                                                   job_id=outcome.job.id)
            return response
        return {"contents": outcome.contents}


@api_blp.route("/products/<uuid:product_id>/content")
class Contents(MethodView):
    @viewer_required
    @api_blp.arguments(ContentQueryArgsSchema, location="query")
    @api_blp.response(200, page_schema(ContentSchema, "contents"))
    def get(self, args, product_id):
        """The product's content versions, newest first (filter by channel, language, status)"""
        product = ai_content.get_product(current_account(), product_id)
        return page_response(ai_content.list_product_contents(product, **_plain(args)), "contents")


@api_blp.route("/products/<uuid:product_id>/content/<uuid:content_id>")
class ContentById(MethodView):
    @viewer_required
    @api_blp.response(200, ContentSchema)
    def get(self, product_id, content_id):
        """One content version"""
        product = ai_content.get_product(current_account(), product_id)
        return ai_content.get_product_content(product, content_id)

    @editor_required
    @api_blp.arguments(ContentUpdateSchema)
    @api_blp.response(200, ContentSchema)
    def put(self, data, product_id, content_id):
        """Edit the text (subject for email, hashtags for social) and the status: draft, approved, archived;
        approving a version archives the one approved before for that channel and language"""
        product = ai_content.get_product(current_account(), product_id)
        content = ai_content.get_product_content(product, content_id, for_update=True)
        if "status" in data:
            data["status"] = data["status"].value
        return ai_content.update_product_content(content, actor=current_user(), **data)


@api_blp.route("/products/<uuid:product_id>/content-jobs/<uuid:job_id>")
class ContentJobById(MethodView):
    @viewer_required
    @api_blp.response(200, ContentJobSchema)
    def get(self, product_id, job_id):
        """A content batch's status and progress"""
        ai_content.get_product(current_account(), product_id)
        return ai_content.get_job(current_account(), job_id, product_id=product_id)


@api_blp.route("/ai/usage")
class Usage(MethodView):
    @viewer_required
    @api_blp.response(200, UsageSchema)
    def get(self):
        """The AI provider in use, the account's tokens and cost this month, its monthly budget and languages"""
        return ai_usage.usage_summary(current_account())
