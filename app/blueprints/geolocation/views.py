"""Pages: the place finder (search, what's here, distance) and the JSON search behind location pickers."""
from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _

from app.blueprints.geolocation import preferred_countries, request_language
from app.blueprints.geolocation.forms import ReverseForm
from app.errors import ValidationError
from app.security import current_user, login_required
from app.services import geolocation

pages_bp = Blueprint("geolocation", __name__)
SUGGESTIONS_MAX = 20


@pages_bp.get("/geo/search")
def search():
    """What `location_picker` asks while people type: the API's search answer, with the session's login."""
    current_user()  # signed in, or a 401 envelope (a script cannot follow a redirect to the login page)
    try:
        limit = min(max(int(request.args.get("limit", 8)), 1), SUGGESTIONS_MAX)
    except ValueError:
        raise ValidationError(details={"limit": ["Not a valid integer."]}) from None
    places = geolocation.search(request.args.get("query", ""), country=request.args.get("country") or None,
                                limit=limit, lang=request_language(request.args.get("lang"), prefer_user=True),
                                prefer=preferred_countries())
    return jsonify(places)


@pages_bp.get("/geo")
@login_required
def index():
    """Place finder: search (location picker), what's here (reverse), distance; each form keeps the others' answers."""
    lang = request_language(request.args.get("lang"), prefer_user=True)
    asked_here = "latitude" in request.args or "longitude" in request.args
    reverse_form = ReverseForm(formdata=request.args if asked_here else None)
    here = None
    if asked_here and reverse_form.validate():
        here = geolocation.reverse(reverse_form.latitude.data, reverse_form.longitude.data, lang=lang)
    trip, trip_error = None, None
    if "from" in request.args or "to" in request.args:
        trip, trip_error = _distance(request.args)
    return render_template("geolocation/index.html", reverse_form=reverse_form, here=here, trip=trip,
                           trip_error=trip_error, args=request.args)


def _distance(args) -> tuple[dict | None, str | None]:
    points = []
    for field in ("from", "to"):
        try:
            lat, lon = float(args.get(f"{field}_lat", "")), float(args.get(f"{field}_lon", ""))
        except ValueError:
            return None, _("Pick both places from the suggestions.")
        points.append({"type": "point", "coordinates": [lon, lat]})
    if not all(-90 <= p["coordinates"][1] <= 90 and -180 <= p["coordinates"][0] <= 180 for p in points):
        return None, _("Those coordinates are out of range.")
    return geolocation.distance(*points), None
