"""Sign-up, login and profile forms (CSRF-protected by Flask-WTF)."""
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

LANGUAGE_CHOICES = [SelectChoice(code, name) for code, name in (
    ("en", "English"), ("es", "Español"), ("fr", "Français"), ("de", "Deutsch"), ("pt", "Português"), ("it", "Italiano"))]
TIMEZONE_CHOICES = [SelectChoice(tz, tz) for tz in sorted(available_timezones() - {"localtime", "Factory"})]


class LoginForm(FlaskForm):
    username = StringField(_l("Username or email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class SignupForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=64)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(check_deliverability=False)])
    full_name = StringField(_l("Full name"), validators=[Length(max=120)])
    account_name = StringField(_l("Business or agency name"), validators=[Length(max=120)])
    role = SelectField(_l("I am"), choices=[SelectChoice("store_owner", _l("A store owner")),
                                            SelectChoice("agency", _l("An agency"))])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class ProfileForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(check_deliverability=False)])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    timezone = SelectField(_l("Time zone"), choices=TIMEZONE_CHOICES)


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
