"""Pages: the account switcher and Settings (account, clients, team)."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from app.blueprints.accounts.forms import AccountForm, InviteForm
from app.blueprints.forms import attempt, flash_form_errors
from app.models import MemberRole, UserRole
from app.security import (
    current_account, current_role, current_user, login_required, owner_required, require_account_role,
)
from app.services import accounts, members

pages_bp = Blueprint("accounts", __name__)


@pages_bp.post("/accounts/switch")
@login_required
def switch():
    account = accounts.get_account_for(current_user(), request.form.get("account_id", ""))
    session["account_id"] = str(account.id)
    flash(_("Now working in %(name)s.", name=account.name), "info")
    return redirect(url_for("dashboard.index"))


@pages_bp.get("/settings")
@login_required
def settings():
    account = current_account()
    user = current_user()
    account_form = AccountForm(obj=account, prefix="account")
    return render_template(
        "accounts/settings.html",
        account_form=account_form,
        client_form=AccountForm(prefix="client", timezone=user.timezone, language=user.language,
                                default_region=account.default_region, currency=account.currency),
        invite_form=InviteForm(prefix="invite"),
        members=members.list_members(account).items,
        invitations=members.list_invitations(account).items if current_role() == MemberRole.OWNER else [],
        my_invitations=members.list_invitations_for(user).items,
        role_choices=[(r.value, _(r.value)) for r in MemberRole],
        can_create_clients=user.role in (UserRole.AGENCY, UserRole.ADMIN),
        country_name=next((c.label for c in account_form.default_region.choices if c.value == account.default_region),
                          account.default_region),
    )


@pages_bp.post("/settings/account")
@owner_required
def update_account():
    form = AccountForm(obj=current_account(), prefix="account")  # a field left out keeps its value
    if form.validate_on_submit():
        attempt(lambda: accounts.update_account(current_account(), actor=current_user(), **_account_fields(form)),
                _("Account settings saved."))
    else:
        flash_form_errors(form)
    return redirect(url_for("accounts.settings"))


def _account_fields(form: AccountForm) -> dict:
    return {name: form[name].data for name in ("name", "default_region", "currency", "timezone", "language")}


@pages_bp.post("/settings/clients")
@login_required
def create_client():
    account = current_account()
    form = AccountForm(prefix="client", default_region=account.default_region, currency=account.currency)
    if form.validate_on_submit():
        client = attempt(lambda: accounts.create_client_account(current_user(), **_account_fields(form)),
                         _("Client account created."))
        if client is not None:
            session["account_id"] = str(client.id)
    else:
        flash_form_errors(form)
    return redirect(url_for("accounts.settings"))


@pages_bp.post("/settings/invitations")
@owner_required
def invite():
    form = InviteForm(prefix="invite")
    if form.validate_on_submit():
        attempt(lambda: members.invite_member(current_account(), actor=current_user(), email=form.email.data,
                                              role=MemberRole(form.role.data)),
                _("Invitation saved. %(email)s joins once they accept it.", email=form.email.data))
    else:
        flash_form_errors(form)
    return redirect(url_for("accounts.settings"))


@pages_bp.post("/settings/invitations/<uuid:invitation_id>/revoke")
@owner_required
def revoke_invitation(invitation_id):
    attempt(lambda: members.revoke_invitation(current_account(), actor=current_user(), invitation_id=invitation_id),
            _("Invitation withdrawn."))
    return redirect(url_for("accounts.settings"))


@pages_bp.post("/invitations/<uuid:invitation_id>/accept")
@login_required
def accept_invitation(invitation_id):
    membership = attempt(lambda: members.accept_invitation(invitation_id, user=current_user()),
                         _("You joined the account."))
    if membership is not None:
        session["account_id"] = str(membership.account_id)
    return redirect(url_for("accounts.settings"))


@pages_bp.post("/invitations/<uuid:invitation_id>/decline")
@login_required
def decline_invitation(invitation_id):
    attempt(lambda: members.decline_invitation(invitation_id, user=current_user()), _("Invitation declined."))
    return redirect(url_for("accounts.settings"))


@pages_bp.post("/settings/members/<uuid:user_id>/role")
@owner_required
def change_role(user_id):
    role = request.form.get("role", "")
    if role not in {r.value for r in MemberRole}:
        flash(_("Pick a role."), "danger")
    else:
        attempt(lambda: members.change_member_role(current_account(), actor=current_user(), user_id=user_id,
                                                   role=MemberRole(role)), _("Role changed."))
    return redirect(url_for("accounts.settings"))


@pages_bp.post("/settings/members/<uuid:user_id>/remove")
@login_required
def remove_member(user_id):
    leaving = user_id == current_user().id
    require_account_role(MemberRole.VIEWER if leaving else MemberRole.OWNER)
    done = attempt(lambda: members.remove_member(current_account(), actor=current_user(), user_id=user_id),
                   _("You left the account.") if leaving else _("Member removed."))
    if done is not None and leaving:
        session.pop("account_id", None)
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("accounts.settings"))

