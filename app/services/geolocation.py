"""Geolocation over the offline gazetteer: search, reverse, validate, countries/regions/cities, distance.

Places live in PostGIS (app/models/places.py); countries and regions come straight from the gazetteer.
Reads only: nothing here writes, so there is no unit of work. Names are given in `lang` where the data
has them (countries and regions); city names are GeoNames' own.
"""
from __future__ import annotations

import functools
import math
from typing import Sequence

from babel.core import get_global
from geographiclib.geodesic import Geodesic
from sqlalchemy import text

from app.errors import ServiceUnavailable, ValidationError
from app.extensions import db
from app.integrations.gazetteer import normalize_name
from app.services.geolocation_data import default_gazetteer, deletion_variants

KM_PER_MILE = 1.609344
PLACE_TYPE = ["place", "locality"]
REVERSE_CANDIDATES = 16
REVERSE_PREFER_WITHIN_M = 2000  # a bigger place this much further than the nearest one names the spot instead
POPULATION_WEIGHT = 0.06  # per tenfold population: Madrid (3.3M) outranks a village exactly named "Mad"
# A preferred country's place outranks one 2,000 times bigger elsewhere (a language's countries, 7 times);
# how well the text matches still counts as much as before.
PREFER_FIRST, PREFER_OTHER = 0.2, 0.05
MAJORITY_LANGUAGE = 50.0  # percent of people: the countries "of" a language, not every one where it is official
_PLACE_COLUMNS = ("p.id, p.name, p.country_code, p.region_code, p.population, "
                  "ST_X(p.location::geometry) AS lon, ST_Y(p.location::geometry) AS lat")


def search(query: str, *, country: str | None = None, limit: int = 10, lang: str = "en",
           prefer: Sequence[str] = ()) -> list[dict]:
    """Places whose name starts with, equals, or is one typo away from `query`, best first.

    `prefer` (preferred_countries()) puts the places of those countries before bigger ones elsewhere that match
    as well: the first country most, the others less ("valencia" for a store in Spain is Spain's, not Venezuela's).
    """
    key = normalize_name(query or "")
    if len(key) < 2:
        raise ValidationError(details={"query": ["Type at least 2 letters or digits"]})
    country = _country(country, "country")
    bonus = _preference(prefer)
    hits: dict[int, tuple[float, dict]] = {}
    rows = list(_exact_and_prefix(key, country, limit))
    if prefer and country is None:
        rows += _exact_and_prefix(key, prefer[0].upper(), limit)  # its small places too, not only the biggest
    for row in rows:
        _keep(hits, row, _text_relevance(key, row.key, row.is_primary), bonus(row))
    if len(hits) < limit and len(key) >= 4:
        distances: dict[str, int] = {}  # many places share a spelling ("San Antonio"): measure it once
        for row in _one_typo_away(key, country):
            if row.key not in distances:
                distances[row.key] = osa_distance(key, row.key)
            distance = distances[row.key]
            if distance <= (1 if len(key) <= 5 else 2):
                _keep(hits, row, (0.75 if distance == 1 else 0.6) - (0 if row.is_primary else 0.03), bonus(row))
    ranked = sorted(hits.values(), key=lambda hit: hit[0], reverse=True)[:limit]
    return [_place(row, lang, relevance) for _score, (row, relevance) in ranked]


def reverse(latitude: float, longitude: float, *, lang: str = "en") -> dict:
    """The place that names this point: the nearest one, or a much bigger one barely further (KNN on GiST)."""
    rows = _nearest(latitude, longitude)
    if not rows:
        raise ServiceUnavailable("The gazetteer is not loaded; run `flask geo load`")
    nearest = rows[0].distance_m
    chosen = max((r for r in rows if r.distance_m <= nearest + REVERSE_PREFER_WITHIN_M), key=lambda r: r.population)
    relevance = round(0.99 * math.exp(-chosen.distance_m / 50_000), 2)
    return dict(_place(chosen, lang, relevance), distance_km=round(chosen.distance_m / 1000, 3))


def countries(lang: str = "en") -> list[dict]:
    """Every ISO 3166-1 country, named in `lang`, sorted by that name."""
    return default_gazetteer().countries(lang)


def regions(country_code: str, lang: str = "en") -> list[dict]:
    """The first-level ISO 3166-2 subdivisions of a country (code without the country prefix)."""
    country = _country(country_code, "country_code")
    return [{"code": r["code"], "name": r["name"]} for r in default_gazetteer().regions(country, lang)]


def cities(country_code: str, *, region_code: str | None = None, limit: int = 50) -> list[dict]:
    """A country's (or region's) places, most populous first."""
    country = _country(country_code, "country_code")
    iso_region = None
    if region_code:
        code = region_code.upper().removeprefix(f"{country}-")
        known = {r["code"] for r in default_gazetteer().regions(country, "en")}
        if code not in known:
            raise ValidationError(details={"region_code": [f"Unknown region {region_code!r} in {country}"]})
        iso_region = f"{country}-{code}"
    sql = (f"SELECT {_PLACE_COLUMNS} FROM places p WHERE p.country_code = :cc "
           f"{'AND p.region_code = :rc ' if iso_region else ''}ORDER BY p.population DESC LIMIT :limit")
    rows = db.session.execute(text(sql), {"cc": country, "rc": iso_region, "limit": limit}).all()
    return [{"name": r.name, "region": r.region_code.split("-", 1)[1] if r.region_code else None,
             "coordinates": [r.lon, r.lat]} for r in rows]


def distance(point1: dict, point2: dict) -> dict:
    """Geodesic distance on the WGS84 ellipsoid (Karney's method) between two [lon, lat] points."""
    (lon1, lat1), (lon2, lat2) = point1["coordinates"], point2["coordinates"]
    metres = geodesic_m(lat1, lon1, lat2, lon2)
    return {"distance_km": round(metres / 1000, 1), "distance_miles": round(metres / 1000 / KM_PER_MILE, 1),
            "point1": {"coordinates": [lon1, lat1], "type": "point"},
            "point2": {"coordinates": [lon2, lat2], "type": "point"}}


def geodesic_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"]


def osa_distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbouring letters as one edit ("madird" -> "madrid" is 1)."""
    previous2, previous = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def _country(code: str | None, field: str) -> str | None:
    if code is None or code == "":
        if field == "country":
            return None
        raise ValidationError(details={field: ["Missing data for required field."]})
    if not default_gazetteer().has_country(code):
        raise ValidationError(details={field: [f"Unknown country code {code!r}: use ISO 3166-1 alpha-2, like ES"]})
    return code.upper()


def _exact_and_prefix(key: str, country: str | None, limit: int):
    # left(key, 2|3) matches an expression index sorted by population: the walk stops at the limit. A
    # LIKE that adds nothing is left out: the planner would misjudge its selectivity and sort the group.
    width = 2 if len(key) == 2 else 3
    where_country = "AND country_code = :cc" if country else ""
    sql = f"""
        WITH hits AS (
          (SELECT place_id, key, is_primary FROM place_names WHERE key = :key {where_country}
           ORDER BY population DESC LIMIT :n)
          UNION ALL
          (SELECT place_id, key, is_primary FROM place_names
           WHERE left(key, {width}) = :head {"AND key LIKE :pattern" if len(key) > width else ""}
             AND key <> :key {where_country}
           ORDER BY population DESC LIMIT :n))
        SELECT h.key, h.is_primary, {_PLACE_COLUMNS} FROM hits h JOIN places p ON p.id = h.place_id"""
    params = {"key": key, "head": key[:width], "pattern": key + "%", "cc": country, "n": max(limit * 4, 20)}
    return db.session.execute(text(sql), params).all()


def _one_typo_away(key: str, country: str | None):
    sql = f"""
        SELECT n.key, n.is_primary, {_PLACE_COLUMNS}
        FROM place_variants v JOIN place_names n ON n.key = v.key JOIN places p ON p.id = n.place_id
        WHERE v.variant = ANY(:variants) {"AND n.country_code = :cc" if country else ""}
        ORDER BY n.population DESC LIMIT 200"""
    return db.session.execute(text(sql), {"variants": list(deletion_variants(key)), "cc": country}).all()


def _nearest(latitude: float, longitude: float):
    sql = f"""
        SELECT {_PLACE_COLUMNS}, ST_Distance(p.location, pt.g) AS distance_m
        FROM places p, (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography AS g) pt
        ORDER BY p.location <-> pt.g LIMIT :n"""
    rows = db.session.execute(text(sql), {"lat": latitude, "lon": longitude, "n": REVERSE_CANDIDATES}).all()
    # `<->` on geography orders by sphere distance; re-sort on the spheroid distance.
    return sorted(rows, key=lambda r: r.distance_m)


def _text_relevance(query: str, key: str, primary: bool) -> float:
    if key == query:
        return 0.99 if primary else 0.95
    return 0.7 + 0.25 * len(query) / len(key) - (0 if primary else 0.03)


def preferred_countries(country: str | None, lang: str | None) -> tuple[str, ...]:
    """`country` (an account's), then the countries where most people speak `lang`, officially (CLDR)."""
    first = (country.upper(),) if country else ()
    return first + tuple(t for t in _speaking((lang or "").replace("_", "-").split("-")[0].lower()) if t not in first)


@functools.lru_cache(maxsize=32)
def _speaking(lang: str) -> tuple[str, ...]:
    return tuple(sorted(territory for territory, languages in get_global("territory_languages").items()
                        if len(territory) == 2 and languages.get(lang, {}).get("official_status")
                        in ("official", "de_facto_official")
                        and languages[lang].get("population_percent", 0) >= MAJORITY_LANGUAGE))


def _preference(prefer: Sequence[str]):
    first = prefer[0].upper() if prefer else None
    others = {c.upper() for c in prefer[1:]}
    return lambda row: PREFER_FIRST if row.country_code == first else PREFER_OTHER if row.country_code in others else 0.0


def _keep(hits: dict, row, relevance: float, bonus: float = 0.0) -> None:
    score = relevance + bonus + POPULATION_WEIGHT * math.log10(row.population + 1)
    if row.id not in hits or hits[row.id][0] < score:
        hits[row.id] = (score, (row, round(relevance, 2)))


def _place(row, lang: str, relevance: float) -> dict:
    gazetteer = default_gazetteer()
    context = []
    if row.region_code and (region := gazetteer.region_name(row.region_code, lang)):
        context.append({"id": f"region.{row.region_code}", "text": region})
    context.append({"id": f"country.{row.country_code}",
                    "text": gazetteer.country_name(row.country_code, lang) or row.country_code})
    return {"id": f"place.{row.id}", "name": row.name,
            "full_name": ", ".join([row.name] + [c["text"] for c in context]),
            "coordinates": [row.lon, row.lat], "place_type": list(PLACE_TYPE), "context": context,
            "relevance": relevance}


SWAP_NEAR_M = 50_000  # a named place within 50 km of the point (or of the swapped point) is "there"
LONELY_POINT_M = 300_000  # no place within 300 km: the middle of an ocean, or swapped coordinates


def validate(location, *, lang: str = "en") -> dict:
    """Check a GeoJSON-like point: type "point", [longitude, latitude] in range, plausible order, name.

    Problems that make it unusable are `errors`; suspicions (coordinates that look swapped, a name
    far from the point) are `warnings`. Never raises for bad input: the answer is the verdict.
    """
    errors: list[str] = []
    warnings: list[str] = []
    if not isinstance(location, dict):
        return {"is_valid": False, "errors": ["The location must be a JSON object"], "warnings": []}
    kind = location.get("type")
    if kind is None:
        errors.append("type is required")
    elif not isinstance(kind, str) or kind.lower() != "point":
        errors.append('type must be "point"')
    name = location.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 200):
        errors.append("name must be a non-empty text of at most 200 characters")
        name = None
    point = _coordinates(location.get("coordinates"), errors)
    if point is not None and not errors:
        warnings.extend(_order_and_name_warnings(*point, name, lang))
    return {"is_valid": not errors, "errors": errors, "warnings": warnings}


def _coordinates(value, errors: list[str]) -> tuple[float, float] | None:
    if value is None:
        errors.append("coordinates are required: [longitude, latitude]")
        return None
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)):
        errors.append("coordinates must be two numbers: [longitude, latitude]")
        return None
    lon, lat = float(value[0]), float(value[1])
    swapped_fits = -90 <= lon <= 90 and -180 <= lat <= 180
    if not -180 <= lon <= 180:
        errors.append(f"longitude {lon:g} is out of range [-180, 180]")
    if not -90 <= lat <= 90:
        hint = " (are they swapped? coordinates are [longitude, latitude])" if swapped_fits else ""
        errors.append(f"latitude {lat:g} is out of range [-90, 90]{hint}")
    return None if errors else (lon, lat)


def _order_and_name_warnings(lon: float, lat: float, name: str | None, lang: str) -> list[str]:
    can_swap = -90 <= lon <= 90 and lon != lat
    if name:
        candidates = search(name, limit=5, lang=lang) if len(normalize_name(name)) >= 2 else []
        if not candidates:
            return [f"No known place is named {name!r}: the name could not be checked against the point"]
        here = min(geodesic_m(lat, lon, c["coordinates"][1], c["coordinates"][0]) for c in candidates)
        if here <= SWAP_NEAR_M:
            return []
        if can_swap:
            swapped = min(geodesic_m(lon, lat, c["coordinates"][1], c["coordinates"][0]) for c in candidates)
            if swapped <= SWAP_NEAR_M:
                return [f"The coordinates look swapped: {name!r} is near [{lat:g}, {lon:g}], not [{lon:g}, {lat:g}]; "
                        "coordinates are [longitude, latitude]"]
        return [f"{name!r} is {here / 1000:.0f} km from the point"]
    if can_swap:
        nearest = _nearest(lat, lon)
        if nearest and nearest[0].distance_m > LONELY_POINT_M:
            flipped = _nearest(lon, lat)
            if flipped and flipped[0].distance_m <= SWAP_NEAR_M:
                return [f"The coordinates may be swapped: [{lon:g}, {lat:g}] is {nearest[0].distance_m / 1000:.0f} km "
                        f"from any known place, while [{lat:g}, {lon:g}] is near {flipped[0].name}; "
                        "coordinates are [longitude, latitude]"]
    return []
