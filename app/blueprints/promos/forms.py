"""The promo scheduler form (CSRF-protected by Flask-WTF); times are wall-clock times in the store's zone."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, DecimalField, FloatField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.blueprints.forms import choice_list

AUDIENCE_CHOICES = choice_list([("all", _l("Everyone")), ("new", _l("New customers")),
                                ("frequent", _l("Frequent customers"))])
CHANNEL_CHOICES = choice_list([("push", _l("Push")), ("email", _l("Email")), ("whatsapp", _l("WhatsApp"))])
LOCAL = "%Y-%m-%dT%H:%M"


class PromoForm(FlaskForm):
    store_product_id = SelectField(_l("Product in a store"), validate_choice=False, validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[Length(max=200)])
    promo_price = DecimalField(_l("Promo price"), places=2, validators=[Optional(), NumberRange(0, 9_999_999_999)])
    discount_percent = FloatField(_l("or discount (%)"), validators=[Optional(), NumberRange(0.01, 99.99)])
    starts_at = DateTimeLocalField(_l("Starts"), format=LOCAL, validators=[DataRequired()],
                                   description=_l("In the store's time zone"))
    ends_at = DateTimeLocalField(_l("Ends"), format=LOCAL, validators=[DataRequired()])
    radius_m = IntegerField(_l("Radius (metres)"), default=2000, validators=[DataRequired(), NumberRange(1, 100_000)])
    audience = SelectField(_l("Audience"), choices=AUDIENCE_CHOICES, default="all")
    channel = SelectField(_l("Channel"), choices=CHANNEL_CHOICES, default="push")
    max_per_customer = IntegerField(_l("Limit per customer"), default=1, validators=[DataRequired(),
                                                                                     NumberRange(1, 1000)])
