"""Notifications in the pages: the header's unread count (one indexed count per page), its dropdown of the latest
(fetched by app/static/notifications.js when opened), the full list, mark one or all read."""
from flask import g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.blueprints.forms import attempt
from app.blueprints.messaging.views import pages_bp
from app.security import current_account, current_user, viewer_required
from app.services import notifications

MENU_SIZE = 8


@pages_bp.app_context_processor
def _unread_notifications() -> dict:
    """`unread_notifications()` for base.html: called only where the header is drawn, for a signed-in member."""

    def unread() -> int:
        account, user = g.get("account"), g.get("user")
        if account is None or user is None:
            return 0
        return notifications.unread_count(account, user)

    return {"unread_notifications": unread}


def _local(link: str | None) -> str | None:
    # A notification's link is a path of ours; anything else (another host, a scheme) is not followed.
    return link if link and link.startswith("/") and not link.startswith("//") and "\\" not in link else None


@pages_bp.get("/notifications")
@viewer_required
def notifications_page():
    page = notifications.list_notifications(current_account(), current_user(),
                                            page=max(1, request.args.get("page", 1, type=int)), size=20)
    return render_template("messaging/notifications.html", page=page, args={}, local=_local)


@pages_bp.get("/notifications/menu")
@viewer_required
def notifications_menu():
    """The dropdown's content: the latest notifications (unread first) as HTML, and the unread count."""
    account, user = current_account(), current_user()
    page = notifications.list_notifications(account, user, page=1, size=MENU_SIZE)
    return jsonify(unread=notifications.unread_count(account, user),
                   html=render_template("messaging/_notifications_menu.html", page=page, local=_local))


@pages_bp.post("/notifications/<uuid:notification_id>/read")
@viewer_required
def notification_read(notification_id):
    """Mark one read, then go where it points (or back to the list)."""
    user = current_user()
    notification = notifications.get_notification(current_account(), user, notification_id)
    notifications.mark_read(notification, actor=user)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(unread=notifications.unread_count(current_account(), user))
    return redirect(_local(notification.link) or url_for("messaging.notifications_page"))


@pages_bp.post("/notifications/read-all")
@viewer_required
def notifications_read_all():
    wants_json = request.accept_mimetypes.best == "application/json"
    attempt(lambda: notifications.mark_all_read(current_account(), actor=current_user()),
            None if wants_json else _("All notifications are marked read."))
    if wants_json:
        return jsonify(unread=0)
    return redirect(_local(request.form.get("next")) or url_for("messaging.notifications_page"))
