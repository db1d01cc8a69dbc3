"""Customer, bulk tag, import and segment builder forms (CSRF-protected by Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField, FieldList, FloatField, Form, FormField, HiddenField, SelectField, StringField, TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.blueprints.forms import choice_list
from app.blueprints.auth.forms import LANGUAGE_CHOICES, TIMEZONE_CHOICES
from app.services.import_files import FIELDS
from app.services.segments import OPS

BEHAVIOUR_CHOICES = [("", _l("Any behaviour")), ("new", _l("New")), ("frequent", _l("Frequent")),
                     ("returning", _l("Returning"))]
CONSENT_CHOICES = [("", _l("Any consent")), ("email", _l("Email")), ("whatsapp", _l("WhatsApp")),
                   ("push", _l("Push"))]
MODE_CHOICES = [("upsert", _l("Add new and update existing")), ("create", _l("Only add new customers")),
                ("update_only", _l("Only update existing customers"))]
RULE_FIELDS = ["", "first_name", "last_name", "email", "phone", "language", "timezone", "city", "country", "tags",
               "behaviour", "consent.email", "consent.whatsapp", "consent.push", "orders_count", "last_order_at",
               "created_at", "location"]
RULE_OPS = list(dict.fromkeys(["eq", "ne", "in", "not_in", "contains", "not_contains", "starts_with", "gt", "gte", "lt",
                                "lte", "all", "within_days", "before_days", "within_km", "exists"]))
assert set(RULE_OPS) == {op for ops in OPS.values() for op in ops}


class CustomerForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[Length(max=100)])
    email = StringField(_l("Email"), validators=[Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Length(max=40)])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    timezone = SelectField(_l("Time zone"), choices=[SelectChoice("", "—")] + TIMEZONE_CHOICES)
    city = StringField(_l("City"), validators=[Length(max=120)])
    country = StringField(_l("Country"), validators=[Length(max=60)])
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
    # Unknown fields and operators are reported by the rule compiler, naming the row.
    field = SelectField(_l("Field"), choices=choice_list((f, f.replace("_", " ") or "—") for f in RULE_FIELDS),
                        validate_choice=False)
    op = SelectField(_l("Operator"), choices=choice_list((o, o.replace("_", " ")) for o in RULE_OPS), validate_choice=False)
    value = StringField(_l("Value"), validators=[Length(max=500)])


class SegmentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = StringField(_l("Description"), validators=[Length(max=2000)])
    match = SelectField(_l("Customers matching"), choices=choice_list([("all", _l("all conditions")), ("any", _l("any condition"))]))
    conditions = FieldList(FormField(ConditionForm), min_entries=5, max_entries=20)
    # A location_picker plus a distance: one more "location within km" condition around the chosen place.
    centre = StringField(_l("Customers near"), validators=[Length(max=200)])
    radius_km = FloatField(_l("Within (km)"), validators=[Optional(), NumberRange(min=0.001, max=20000)],
                           render_kw={"step": "any", "inputmode": "decimal"})
    rules_json = TextAreaField(_l("Rules as JSON (advanced: nested groups)"), validators=[Length(max=20000)])
