"""Insight API: the dashboard's figures, the activity log and the audit log."""
from flask.views import MethodView

from app.blueprints.common import Blueprint, page_response, page_schema
from app.blueprints.insight.schemas import (
    AuditQueryArgsSchema, DashboardSchema, EventQueryArgsSchema, EventSchema, PeriodArgsSchema,
)
from app.models import MemberRole, UserRole
from app.security import current_account, current_role, current_user, login_required, viewer_required
from app.errors import Forbidden
from app.services import audit, insight

EventPageSchema = page_schema(EventSchema, "events")
api_blp = Blueprint("insight-api", __name__, url_prefix="/api/v1",
                    description="The dashboard's figures, the activity log and the audit log")


@api_blp.route("/dashboard")
class Dashboard(MethodView):
    decorators = [viewer_required]

    @api_blp.arguments(PeriodArgsSchema, location="query")
    @api_blp.response(200, DashboardSchema)
    def get(self, args):
        """Campaigns by status, budget and spend, results with CTR and conversion rate, messages, active promos,
        audience growth and your latest notifications, over a period of days (UTC)"""
        return insight.figures(current_account(), current_user(), **args)


@api_blp.route("/logs")
class ActivityLog(MethodView):
    decorators = [viewer_required]

    @api_blp.arguments(EventQueryArgsSchema, location="query")
    @api_blp.response(200, EventPageSchema)
    def get(self, args):
        """The account's activity, newest first, by actor, event, subject and period, each also in words"""
        return page_response(audit.list_activity(current_account(), **args), "events")


@api_blp.route("/audit")
class AuditLog(MethodView):
    decorators = [login_required]

    @api_blp.arguments(AuditQueryArgsSchema, location="query")
    @api_blp.response(200, EventPageSchema)
    def get(self, args):
        """Security events (sign-ins, failed sign-ins, token reuse, roles and members, API keys, webhooks,
        exports): platform admins see every account's and those outside any; an account's owners their own"""
        if current_user().role == UserRole.ADMIN:
            return page_response(audit.list_audit(None, **args), "events")
        if current_role() != MemberRole.OWNER:
            raise Forbidden("The audit log is for the account's owners and platform admins")
        args.pop("account_id", None)
        return page_response(audit.list_audit(current_account(), **args), "events")
