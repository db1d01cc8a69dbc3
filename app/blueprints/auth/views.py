"""Pages: sign up, log in, log out, profile."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from app.blueprints.auth.api import login_limits
from app.blueprints.auth.forms import LoginForm, PasswordForm, ProfileForm, SignupForm
from app.blueprints.forms import apply_errors
from app.errors import Conflict, Unauthorized, ValidationError
from app.models import UserRole
from app.security import current_user, login_required
from app.services import accounts, auth

pages_bp = Blueprint("auth", __name__)


def _safe_next(default: str) -> str:
    """`next` if it is a path on this site, else `default`: an open redirect would make a fine phishing tool."""
    target = request.args.get("next") or ""
    # Browsers drop tabs and newlines inside URLs and read "\\" as "/", so "/\t/evil.example" would
    # become "//evil.example": refuse any such character rather than try to clean it.
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\\" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def _start_session(user) -> None:
    session.clear()
    login_user(user)
    session["language"] = user.language


@pages_bp.route("/login", methods=["GET", "POST"])
@login_limits[0]
@login_limits[1]
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.username.data, form.password.data)
        except Unauthorized:
            form.password.errors = [_("Invalid username or password")]
        else:
            _start_session(user)
            return redirect(_safe_next(url_for("dashboard.index")))
    return render_template("auth/login.html", form=form)


@pages_bp.route("/signup", methods=["GET", "POST"])
@login_limits[0]
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = accounts.register_user(
                username=form.username.data, email=form.email.data, password=form.password.data,
                full_name=form.full_name.data or "", role=UserRole(form.role.data),
                account_name=form.account_name.data or None,
                language=session.get("language") if session.get("language") in ("en", "es") else None,
            )
        except (ValidationError, Conflict) as exc:
            apply_errors(form, exc)
        else:
            _start_session(user)
            flash(_("Welcome to Campaign Hub, %(name)s!", name=user.full_name or user.username), "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/signup.html", form=form)


@pages_bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


@pages_bp.post("/logout/everywhere")
@login_required
def logout_everywhere():
    auth.logout_everywhere(current_user())
    logout_user()
    session.clear()
    flash(_("You have been logged out everywhere."), "info")
    return redirect(url_for("auth.login"))


@pages_bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user()
    form = ProfileForm(obj=user, prefix="profile")
    password_form = PasswordForm(prefix="password")
    if "profile-email" in request.form and form.validate_on_submit():
        try:
            accounts.update_profile(user, full_name=form.full_name.data, email=form.email.data,
                                    language=form.language.data, timezone=form.timezone.data)
        except (ValidationError, Conflict) as exc:
            apply_errors(form, exc)
        else:
            session["language"] = user.language
            flash(_("Profile saved."), "success")
            return redirect(url_for("auth.profile"))
    if "password-new_password" in request.form and password_form.validate_on_submit():
        try:
            accounts.change_password(user, current_password=password_form.current_password.data,
                                     new_password=password_form.new_password.data)
        except ValidationError as exc:
            apply_errors(password_form, exc)
        else:
            login_user(user)  # every other session ended with the old password; this one carries on
            flash(_("Password changed. You were signed out everywhere else."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, password_form=password_form)
