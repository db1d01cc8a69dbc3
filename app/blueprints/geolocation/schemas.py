"""Geolocation API schemas: query arguments, GeoJSON-like points, and the answers of seed 002."""
import marshmallow as ma
from marshmallow import validate

LANG = ma.fields.String(validate=validate.Length(max=16), metadata={
    "description": "Language of country and region names (es, en, ...); default: Accept-Language, then yours"})


def _range_errors(lon, lat) -> dict:
    """Range checks with a hint when the pair reads right the other way round."""
    errors = {}
    swapped_fits = isinstance(lon, (int, float)) and isinstance(lat, (int, float)) and -90 <= lon <= 90 and -180 <= lat <= 180
    if isinstance(lat, (int, float)) and not -90 <= lat <= 90:
        hint = " Are latitude and longitude swapped?" if swapped_fits else ""
        errors["latitude"] = [f"Latitude {lat:g} is out of range [-90, 90].{hint}"]
    if isinstance(lon, (int, float)) and not -180 <= lon <= 180:
        errors["longitude"] = [f"Longitude {lon:g} is out of range [-180, 180]."]
    return errors


class SearchArgsSchema(ma.Schema):
    query = ma.fields.String(required=True, validate=validate.Length(min=1, max=200),
                             metadata={"description": "Name or its beginning; accents, case and one typo don't matter"})
    country = ma.fields.String(validate=validate.Length(equal=2), metadata={"description": "ISO 3166-1 alpha-2"})
    limit = ma.fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))
    lang = LANG


class ReverseArgsSchema(ma.Schema):
    latitude = ma.fields.Float(required=True, allow_nan=False)
    longitude = ma.fields.Float(required=True, allow_nan=False)
    lang = LANG

    @ma.validates_schema
    def _ranges(self, data, **_kwargs):
        if errors := _range_errors(data.get("longitude"), data.get("latitude")):
            raise ma.ValidationError(errors)


class LangArgsSchema(ma.Schema):
    lang = LANG


class RegionArgsSchema(LangArgsSchema):
    country_code = ma.fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2, like ES"})


class CityArgsSchema(ma.Schema):
    country_code = ma.fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2, like ES"})
    region_code = ma.fields.String(metadata={"description": "ISO 3166-2 region: MD or ES-MD"})
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=1000))


class PointSchema(ma.Schema):
    type = ma.fields.String(required=True, validate=validate.OneOf(["point", "Point"]))
    coordinates = ma.fields.List(ma.fields.Float(allow_nan=False), required=True, validate=validate.Length(equal=2),
                                 metadata={"description": "[longitude, latitude] (GeoJSON order)"})

    @ma.validates_schema
    def _ranges(self, data, **_kwargs):
        lon, lat = (data.get("coordinates") or [None, None])[:2]
        if errors := _range_errors(lon, lat):
            raise ma.ValidationError({"coordinates": [m for ms in errors.values() for m in ms]})


class LocationSchema(ma.Schema):
    """Anything goes in: the answer lists what is wrong rather than refusing it."""

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.Raw(metadata={"example": "point"})
    coordinates = ma.fields.Raw(metadata={"example": [-3.7038, 40.4168]})
    name = ma.fields.Raw(metadata={"example": "Madrid"})
    address = ma.fields.Raw()


class DistanceSchema(ma.Schema):
    point1 = ma.fields.Nested(PointSchema, required=True)
    point2 = ma.fields.Nested(PointSchema, required=True)


class ContextSchema(ma.Schema):
    id = ma.fields.String(metadata={"example": "region.ES-MD"})
    text = ma.fields.String(metadata={"example": "Comunidad de Madrid"})


class PlaceSchema(ma.Schema):
    id = ma.fields.String(metadata={"example": "place.3117735"})
    name = ma.fields.String()
    full_name = ma.fields.String(metadata={"example": "Madrid, Comunidad de Madrid, España"})
    coordinates = ma.fields.List(ma.fields.Float(), metadata={"example": [-3.70256, 40.4165]})
    place_type = ma.fields.List(ma.fields.String())
    context = ma.fields.List(ma.fields.Nested(ContextSchema))
    relevance = ma.fields.Float()


class ReversePlaceSchema(PlaceSchema):
    distance_km = ma.fields.Float(metadata={"description": "From the point asked about to the place"})


class ValidationResultSchema(ma.Schema):
    is_valid = ma.fields.Boolean()
    errors = ma.fields.List(ma.fields.String())
    warnings = ma.fields.List(ma.fields.String())


class CodeNameSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()


class CitySchema(ma.Schema):
    name = ma.fields.String()
    region = ma.fields.String(allow_none=True, metadata={"example": "MD"})
    coordinates = ma.fields.List(ma.fields.Float())


class DistancePointSchema(ma.Schema):
    coordinates = ma.fields.List(ma.fields.Float())
    type = ma.fields.String()


class DistanceResultSchema(ma.Schema):
    distance_km = ma.fields.Float()
    distance_miles = ma.fields.Float()
    point1 = ma.fields.Nested(DistancePointSchema)
    point2 = ma.fields.Nested(DistancePointSchema)
