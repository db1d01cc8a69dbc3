"""Account settings, client accounts and team forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.blueprints.auth.forms import LANGUAGE_CHOICES, TIMEZONE_CHOICES
from app.blueprints.forms import country_choices, currency_choices


class AccountForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    default_region = SelectField(_l("Country"), description=_l(
        "Phone numbers written without +country code are read as this country's; its places come first in searches."))
    currency = SelectField(_l("Currency"), description=_l("New campaigns start in this currency."))
    timezone = SelectField(_l("Time zone"), choices=TIMEZONE_CHOICES)
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_region.choices = country_choices()
        self.currency.choices = currency_choices()


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=[SelectChoice("viewer", _l("Viewer")), SelectChoice("editor", _l("Editor")),
                                            SelectChoice("owner", _l("Owner"))])
