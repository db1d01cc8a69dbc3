"""Geolocation API (offline): search, reverse, validate, countries, regions, cities, distance.

No per-account data: every endpoint needs a signed-in caller but reads the shared gazetteer only.
"""
from flask.views import MethodView

from app.blueprints.common import Blueprint
from app.blueprints.geolocation import request_language
from app.blueprints.geolocation.schemas import (
    CityArgsSchema, CitySchema, CodeNameSchema, DistanceResultSchema, DistanceSchema, LangArgsSchema, LocationSchema,
    PlaceSchema, RegionArgsSchema, ReverseArgsSchema, ReversePlaceSchema, SearchArgsSchema, ValidationResultSchema,
)
from app.security import login_required
from app.services import geolocation

# Reference data that changes only with a new gazetteer build: let the caller's browser keep it an hour.
REFERENCE_CACHE = {"Cache-Control": "private, max-age=3600", "Vary": "Accept-Language"}

api_blp = Blueprint("geolocation-api", __name__, url_prefix="/api/v1/geolocation",
                    description="Places, countries and regions from an offline gazetteer; geodesic distances")


@api_blp.route("/search")
class Search(MethodView):
    decorators = [login_required]

    @api_blp.arguments(SearchArgsSchema, location="query")
    @api_blp.response(200, PlaceSchema(many=True))
    def get(self, args):
        """Find places by name: accent- and case-insensitive, prefix and one-typo matches, ranked by relevance and population"""
        return geolocation.search(args["query"], country=args.get("country"), limit=args["limit"],
                                  lang=request_language(args.get("lang")))


@api_blp.route("/reverse")
class Reverse(MethodView):
    decorators = [login_required]

    @api_blp.arguments(ReverseArgsSchema, location="query")
    @api_blp.response(200, ReversePlaceSchema)
    def post(self, args):
        """The place at a point: the nearest one, or a far bigger one barely further away"""
        return geolocation.reverse(args["latitude"], args["longitude"], lang=request_language(args.get("lang")))


@api_blp.route("/validate")
class Validate(MethodView):
    decorators = [login_required]

    @api_blp.arguments(LocationSchema)
    @api_blp.arguments(LangArgsSchema, location="query")
    @api_blp.response(200, ValidationResultSchema)
    def post(self, location, args):
        """Check a point: type "point", [longitude, latitude] in range; warn when they look swapped or the name is far"""
        return geolocation.validate(location, lang=request_language(args.get("lang")))


@api_blp.route("/countries")
class Countries(MethodView):
    decorators = [login_required]

    @api_blp.arguments(LangArgsSchema, location="query")
    @api_blp.response(200, CodeNameSchema(many=True))
    def get(self, args):
        """ISO 3166-1 countries, named and sorted in your language"""
        return geolocation.countries(request_language(args.get("lang"))), 200, REFERENCE_CACHE


@api_blp.route("/regions")
class Regions(MethodView):
    decorators = [login_required]

    @api_blp.arguments(RegionArgsSchema, location="query")
    @api_blp.response(200, CodeNameSchema(many=True))
    def get(self, args):
        """A country's first-level ISO 3166-2 regions"""
        return geolocation.regions(args["country_code"], request_language(args.get("lang"))), 200, REFERENCE_CACHE


@api_blp.route("/cities")
class Cities(MethodView):
    decorators = [login_required]

    @api_blp.arguments(CityArgsSchema, location="query")
    @api_blp.response(200, CitySchema(many=True))
    def get(self, args):
        """A country's or region's places, most populous first"""
        cities = geolocation.cities(args["country_code"], region_code=args.get("region_code"), limit=args["limit"])
        return cities, 200, REFERENCE_CACHE


@api_blp.route("/distance")
class Distance(MethodView):
    decorators = [login_required]

    @api_blp.arguments(DistanceSchema)
    @api_blp.response(200, DistanceResultSchema)
    def post(self, data):
        """Geodesic distance on the WGS84 ellipsoid, in km and miles"""
        return geolocation.distance(data["point1"], data["point2"])
