"""Shapes of promos, their notifications and reservations in the API."""
import marshmallow as ma
from marshmallow import validate

from app.blueprints.campaigns.schemas import Money
from app.blueprints.common import PaginationArgsSchema
from app.blueprints.fields import UTCDateTime
from app.models import NotificationStatus, PromoAudience, PromoChannel, PromoStatus
from app.services import promos, reservations

MAX_PRICE = 9_999_999_999.99


class PromoSchema(ma.Schema):
    id = ma.fields.UUID()
    store_product_id = ma.fields.UUID()
    store_id = ma.fields.UUID()
    title = ma.fields.String()
    promo_price = Money()
    base_price = ma.fields.Function(lambda p: float(p.store_product.base_price))
    starts_at = UTCDateTime()
    ends_at = UTCDateTime()
    status = ma.fields.Function(lambda p: promos.effective_status(p).value,
                                metadata={"enum": [s.value for s in PromoStatus],
                                          "description": "From the clock: never active outside its window"})
    radius_m = ma.fields.Integer()
    audience = ma.fields.Function(lambda p: p.audience.value, metadata={"enum": [a.value for a in PromoAudience]})
    channel = ma.fields.Function(lambda p: p.channel.value, metadata={"enum": [c.value for c in PromoChannel]})
    max_per_customer = ma.fields.Integer()
    stock = ma.fields.Function(lambda p: p.store_product.stock, metadata={"description": "Units free to hold"})
    activated_at = UTCDateTime()
    cancelled_at = UTCDateTime()
    created_at = UTCDateTime()


class NearbyPromoSchema(PromoSchema):
    distance_m = ma.fields.Integer(metadata={"description": "Metres from the given point to the store (with lat "
                                                           "and lon)"})


class PromoCreateSchema(ma.Schema):
    store_product_id = ma.fields.UUID(required=True)
    title = ma.fields.String(validate=validate.Length(max=200))
    promo_price = Money(validate=validate.Range(min=0, max=MAX_PRICE),
                        metadata={"description": "Below the store product's base price"})
    discount_percent = ma.fields.Float(validate=validate.Range(min=0, max=100, min_inclusive=False,
                                                               max_inclusive=False),
                                       metadata={"description": "Instead of promo_price"})
    starts_at = UTCDateTime(required=True)
    ends_at = UTCDateTime(required=True)
    radius_m = ma.fields.Integer(load_default=2000, validate=validate.Range(min=1, max=100_000))
    audience = ma.fields.String(load_default="all", validate=validate.OneOf([a.value for a in PromoAudience]))
    channel = ma.fields.String(load_default="push", validate=validate.OneOf([c.value for c in PromoChannel]),
                               metadata={"description": "push (simulated and logged), email or whatsapp"})
    max_per_customer = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000))

    @ma.validates_schema
    def _one_price(self, data, **kwargs):
        if data.get("promo_price") is not None and data.get("discount_percent") is not None:
            raise ma.ValidationError("Give promo_price or discount_percent, not both.", "discount_percent")


class PromoUpdateSchema(PromoCreateSchema):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)  # every field optional: change only what is sent
        super().__init__(*args, **kwargs)

    radius_m = ma.fields.Integer(validate=validate.Range(min=1, max=100_000))
    audience = ma.fields.String(validate=validate.OneOf([a.value for a in PromoAudience]))
    channel = ma.fields.String(validate=validate.OneOf([c.value for c in PromoChannel]))
    max_per_customer = ma.fields.Integer(validate=validate.Range(min=1, max=1000))


class PromoQueryArgsSchema(PaginationArgsSchema):
    status = ma.fields.String(validate=validate.OneOf([s.value for s in PromoStatus]))
    store_id = ma.fields.UUID()


class ActivePromoQueryArgsSchema(PaginationArgsSchema):
    lat = ma.fields.Float(validate=validate.Range(min=-90, max=90))
    lon = ma.fields.Float(validate=validate.Range(min=-180, max=180))

    @ma.validates_schema
    def _both(self, data, **kwargs):
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise ma.ValidationError("Give both lat and lon, or neither.", "lat")


class NotificationLogSchema(ma.Schema):
    id = ma.fields.Integer()
    customer_id = ma.fields.UUID()
    customer_name = ma.fields.Function(lambda n: str(n.customer))
    sent_on = ma.fields.Date()
    channel = ma.fields.Function(lambda n: n.channel.value)
    status = ma.fields.Function(lambda n: n.status.value)
    reason = ma.fields.String(allow_none=True)
    distance_m = ma.fields.Integer(allow_none=True)
    created_at = UTCDateTime()
    sent_at = UTCDateTime(allow_none=True)


class NotificationQueryArgsSchema(PaginationArgsSchema):
    status = ma.fields.String(validate=validate.OneOf([s.value for s in NotificationStatus]))


class ReservationSchema(ma.Schema):
    id = ma.fields.UUID()
    token = ma.fields.String(metadata={"description": "Keep it: it checks out or cancels the hold"})
    promo_id = ma.fields.UUID()
    store_product_id = ma.fields.UUID()
    customer_id = ma.fields.UUID()
    quantity = ma.fields.Integer()
    unit_price = Money()
    status = ma.fields.Function(lambda r: r.status.value)
    expires_at = UTCDateTime()
    seconds_left = ma.fields.Function(reservations.seconds_left)
    confirmed_at = UTCDateTime(allow_none=True)
    cancelled_at = UTCDateTime(allow_none=True)
    expired_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()


class ReservationCreateSchema(ma.Schema):
    promo_id = ma.fields.UUID(required=True)
    customer_id = ma.fields.UUID(required=True)
    quantity = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000))


class ReservationTokenSchema(ma.Schema):
    token = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
