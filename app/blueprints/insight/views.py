"""Pages: the activity log and the audit log, in words, with filters."""
import uuid
from datetime import datetime, time, timedelta, timezone

from flask import Blueprint, render_template, request

from app.blueprints.common import page_number
from app.errors import Forbidden
from app.models import MemberRole, UserRole
from app.security import current_account, current_role, current_user, login_required, viewer_required
from app.services import audit, members
from app.services.audit import describe
from app.services.webhooks import DOMAINS

pages_bp = Blueprint("insight", __name__)


def _filters() -> dict:
    """The page's filters: a domain (campaign.*), a member, a period of days; anything unreadable is ignored."""
    args, filters = request.args, {}
    domain = args.get("domain", "")
    if domain in DOMAINS or domain in ("auth", "account", "api_key", "webhook", "report", "user"):
        filters["event"] = f"{domain}.*"
    for name, shift in (("since", 0), ("until", 1)):
        try:
            day = datetime.strptime(args.get(name, ""), "%Y-%m-%d").date() + timedelta(days=shift)
        except (ValueError, OverflowError):  # not a day, or the last one there is
            continue
        filters[name] = datetime.combine(day, time.min, tzinfo=timezone.utc)
    try:
        filters["actor_id"] = uuid.UUID(args["actor"]) if args.get("actor") else None
    except ValueError:
        pass
    return {k: v for k, v in filters.items() if v is not None}


def _render(template: str, page, *, title: str):
    return render_template(template, page=page, describe=describe, title=title,
                           args={k: v for k, v in request.args.items() if k != "page"},
                           domains=sorted(DOMAINS | {"auth", "account", "api_key", "webhook", "report"}),
                           people=[m.user for m in members.list_members(current_account(), size=100).items])


@pages_bp.get("/logs")
@viewer_required
def logs():
    page = audit.list_activity(current_account(), page=page_number(), size=25, **_filters())
    return _render("insight/logs.html", page, title="activity")


@pages_bp.get("/audit")
@login_required
def audit_log():
    admin = current_user().role == UserRole.ADMIN
    if not admin and current_role() != MemberRole.OWNER:
        raise Forbidden("The audit log is for the account's owners and platform admins")
    page = audit.list_audit(None if admin else current_account(), page=page_number(), size=25, **_filters())
    return _render("insight/logs.html", page, title="audit")
