"""Campaign forms. WTForms only parses; the service's rules (shared with the API) decide what is valid."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, DecimalField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from app.blueprints.forms import choice_list, currency_choices
from app.blueprints.auth.forms import TIMEZONE_CHOICES
from app.models import Channel, Priority

CHANNEL_CHOICES = [SelectChoice(c.value, _l(c.value.replace("_", " ").title())) for c in Channel]
PRIORITY_CHOICES = [SelectChoice(p.value, _l(p.value.title())) for p in Priority]
GENDER_CHOICES = [SelectChoice(v, label) for v, label in (
    ("", _l("Any")), ("all", _l("All")), ("female", _l("Female")), ("male", _l("Male")), ("other", _l("Other")))]


class CampaignForm(FlaskForm):
    name = StringField(_l("Name"))
    description = TextAreaField(_l("Description"), render_kw={"rows": 2})
    channel = SelectField(_l("Channel"), choices=choice_list(CHANNEL_CHOICES), default="amazon_ads")
    budget = DecimalField(_l("Budget"), places=2, validators=[Optional()], render_kw={"step": "0.01"})
    currency = SelectField(_l("Currency"), default="USD")
    priority = SelectField(_l("Priority"), choices=choice_list(PRIORITY_CHOICES), default="medium")
    start_date = DateTimeLocalField(_l("Start date"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    end_date = DateTimeLocalField(_l("End date"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    timezone = SelectField(_l("Time zone"), choices=TIMEZONE_CHOICES, default="UTC")
    keywords = StringField(_l("Keywords"), description=_l("Comma-separated"))
    age = StringField(_l("Age range"), description=_l('e.g. 25-35 or 65+'))
    gender = SelectField(_l("Gender"), choices=choice_list(GENDER_CHOICES), default="")
    interests = StringField(_l("Interests"), description=_l("Comma-separated"))
    target_locations = TextAreaField(
        _l("Target locations"), render_kw={"rows": 3, "placeholder": "Madrid | -3.7038, 40.4168 | Madrid, España"},
        description=_l("One per line: name | longitude, latitude | address"))
    # A location_picker (geolocation/macros.html): a chosen place joins target_locations as one more line.
    target_place = StringField(_l("Add a target location"))
    # Checkboxes with thumbnails (campaigns/form.html); the files picked are attached to the campaign.
    media_files = SelectMultipleField(_l("Media"), choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency.choices = currency_choices()
        if self.currency.data and self.currency.data not in {c.value for c in self.currency.choices}:
            # A code no country uses any more, saved earlier: still shown, so saving keeps it.
            self.currency.choices = [SelectChoice(self.currency.data, self.currency.data)] + self.currency.choices


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    search = StringField(_l("Search"))
    status = SelectField(_l("Status"), choices=[SelectChoice("", _l("Any status"))] + [
        SelectChoice(s, _l(s.title())) for s in ("draft", "scheduled", "active", "paused", "finished", "cancelled")])
    channel = SelectField(_l("Channel"), choices=[SelectChoice("", _l("Any channel"))] + CHANNEL_CHOICES)
    priority = SelectField(_l("Priority"), choices=[SelectChoice("", _l("Any priority"))] + PRIORITY_CHOICES)
