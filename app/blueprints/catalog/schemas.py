"""Shapes of products, stores and store products in the API."""
from zoneinfo import available_timezones

import marshmallow as ma
from marshmallow import validate

from app import json_limits
from app.blueprints.campaigns.schemas import Money
from app.blueprints.common import PaginationArgsSchema
from app.blueprints.customers.schemas import PointField
from app.blueprints.fields import UTCDateTime
from app.services import stores

MAX_PRICE = 9_999_999_999.99


class ProductSchema(ma.Schema):
    id = ma.fields.UUID()
    sku = ma.fields.String()
    name = ma.fields.String()
    description = ma.fields.String()
    price = Money()
    images = ma.fields.List(ma.fields.UUID(), metadata={"description": "Ids of the account's media files"})
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class ProductCreateSchema(ma.Schema):
    sku = ma.fields.String(required=True, validate=[validate.Length(min=1, max=64),
                                                    validate.Regexp(r"^\S+$", error="No spaces in a SKU.")])
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = ma.fields.String(load_default="", validate=validate.Length(max=10_000))
    price = Money(required=True, validate=validate.Range(min=0, max=MAX_PRICE))
    images = ma.fields.List(ma.fields.UUID(), load_default=list, validate=validate.Length(max=20))


class ProductUpdateSchema(ProductCreateSchema):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)  # every field optional: change only what is sent
        super().__init__(*args, **kwargs)

    description = ma.fields.String(validate=validate.Length(max=10_000))
    images = ma.fields.List(ma.fields.UUID(), validate=validate.Length(max=20))


class ProductQueryArgsSchema(PaginationArgsSchema):
    search = ma.fields.String(validate=validate.Length(max=100))


def _opening_hours(value) -> None:
    try:
        json_limits.check_field(value, max_depth=3, max_bytes=4_000, max_items=50)
    except json_limits.JsonLimitError as exc:
        raise ma.ValidationError(exc.message) from None


class StoreSchema(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    address = ma.fields.String()
    location = ma.fields.Function(stores.location_of)
    timezone = ma.fields.String()
    opening_hours = ma.fields.Raw(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class StoreCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    address = ma.fields.String(load_default="", validate=validate.Length(max=500))
    location = PointField(required=True, metadata={"example": {"type": "point", "coordinates": [-74.0721, 4.711]}})
    timezone = ma.fields.String(validate=validate.OneOf(sorted(available_timezones())),
                                metadata={"example": "America/Bogota"})
    opening_hours = ma.fields.Dict(allow_none=True, validate=_opening_hours,
                                   metadata={"example": {"mon": [["09:00", "18:00"]]}})


class StoreUpdateSchema(StoreCreateSchema):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)  # every field optional: change only what is sent
        super().__init__(*args, **kwargs)

    address = ma.fields.String(validate=validate.Length(max=500))


class StoreQueryArgsSchema(PaginationArgsSchema):
    search = ma.fields.String(validate=validate.Length(max=100))


class StoreProductSchema(ma.Schema):
    id = ma.fields.UUID()
    store_id = ma.fields.UUID()
    product_id = ma.fields.UUID()
    product_name = ma.fields.Function(lambda sp: sp.product.name)
    sku = ma.fields.Function(lambda sp: sp.product.sku)
    stock = ma.fields.Integer(metadata={"description": "Units free to hold (held units are not included)"})
    base_price = Money()
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class StoreProductCreateSchema(ma.Schema):
    store_id = ma.fields.UUID(required=True)
    product_id = ma.fields.UUID(required=True)
    stock = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000_000))
    base_price = Money(validate=validate.Range(min=0, max=MAX_PRICE),
                       metadata={"description": "Defaults to the product's price"})


class StoreProductUpdateSchema(ma.Schema):
    stock = ma.fields.Integer(validate=validate.Range(min=0, max=1_000_000_000))
    base_price = Money(validate=validate.Range(min=0, max=MAX_PRICE))


class StockAdjustSchema(ma.Schema):
    delta = ma.fields.Integer(required=True, validate=validate.Range(min=-1_000_000_000, max=1_000_000_000))
    reason = ma.fields.String(load_default="", validate=validate.Length(max=200))


class StoreProductQueryArgsSchema(PaginationArgsSchema):
    store_id = ma.fields.UUID()
    product_id = ma.fields.UUID()
