"""The API key form of the settings pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length


class ApiKeyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)],
                       description=_l("Who uses it, e.g. “Storefront” or “BI dashboard”."))
    scope = SelectField(_l("Access"), choices=[
        SelectChoice("read", _l("Read: what a viewer may see")),
        SelectChoice("write", _l("Write: what an editor may change"))])
