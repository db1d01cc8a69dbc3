"""Account settings, client accounts and team forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.blueprints.auth.forms import LANGUAGE_CHOICES, TIMEZONE_CHOICES


class AccountForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    timezone = SelectField(_l("Time zone"), choices=TIMEZONE_CHOICES)
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=[SelectChoice("viewer", _l("Viewer")), SelectChoice("editor", _l("Editor")),
                                            SelectChoice("owner", _l("Owner"))])
