"""Flask-Admin for platform admins, built per app so the factory can run twice."""
import re

from flask import Flask, flash, g, redirect, request, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.contrib.geoa import ModelView as GeoModelView
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.theme import Bootstrap4Theme

from app.blueprints.admin.promos import add_promo_views
from app.blueprints.admin.integrations import add_integration_views
from app.blueprints.forms import error_text
from app.errors import DomainError, Forbidden
from app.extensions import db
from app.models import (
    Account, ActivityEvent, AIUsage, Campaign, CampaignSend, CampaignSuggestion, Customer, GeoDataset, ImportJob,
    MediaFile, Membership, MemberRole, Message, Notification, Place, ProductContent, Segment, User, UserRole,
    UserStatus,
)
from app.pages import csp_nonce
from app.services import accounts, members
from app.services.search import escape_like


class AdminOnly:
    """Only admins get in; anyone else signed in gets 403, anyone else is sent to log in."""

    @property
    def extra_js(self) -> list[str]:
        # The admin has the pages' CSP (no inline handlers run): admin.js binds what Flask-Admin's onclick did.
        return [url_for("static", filename="admin.js")]

    def is_accessible(self) -> bool:
        user = g.get("user")
        return user is not None and user.is_admin

    def inaccessible_callback(self, name, **kwargs):
        if g.get("user") is None:
            return redirect(url_for("auth.login", next=request.full_path))
        raise Forbidden("Only platform admins can open the admin")


class HomeView(AdminOnly, AdminIndexView):
    @expose("/")
    def index(self):
        return self.render("admin/index.html")


class PlainLike(sqla_filters.FilterLike):
    """The "contains" filter with % and _ as plain characters (Flask-Admin hands them to ILIKE as they are)."""

    def apply(self, query, value, alias=None):
        return super().apply(query, escape_like(value), alias)


class PlainNotLike(sqla_filters.FilterNotLike):
    def apply(self, query, value, alias=None):
        return super().apply(query, escape_like(value), alias)


class PlainFilterConverter(sqla_filters.FilterConverter):
    strings = tuple({sqla_filters.FilterLike: PlainLike, sqla_filters.FilterNotLike: PlainNotLike}.get(f, f)
                    for f in sqla_filters.FilterConverter.strings)


class PlainSearch:
    """The search box matches what is typed: % and _ are escaped (PostgreSQL's LIKE escape is the backslash)."""

    filter_converter = PlainFilterConverter()

    def _apply_search(self, query, count_query, joins, count_joins, search):
        return super()._apply_search(query, count_query, joins, count_joins, escape_like(search))


class SecureModelView(AdminOnly, PlainSearch, ModelView):
    """Read-only unless a view says otherwise; a view that writes does it through the services (the same validation,
    normalisation and activity log as the API and the pages), never by editing rows itself."""

    page_size = 50
    can_view_details = True
    can_create = can_edit = can_delete = False

    def _through_service(self, operation) -> bool:
        try:
            operation()
        except DomainError as exc:
            db.session.rollback()
            flash(error_text(exc), "error")
            return False
        return True


def _value(field) -> str:
    return getattr(field.data, "value", field.data)


class UserAdmin(SecureModelView):
    column_list = ("username", "email", "full_name", "role", "status", "language", "is_verified", "last_login",
                   "created_at")
    column_searchable_list = ("username", "email", "full_name")
    column_filters = ("role", "status", "language", "is_verified", "created_at")
    column_exclude_list = ("password_hash", "memberships", "token_version")
    # Users sign up or are created with `flask users create-admin`; here an admin changes a role or disables someone
    # (which ends every session and token they hold).
    can_edit = True
    form_columns = ("role", "status")

    def update_model(self, form, model) -> bool:
        return self._through_service(lambda: accounts.set_user_role_and_status(
            model, role=UserRole(_value(form.role)), status=UserStatus(_value(form.status)), actor=g.user))


class AccountAdmin(SecureModelView):
    column_list = ("name", "default_region", "currency", "timezone", "language", "created_by", "created_at")
    column_searchable_list = ("name",)
    column_filters = ("default_region", "timezone", "language", "created_at")
    can_edit = True
    form_columns = ("name", "default_region", "currency", "timezone", "language")

    def update_model(self, form, model) -> bool:
        return self._through_service(lambda: accounts.update_account(
            model, actor=g.user, **{name: form[name].data for name in self.form_columns}))


class MembershipAdmin(SecureModelView):
    # People join by accepting an invitation, never by someone else's hand; an admin may change a role or remove.
    column_list = ("user", "account", "role", "created_at")
    column_filters = ("role", "created_at")
    column_searchable_list = ("user.username", "account.name")
    can_edit = can_delete = True
    form_columns = ("role",)

    def update_model(self, form, model) -> bool:
        return self._through_service(lambda: members.change_member_role(
            model.account, actor=g.user, user_id=model.user_id, role=MemberRole(_value(form.role))))

    def delete_model(self, model) -> bool:
        return self._through_service(lambda: members.remove_member(model.account, actor=g.user,
                                                                   user_id=model.user_id))


class ActivityAdmin(SecureModelView):
    column_list = ("created_at", "name", "account", "actor", "subject_type", "subject_id", "data")
    column_searchable_list = ("name", "subject_id")
    column_filters = ("name", "subject_type", "created_at")
    column_default_sort = ("created_at", True)


class CampaignAdmin(SecureModelView):
    # Writes go through the API and pages (services, lifecycle, activity log); the admin looks and finds.
    column_list = ("name", "account", "channel", "status", "priority", "budget", "currency", "ads_status",
                   "external_id", "sync_error", "start_date", "end_date", "deleted_at", "created_at")
    column_searchable_list = ("name", "description", "external_id")
    column_filters = ("channel", "status", "priority", "ads_status", "created_at", "deleted_at")
    column_default_sort = ("created_at", True)


class MediaFileAdmin(SecureModelView):
    # Read-only: uploads and deletions go through the media service (content checks, stored files, events).
    column_list = ("filename", "account", "file_type", "mime_type", "size", "status", "campaign_id", "created_at")
    column_searchable_list = ("filename", "original_filename", "mime_type")
    column_filters = ("file_type", "status", "mime_type", "campaign_id", "created_at")
    column_default_sort = ("created_at", True)


class PlaceAdmin(SecureModelView):
    """The gazetteer is loaded by `flask geo load`, never edited by hand."""

    column_list = ("id", "name", "country_code", "region_code", "admin1_code", "population")
    column_exclude_list = ("location",)
    column_searchable_list = ("name",)
    column_filters = ("country_code", "region_code", "population")
    column_default_sort = ("population", True)


class GeoDatasetAdmin(SecureModelView):
    pass


class CustomerAdmin(AdminOnly, PlainSearch, GeoModelView):
    page_size = 50
    can_view_details = True
    # Read-only: customers change through the API, pages or imports, which normalise and record consent.
    can_create = can_edit = can_delete = False
    column_list = ("first_name", "last_name", "email", "phone", "language", "country", "tags", "email_consent",
                   "whatsapp_consent", "orders_count", "account", "created_at")
    column_searchable_list = ("first_name", "last_name", "email", "phone")
    column_filters = ("language", "country", "city", "email_consent", "whatsapp_consent", "push_consent",
                      "orders_count", "created_at")


class SegmentAdmin(SecureModelView):
    # Read-only: segments change through the API and the segment builder (names, rules checked by the service).
    column_list = ("name", "account", "rules", "updated_at")
    column_searchable_list = ("name",)
    column_filters = ("name", "updated_at")


class ImportJobAdmin(SecureModelView):
    column_list = ("filename", "account", "status", "mode", "total_rows", "created_count", "updated_count",
                   "error_count", "created_at", "finished_at")
    column_searchable_list = ("filename",)
    column_filters = ("status", "mode", "created_at")
    column_default_sort = ("created_at", True)


class CampaignSendAdmin(SecureModelView):
    # Read-only: sends start, move and stop through the messaging service (a campaign is sent once).
    column_list = ("campaign", "account_id", "channel", "status", "send_at", "timezone", "total", "batches",
                   "started_at", "finished_at", "error")
    column_select_related_list = (CampaignSend.campaign,)  # one join, not a query per row
    column_filters = ("channel", "status", "send_at", "started_at", "finished_at")
    column_searchable_list = ("error",)
    column_default_sort = ("send_at", True)


class MessageAdmin(SecureModelView):
    # Read-only: a message's state is the send's record (claims, provider ids, tracking); nobody edits it by hand.
    column_list = ("to_address", "account_id", "campaign_id", "channel", "language", "status", "reason", "attempts",
                   "provider_id", "sent_at", "open_count", "click_count", "created_at")
    column_filters = ("channel", "status", "language", "campaign_id", "account_id", "sent_at", "failed_at",
                      "created_at")
    column_searchable_list = ("to_address", "provider_id", "reason")
    column_default_sort = ("created_at", True)


class NotificationAdmin(SecureModelView):
    # Read-only: made by notifications.notify_members, read or not by their own user.
    column_list = ("title", "kind", "account_id", "user_id", "is_read", "read_at", "created_at")
    column_filters = ("kind", "is_read", "account_id", "user_id", "created_at")
    column_searchable_list = ("title", "kind")
    column_default_sort = ("created_at", True)


class ProductContentAdmin(SecureModelView):
    # Read-only: copy is generated, edited and approved through the AI content service (checks, versions).
    column_list = ("product_id", "account_id", "channel", "language", "version", "status", "provider", "model",
                   "prompt_version", "edited", "created_at")
    column_filters = ("channel", "language", "status", "provider", "account_id", "product_id", "created_at")
    column_searchable_list = ("body", "subject")
    column_default_sort = ("created_at", True)


class CampaignSuggestionAdmin(SecureModelView):
    # Read-only: a person approves or rejects a suggestion on the campaign, which may write its content.
    column_list = ("campaign_id", "account_id", "kind", "language", "status", "text", "provider", "decided_by_id",
                   "decided_at", "created_at")
    column_filters = ("kind", "language", "status", "provider", "account_id", "campaign_id", "created_at")
    column_searchable_list = ("text",)
    column_default_sort = ("created_at", True)


class AIUsageAdmin(SecureModelView):
    # Read-only: what each provider call spent, the monthly budget's ledger.
    column_list = ("account_id", "task", "provider", "model", "prompt_tokens", "completion_tokens", "total_tokens",
                   "cost", "succeeded", "created_at")
    column_filters = ("task", "provider", "model", "succeeded", "account_id", "created_at")
    column_default_sort = ("created_at", True)


_INLINE_CLICK = re.compile(rb'\sonclick="')
_VOID_LINK = re.compile(rb'\shref="javascript:void\(0\)"')


def _defuse_inline_handlers(response):
    """Flask-Admin writes a few onclick attributes and javascript: links, which the CSP refuses (and reports);
    they are handed over as data-admin-onclick and data-admin-void, and app/static/admin.js binds what they did.
    Text of ours is escaped in the HTML, so only real attributes match."""
    if request.path.startswith("/admin") and response.mimetype == "text/html" and not response.direct_passthrough:
        html = _INLINE_CLICK.sub(b' data-admin-onclick="', response.get_data())
        response.set_data(_VOID_LINK.sub(b' href="#" data-admin-void', html))
    return response


def init_admin(app: Flask) -> Admin:
    admin = Admin(app, name="Campaign Hub admin", theme=Bootstrap4Theme(), index_view=HomeView(url="/admin"),
                  csp_nonce_generator=csp_nonce)  # Flask-Admin's own inline scripts carry the response's nonce
    admin.add_view(UserAdmin(User, db, category="People"))
    admin.add_view(AccountAdmin(Account, db, category="People"))
    admin.add_view(MembershipAdmin(Membership, db, category="People"))
    admin.add_view(CampaignAdmin(Campaign, db, category="Marketing"))
    admin.add_view(CampaignSendAdmin(CampaignSend, db, name="Sends", category="Messaging"))
    admin.add_view(MessageAdmin(Message, db, name="Messages", category="Messaging"))
    admin.add_view(NotificationAdmin(Notification, db, name="Notifications", category="Messaging"))
    admin.add_view(MediaFileAdmin(MediaFile, db, name="Media files", category="Content"))
    add_promo_views(admin, SecureModelView)
    add_integration_views(admin, SecureModelView)
    admin.add_view(ProductContentAdmin(ProductContent, db, name="Product copy", category="Content"))
    admin.add_view(CampaignSuggestionAdmin(CampaignSuggestion, db, name="AI suggestions", category="Content"))
    admin.add_view(AIUsageAdmin(AIUsage, db, name="AI usage", category="Content"))
    admin.add_view(ActivityAdmin(ActivityEvent, db, name="Activity log"))
    admin.add_view(PlaceAdmin(Place, db, category="Geolocation"))
    admin.add_view(GeoDatasetAdmin(GeoDataset, db, name="Gazetteer", category="Geolocation"))
    admin.add_view(CustomerAdmin(Customer, db, category="Audience"))
    admin.add_view(SegmentAdmin(Segment, db, category="Audience"))
    admin.add_view(ImportJobAdmin(ImportJob, db, name="Imports", category="Audience"))
    app.after_request(_defuse_inline_handlers)
    return admin
