"""Store, product and stock forms (CSRF-protected by Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, FloatField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.blueprints.auth.forms import TIMEZONE_CHOICES


class StoreForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Length(max=500)])
    timezone = SelectField(_l("Time zone"), choices=TIMEZONE_CHOICES)
    # A location_picker: the place chosen there fills latitude and longitude (geo.js; the view without JS).
    place = StringField(_l("Location"), validators=[Length(max=200)])
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)],
                          render_kw={"data-location-fill": "place", "data-fill": "lat"})
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)],
                           render_kw={"data-location-fill": "place", "data-fill": "lon"})


class ProductForm(FlaskForm):
    sku = StringField(_l("SKU"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=10_000)])
    price = DecimalField(_l("Price"), places=2, validators=[DataRequired(), NumberRange(0, 9_999_999_999)])


class StockForm(FlaskForm):
    store_id = SelectField(_l("Store"), validate_choice=False)
    product_id = SelectField(_l("Product"), validate_choice=False)
    stock = IntegerField(_l("Stock"), default=0, validators=[NumberRange(0, 1_000_000_000)])
    base_price = DecimalField(_l("Base price"), places=2, validators=[Optional(), NumberRange(0, 9_999_999_999)],
                              description=_l("Empty: the product's price"))


class AdjustForm(FlaskForm):
    delta = IntegerField(_l("Change"), validators=[DataRequired(), NumberRange(-1_000_000_000, 1_000_000_000)])
    reason = StringField(_l("Reason"), validators=[Length(max=200)])
