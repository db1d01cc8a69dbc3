"""What a `location_picker` posted, as a place: for pages that embed the picker in their own forms."""
from flask_babel import gettext as _

from app.blueprints.geolocation import preferred_countries, request_language
from app.errors import ValidationError
from app.services import geolocation


def picked_place(data, field: str, *, resolve: bool = True, country: str | None = None) -> dict | None:
    """`{"name", "full_name", "coordinates": [lon, lat]}` for the picker `field` in `data` (request.form), or None.

    A place chosen from the suggestions posts its point; text typed without choosing (or without JavaScript)
    is looked up by name and the best match taken (the account's country first, as the suggestions rank),
    unless `resolve` is False (then it is None). A name with no match is a ValidationError on `field`, so
    pages show it next to the picker.
    """
    text = (data.get(field) or "").strip()
    if not text:
        return None
    try:
        lat, lon = float(data.get(f"{field}_lat", "")), float(data.get(f"{field}_lon", ""))
    except ValueError:
        return _by_name(text, field, country) if resolve else None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError(details={field: [_("Those coordinates are out of range.")]})
    return {"name": text.split(",")[0].strip(), "full_name": text, "coordinates": [lon, lat]}


def _by_name(text: str, field: str, country: str | None) -> dict:
    try:
        found = geolocation.search(text, country=country, limit=1, lang=request_language(prefer_user=True),
                                   prefer=preferred_countries())
    except ValidationError:
        found = []  # too short to search: same answer as no match
    if not found:
        raise ValidationError(details={field: [_("No place found for “%(text)s”.", text=text)]})
    place = found[0]
    return {"name": place["name"], "full_name": place["full_name"], "coordinates": place["coordinates"]}
