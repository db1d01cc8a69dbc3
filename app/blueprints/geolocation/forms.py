"""Place finder forms: read from the query string (GET, nothing changes, so no CSRF token)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FloatField
from wtforms.validators import InputRequired, NumberRange


class ReverseForm(FlaskForm):
    class Meta:
        csrf = False

    latitude = FloatField(_l("Latitude"), validators=[InputRequired(), NumberRange(min=-90, max=90)])
    longitude = FloatField(_l("Longitude"), validators=[InputRequired(), NumberRange(min=-180, max=180)])
