"""Pages: the account switcher and Settings (account, clients, team)."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from app.blueprints.accounts.forms import AccountForm, MemberForm
from app.errors import DomainError
from app.extensions import db
from app.models import MemberRole, UserRole
from app.security import current_account, current_user, login_required, owner_required, require_account_role
from app.services import accounts

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
    return render_template(
        "accounts/settings.html",
        account_form=AccountForm(obj=account, prefix="account"),
        client_form=AccountForm(prefix="client", timezone=user.timezone, language=user.language),
        member_form=MemberForm(prefix="member"),
        members=db.session.scalars(accounts.members_query(account)).all(),
        can_create_clients=user.role in (UserRole.AGENCY, UserRole.ADMIN),
    )


@pages_bp.post("/settings/account")
@owner_required
def update_account():
    form = AccountForm(prefix="account")
    if form.validate_on_submit():
        _attempt(lambda: accounts.update_account(current_account(), actor=current_user(), name=form.name.data,
                                                 timezone=form.timezone.data, language=form.language.data),
                 _("Account settings saved."))
    else:
        _flash_form_errors(form)
    return redirect(url_for("accounts.settings"))


@pages_bp.post("/settings/clients")
@login_required
def create_client():
    form = AccountForm(prefix="client")
    if form.validate_on_submit():
        account = _attempt(lambda: accounts.create_client_account(
            current_user(), name=form.name.data, timezone=form.timezone.data, language=form.language.data),
            _("Client account created."))
        if account is not None:
            session["account_id"] = str(account.id)
    else:
        _flash_form_errors(form)
    return redirect(url_for("accounts.settings"))


@pages_bp.post("/settings/members")
@owner_required
def add_member():
    form = MemberForm(prefix="member")
    if form.validate_on_submit():
        _attempt(lambda: accounts.add_member(current_account(), actor=current_user(), login=form.user.data,
                                             role=MemberRole(form.role.data)), _("Member saved."))
    else:
        _flash_form_errors(form)
    return redirect(url_for("accounts.settings"))


@pages_bp.post("/settings/members/<uuid:user_id>/remove")
@login_required
def remove_member(user_id):
    require_account_role(MemberRole.OWNER)
    _attempt(lambda: accounts.remove_member(current_account(), actor=current_user(), user_id=user_id),
             _("Member removed."))
    return redirect(url_for("accounts.settings"))


def _attempt(operation, success: str):
    try:
        result = operation()
    except DomainError as exc:
        flash(_flatten(exc), "danger")
        return None
    flash(success, "success")
    return result


def _flatten(exc: DomainError) -> str:
    messages = [m for ms in (exc.details or {}).values() for m in (ms if isinstance(ms, list) else [ms])]
    return " ".join(str(m) for m in messages) or exc.message


def _flash_form_errors(form) -> None:
    for field, errors in form.errors.items():
        label = getattr(form, field).label.text if hasattr(form, field) else field
        flash(f"{label}: {' '.join(errors)}", "danger")
