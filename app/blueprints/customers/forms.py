"""Customer, bulk tag, import and segment builder forms (CSRF-protected by Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField, FieldList, FloatField, Form, FormField, HiddenField, SelectField, StringField, TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.blueprints.forms import choice_list, country_choices
from app.blueprints.auth.forms import LANGUAGE_CHOICES, TIMEZONE_CHOICES
from app.blueprints.customers import rule_words
from app.services.import_files import FIELDS

BEHAVIOUR_CHOICES = [("", _l("Any behaviour")), ("new", _l("New")), ("frequent", _l("Frequent")),
                     ("returning", _l("Returning"))]
CONSENT_CHOICES = [("", _l("Any consent")), ("email", _l("Email")), ("whatsapp", _l("WhatsApp")),
                   ("push", _l("Push"))]
MIN_ROWS, SPARE_ROWS, MAX_ROWS = 4, 3, 20
MODE_CHOICES = [("upsert", _l("Add new and update existing")), ("create", _l("Only add new customers")),
                ("update_only", _l("Only update existing customers"))]


class CustomerForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[Length(max=100)])
    email = StringField(_l("Email"), validators=[Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Length(max=40)])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    timezone = SelectField(_l("Time zone"), choices=[SelectChoice("", "—")] + TIMEZONE_CHOICES)
    city = StringField(_l("City"), validators=[Length(max=120)])
    country = SelectField(_l("Country"), validate_choice=False)  # the service names an unknown code
    tags = StringField(_l("Tags"), validators=[Length(max=1000)])
    # A location_picker: the place chosen there fills latitude and longitude (geo.js; the view without JS).
    place = StringField(_l("Location"), validators=[Length(max=200)])
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)],
                          render_kw={"data-location-fill": "place", "data-fill": "lat"})
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)],
                           render_kw={"data-location-fill": "place", "data-fill": "lon"})
    consent_email = BooleanField(_l("Agrees to email"))
    consent_whatsapp = BooleanField(_l("Agrees to WhatsApp"))
    consent_push = BooleanField(_l("Agrees to push notifications"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [SelectChoice("", "—")] + country_choices()


class CustomerFilterForm(FlaskForm):
    class Meta:
        csrf = False

    search = StringField(_l("Search"), validators=[Length(max=100)])
    tag = StringField(_l("Tag"), validators=[Length(max=64)])
    language = SelectField(_l("Language"), choices=[SelectChoice("", _l("Any language"))] + LANGUAGE_CHOICES)
    consent = SelectField(_l("Consent"), choices=choice_list(CONSENT_CHOICES))
    behaviour = SelectField(_l("Behaviour"), choices=choice_list(BEHAVIOUR_CHOICES))


class BulkTagForm(FlaskForm):
    add = StringField(_l("Add tags"), validators=[Length(max=500)])
    remove = StringField(_l("Remove tags"), validators=[Length(max=500)])
    scope = HiddenField(default="selected")


class ImportUploadForm(FlaskForm):
    file = FileField(_l("CSV or Excel (.xlsx) file"), validators=[FileRequired()])


class ImportStartForm(FlaskForm):
    mode = SelectField(_l("What to do"), choices=choice_list(MODE_CHOICES))
    tags = StringField(_l("Tags for every imported customer"), validators=[Length(max=500)])


def mapping_choices():
    return [("", _l("Ignore this column"))] + [(f, f.replace("_", " ")) for f in FIELDS]


class ConditionForm(Form):
    # Choices come per row and request (prepare_rows): in the reader's language, the operators fitting the field.
    # Unknown fields and operators are reported by the rule compiler, naming the row.
    field = SelectField(_l("Field"), choices=[], validate_choice=False)
    op = SelectField(_l("Operator"), choices=[], validate_choice=False)
    value = StringField(_l("Value"), validators=[Length(max=500)])
    # A radius row (location "within … km of"): a place picked by name in a location_picker, and the distance.
    place = StringField(_l("Place"), validators=[Length(max=200)])
    place_lat = FloatField(validators=[Optional(), NumberRange(-90, 90)])
    place_lon = FloatField(validators=[Optional(), NumberRange(-180, 180)])
    km = FloatField(_l("km"), validators=[Optional(), NumberRange(min=0.001, max=20000)],
                    render_kw={"step": "any", "inputmode": "decimal", "min": "0"})


class SegmentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = StringField(_l("Description"), validators=[Length(max=2000)])
    match = SelectField(_l("Customers matching"), choices=choice_list([("all", _l("all conditions")), ("any", _l("any condition"))]))
    conditions = FieldList(FormField(ConditionForm), min_entries=1, max_entries=MAX_ROWS)
    rules_json = TextAreaField(_l("Rules as JSON (advanced: nested groups)"), validators=[Length(max=20000)])

    def prepare_rows(self, spare: int = SPARE_ROWS) -> None:
        """Blank rows to add conditions in (the script shows one at a time) and each row's choices in words."""
        used = sum(1 for row in self.conditions if row.field.data)
        while len(self.conditions) < min(MAX_ROWS, max(used + spare, MIN_ROWS)):
            self.conditions.append_entry()
        extra = [row.field.data for row in self.conditions if row.field.data]
        for row in self.conditions:
            row.field.choices = choice_list(rule_words.field_choices(extra))
            ops = rule_words.op_choices(row.field.data)
            if row.op.data and row.op.data not in dict(ops):  # kept, so the compiler can name what is wrong
                ops.append((row.op.data, rule_words.op_label(row.op.data)))
            row.op.choices = choice_list(ops)
