"""Messaging API: schedule or send a campaign, follow its progress, its messages and logs; notifications."""
from flask.views import MethodView

from app.blueprints.common import (
    Blueprint, IDEMPOTENCY_KEY_PARAMETER, PaginationArgsSchema, idempotent, page_response, page_schema,
)
from app.blueprints.messaging.schemas import (
    LogSchema, MessageQueryArgsSchema, MessageSchema, NotificationSchema, ReadAllSchema, ScheduleSchema,
    SendStateSchema,
)
from app.security import current_account, current_user, editor_required, viewer_required
from app.services import campaigns, messaging, messaging_log, notifications

api_blp = Blueprint("messaging-api", __name__, url_prefix="/api/v1",
                    description="Sending email campaigns: schedule, send, progress, messages, logs; notifications")


@api_blp.route("/campaigns/<uuid:campaign_id>/schedule")
class CampaignSchedule(MethodView):
    @editor_required
    @api_blp.arguments(ScheduleSchema)
    @api_blp.response(200, SendStateSchema)
    def post(self, data, campaign_id):
        """Send the campaign at a time in a time zone (kept in UTC, shown back in the zone); the past is refused"""
        campaign = campaigns.get_campaign(current_account(), campaign_id)
        return messaging.schedule_send(campaign, actor=current_user(), send_at=data["send_at"],
                                       timezone=data.get("timezone") or campaign.timezone or "UTC",
                                       local_time=data["local_time"])


@api_blp.route("/campaigns/<uuid:campaign_id>/send")
class CampaignSendNow(MethodView):
    @viewer_required
    @api_blp.response(200, SendStateSchema)
    def get(self, campaign_id):
        """The send's state and live counts: queued, sent, failed, skipped, opened, clicked, rates"""
        return messaging.send_state(campaigns.get_campaign(current_account(), campaign_id))

    @idempotent
    @editor_required
    @api_blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @api_blp.response(202, SendStateSchema)
    def post(self, campaign_id):
        """Send the campaign now, in the background; a campaign is sent once (409 after it started)"""
        campaign = campaigns.get_campaign(current_account(), campaign_id)
        return messaging.send_now(campaign, actor=current_user())


@api_blp.route("/campaigns/<uuid:campaign_id>/messages")
class CampaignMessages(MethodView):
    @viewer_required
    @api_blp.arguments(MessageQueryArgsSchema, location="query")
    @api_blp.response(200, page_schema(MessageSchema, "messages"))
    def get(self, args, campaign_id):
        """The campaign's messages, one per recipient: status, reason, provider id, opens and clicks"""
        campaign = campaigns.get_campaign(current_account(), campaign_id)
        return page_response(messaging_log.list_message_log(campaign, **args), "messages")


@api_blp.route("/campaigns/<uuid:campaign_id>/logs")
class CampaignLogs(MethodView):
    @viewer_required
    @api_blp.arguments(PaginationArgsSchema, location="query")
    @api_blp.response(200, page_schema(LogSchema, "logs"))
    def get(self, args, campaign_id):
        """The send's lifecycle events, oldest first: scheduled, started, batches done, completed or failed"""
        campaign = campaigns.get_campaign(current_account(), campaign_id)
        return page_response(messaging.list_logs(campaign, **args), "logs")


@api_blp.route("/notifications")
class Notifications(MethodView):
    @viewer_required
    @api_blp.arguments(PaginationArgsSchema, location="query")
    @api_blp.response(200, page_schema(NotificationSchema, "notifications"))
    def get(self, args):
        """Your notifications in this account, unread first"""
        return page_response(notifications.list_notifications(current_account(), current_user(), **args),
                             "notifications")


@api_blp.route("/notifications/<uuid:notification_id>/read")
class NotificationRead(MethodView):
    @viewer_required
    @api_blp.response(200, NotificationSchema)
    def post(self, notification_id):
        """Mark one of your notifications read"""
        notification = notifications.get_notification(current_account(), current_user(), notification_id)
        return notifications.notification_view(notifications.mark_read(notification, actor=current_user()))


@api_blp.route("/notifications/read-all")
class NotificationsReadAll(MethodView):
    @viewer_required
    @api_blp.response(200, ReadAllSchema)
    def post(self):
        """Mark all your notifications in this account read"""
        return {"marked": notifications.mark_all_read(current_account(), actor=current_user())}
