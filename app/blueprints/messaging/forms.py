"""Send and schedule forms of a messaging campaign."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField
from wtforms.validators import DataRequired

from app.blueprints.auth.forms import TIMEZONE_CHOICES


class SendNowForm(FlaskForm):
    """Nothing to fill in: the CSRF token is the form."""


class ScheduleForm(FlaskForm):
    send_at = DateTimeLocalField(_l("Send at"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()],
                                 description=_l("The time on the clock in the time zone below."))
    timezone = SelectField(_l("Time zone"), choices=TIMEZONE_CHOICES)
