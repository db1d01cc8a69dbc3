"""The webhook form of the settings pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.blueprints.forms import choice_list
from app.services.webhooks import DOMAINS, EVENT_TYPES


def event_choices() -> list[SelectChoice]:
    return choice_list([("*", "*")] + [(f"{d}.*", f"{d}.*") for d in sorted(DOMAINS)] + [(e, e) for e in EVENT_TYPES])


class WebhookForm(FlaskForm):
    url = StringField(_l("URL"), validators=[DataRequired(), Length(max=2048), URL(require_tld=False)],
                      description=_l("Where events are POSTed, e.g. https://example.com/hooks/campaign-hub"))
    description = StringField(_l("Description"), validators=[Optional(), Length(max=200)])
    events = SelectMultipleField(_l("Events"), choices=event_choices(), validators=[DataRequired()],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    secret = PasswordField(_l("Secret"), validators=[Optional(), Length(min=16, max=200)], description=_l(
        "Signs every delivery. Leave empty to have one made for you (shown once)."))
    active = BooleanField(_l("Active"), default=True)
