"""Audience API: segments (saved rule trees over customers), their previews and live counts."""
from flask.views import MethodView

from app.blueprints.common import page_response, page_schema
from app.blueprints.customers.api import api_blp
from app.blueprints.customers.schemas import (
    SegmentCountSchema, SegmentCreateSchema, SegmentPreviewSchema, SegmentQueryArgsSchema, SegmentRulesSchema,
    SegmentSchema, SegmentUpdateSchema,
)
from app.security import current_account, current_user, editor_required, login_required
from app.services import segments


@api_blp.route("/segments")
class Segments(MethodView):
    @login_required
    @api_blp.arguments(SegmentQueryArgsSchema, location="query")
    @api_blp.response(200, page_schema(SegmentSchema, "segments"))
    def get(self, args):
        """Saved segments of the account, by name"""
        return page_response(segments.list_segments(current_account(), **args), "segments")

    @editor_required
    @api_blp.arguments(SegmentCreateSchema)
    @api_blp.response(201, SegmentSchema)
    def post(self, data):
        """Save a segment; invalid rules answer 422 naming the bad condition"""
        return segments.create_segment(current_account(), actor=current_user(), **data)


@api_blp.route("/segments/count")
class SegmentCount(MethodView):
    @login_required
    @api_blp.arguments(SegmentRulesSchema)
    @api_blp.response(200, SegmentCountSchema)
    def post(self, data):
        """Count the customers matching rules without saving them (the builder's live count)"""
        return {"count": segments.count_matching(current_account(), data["rules"])}


@api_blp.route("/segments/<uuid:segment_id>")
class SegmentById(MethodView):
    @login_required
    @api_blp.response(200, SegmentSchema)
    def get(self, segment_id):
        """One segment"""
        return segments.get_segment(current_account(), segment_id)

    @editor_required
    @api_blp.arguments(SegmentUpdateSchema)
    @api_blp.response(200, SegmentSchema)
    def put(self, data, segment_id):
        """Change a segment's name, description or rules"""
        return segments.update_segment(segments.get_segment(current_account(), segment_id), actor=current_user(),
                                       **data)

    @editor_required
    @api_blp.response(204)
    def delete(self, segment_id):
        """Delete a segment"""
        account = current_account()
        segments.delete_segment(segments.get_segment(account, segment_id), actor=current_user())


@api_blp.route("/segments/<uuid:segment_id>/preview")
class SegmentPreview(MethodView):
    @login_required
    @api_blp.response(200, SegmentPreviewSchema)
    def get(self, segment_id):
        """How many customers the segment has now, and the newest ten"""
        account = current_account()
        return segments.preview(account, segments.get_segment(account, segment_id).rules)
