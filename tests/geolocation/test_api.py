"""Geolocation API on the real gazetteer (loaded into PostGIS by migration 0005)."""
import pytest

from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def es_api(api):
    return api.login(make_user(username="lucia", language="es"))


def test_every_endpoint_needs_a_signed_in_caller(api):
    for method, path in (("get", "/geolocation/search?query=Madrid"), ("post", "/geolocation/reverse?latitude=1&longitude=1"),
                         ("post", "/geolocation/validate"), ("get", "/geolocation/countries"),
                         ("get", "/geolocation/regions?country_code=ES"), ("get", "/geolocation/cities?country_code=ES"),
                         ("post", "/geolocation/distance")):
        response = getattr(api, method)(path)
        assert response.status_code == 401, path
        assert response.json["type"] == "UnauthorizedError"


def test_search_answers_places_shaped_as_the_seed(owner_api):
    response = owner_api.get("/geolocation/search?query=Madrid&country=ES&limit=10&lang=es")
    assert response.status_code == 200
    first = response.json[0]
    assert first["name"] == "Madrid"
    assert first["full_name"] == "Madrid, Comunidad de Madrid, España"
    assert first["id"].startswith("place.")
    lon, lat = first["coordinates"]
    assert abs(lon - -3.7038) < 0.01 and abs(lat - 40.4168) < 0.01
    assert first["place_type"] == ["place", "locality"]
    assert first["context"] == [{"id": "region.ES-MD", "text": "Comunidad de Madrid"}, {"id": "country.ES", "text": "España"}]
    assert first["relevance"] == 0.99
    assert len(response.json) <= 10 and all(p["context"][-1]["id"] == "country.ES" for p in response.json)


def test_search_ignores_accents_and_case(owner_api):
    names = [p["full_name"] for p in owner_api.get("/geolocation/search?query=MALAGA&lang=en").json]
    assert names[0] == "Málaga, Andalucía, Spain"


def test_search_finds_prefixes_biggest_first(owner_api):
    places = owner_api.get("/geolocation/search?query=barcel&limit=3").json
    assert places[0]["name"] == "Barcelona" and places[0]["context"][-1]["id"] == "country.ES"


def test_search_forgives_one_typo(owner_api):
    assert owner_api.get("/geolocation/search?query=Madird&country=ES").json[0]["name"] == "Madrid"
    assert owner_api.get("/geolocation/search?query=Barcelnoa").json[0]["name"] == "Barcelona"


def test_search_finds_other_spellings(owner_api):
    places = owner_api.get("/geolocation/search?query=Londres&country=GB&limit=1").json
    assert places[0]["name"] == "London"


def test_search_honours_the_limit(owner_api):
    assert len(owner_api.get("/geolocation/search?query=san&limit=3").json) == 3


def test_search_refuses_an_unknown_country(owner_api):
    response = owner_api.get("/geolocation/search?query=Madrid&country=XX")
    assert response.status_code == 422
    assert "country" in response.json["details"]


def test_search_refuses_a_query_without_letters(owner_api):
    response = owner_api.get("/geolocation/search?query=%20-")
    assert response.status_code == 422 and "query" in response.json["details"]


def test_names_follow_the_language_asked_for(owner_api, es_api):
    assert owner_api.get("/geolocation/search?query=Madrid&limit=1&lang=en").json[0]["context"][-1]["text"] == "Spain"
    accept_es = owner_api.get("/geolocation/search?query=Madrid&limit=1", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert accept_es.json[0]["context"][-1]["text"] == "España"
    # No lang and no Accept-Language: the signed-in user's language.
    assert es_api.get("/geolocation/search?query=Madrid&limit=1").json[0]["context"][-1]["text"] == "España"


def test_reverse_names_the_place_at_a_point(es_api):
    response = es_api.post("/geolocation/reverse?latitude=40.4168&longitude=-3.7038")
    assert response.status_code == 200
    assert response.json["name"] == "Madrid"
    assert response.json["full_name"] == "Madrid, Comunidad de Madrid, España"
    assert response.json["relevance"] > 0.9 and response.json["distance_km"] < 1
    valencia = es_api.post("/geolocation/reverse?latitude=39.4699&longitude=-0.3763").json
    assert valencia["name"] == "Valencia" and valencia["context"][0]["text"] == "Comunidad Valenciana"


def test_reverse_refuses_latitude_91(owner_api):
    response = owner_api.post("/geolocation/reverse?latitude=91&longitude=-3.7")
    assert response.status_code == 422
    assert response.json["type"] == "ValidationError"
    assert "latitude" in response.json["details"]


def test_reverse_points_out_swapped_coordinates(owner_api):
    response = owner_api.post("/geolocation/reverse?latitude=151.2&longitude=-33.9")
    assert response.status_code == 422
    assert "swapped" in response.json["details"]["latitude"][0]


def test_reverse_needs_both_coordinates(owner_api):
    response = owner_api.post("/geolocation/reverse?latitude=40")
    assert response.status_code == 422 and "longitude" in response.json["details"]


def test_validate_accepts_a_good_point(owner_api):
    response = owner_api.post("/geolocation/validate", json={"type": "point", "coordinates": [-3.7038, 40.4168],
                                                             "name": "Madrid"})
    assert response.status_code == 200
    assert response.json == {"is_valid": True, "errors": [], "warnings": []}


def test_validate_reports_latitude_91_as_an_error(owner_api):
    body = owner_api.post("/geolocation/validate", json={"type": "point", "coordinates": [-3.7, 91]}).json
    assert body["is_valid"] is False
    assert any("latitude 91" in e for e in body["errors"])


def test_validate_warns_when_coordinates_look_swapped(owner_api):
    body = owner_api.post("/geolocation/validate", json={"type": "point", "coordinates": [40.4168, -3.7038],
                                                         "name": "Madrid"}).json
    assert body["is_valid"] is True and body["errors"] == []
    assert any("swapped" in w for w in body["warnings"])


def test_validate_warns_when_the_name_is_far_from_the_point(owner_api):
    body = owner_api.post("/geolocation/validate", json={"type": "point", "coordinates": [2.3522, 48.8566],
                                                         "name": "Madrid"}).json
    assert body["is_valid"] is True and "km from the point" in body["warnings"][0]


def test_validate_lists_every_problem(owner_api):
    body = owner_api.post("/geolocation/validate", json={"type": "polygon", "coordinates": [1]}).json
    assert body["is_valid"] is False and len(body["errors"]) == 2


def test_validate_refuses_a_body_that_is_not_an_object(owner_api):
    assert owner_api.post("/geolocation/validate", json=[1, 2]).status_code == 422


def test_countries_are_named_and_sorted_in_the_language(es_api):
    countries = es_api.get("/geolocation/countries").json
    by_code = {c["code"]: c["name"] for c in countries}
    assert by_code["ES"] == "España" and by_code["US"] == "Estados Unidos"
    assert countries[0] == {"code": "AF", "name": "Afganistán"}
    assert {"code": "ES", "name": "Spain"} in es_api.get("/geolocation/countries?lang=en").json
    response = es_api.get("/geolocation/countries")
    assert response.headers["Cache-Control"] == "private, max-age=3600" and "Accept-Language" in response.headers["Vary"]


def test_regions_of_a_country(es_api):
    regions = es_api.get("/geolocation/regions?country_code=ES").json
    assert {"code": "MD", "name": "Comunidad de Madrid"} in regions
    assert {"code": "CT", "name": "Cataluña"} in regions
    assert len(regions) == 19


def test_regions_refuse_an_unknown_country(owner_api):
    response = owner_api.get("/geolocation/regions?country_code=XX")
    assert response.status_code == 422 and "country_code" in response.json["details"]
    assert owner_api.get("/geolocation/regions").status_code == 422


def test_cities_of_a_region_biggest_first(owner_api):
    cities = owner_api.get("/geolocation/cities?country_code=ES&region_code=MD&limit=50").json
    assert cities[0]["name"] == "Madrid" and cities[0]["region"] == "MD"
    assert "Alcalá de Henares" in [c["name"] for c in cities]
    assert len(cities) == 50 and all(c["region"] == "MD" for c in cities)
    lon, lat = cities[0]["coordinates"]
    assert -4 < lon < -3.5 and 40.3 < lat < 40.5


def test_cities_accept_the_full_iso_region_code(owner_api):
    assert owner_api.get("/geolocation/cities?country_code=es&region_code=ES-CT&limit=1").json[0]["name"] == "Barcelona"


def test_cities_refuse_unknown_country_or_region(owner_api):
    assert owner_api.get("/geolocation/cities?country_code=XX").status_code == 422
    response = owner_api.get("/geolocation/cities?country_code=ES&region_code=ZZ")
    assert response.status_code == 422 and "region_code" in response.json["details"]


def test_distance_madrid_valencia_is_geodesic_on_wgs84(owner_api):
    response = owner_api.post("/geolocation/distance", json={
        "point1": {"type": "point", "coordinates": [-3.7038, 40.4168]},
        "point2": {"type": "point", "coordinates": [-0.3763, 39.4699]}})
    assert response.status_code == 200
    # The seed's example says 352.5 km; on the ellipsoid it is 303.2 km (188.4 miles).
    assert response.json == {"distance_km": 303.2, "distance_miles": 188.4,
                             "point1": {"coordinates": [-3.7038, 40.4168], "type": "point"},
                             "point2": {"coordinates": [-0.3763, 39.4699], "type": "point"}}


def test_distance_refuses_bad_points(owner_api):
    response = owner_api.post("/geolocation/distance", json={
        "point1": {"type": "point", "coordinates": [-3.7038, 91]},
        "point2": {"type": "polygon", "coordinates": [1, 2, 3]}})
    assert response.status_code == 422
    details = response.json["details"]
    assert "coordinates" in details["point1"] and "swapped" in details["point1"]["coordinates"][0]
    assert {"type", "coordinates"} <= set(details["point2"])


@pytest.mark.parametrize("method,path,body,status", [
    # 422: input the endpoint cannot answer (fewer than 2 letters or digits, bad numbers, malformed codes).
    ("get", "/geolocation/search?query=%25%25_", None, 422),
    ("get", "/geolocation/search?query=%F0%9F%99%82%F0%9F%99%82", None, 422),
    ("get", "/geolocation/search?query=ab&limit=0", None, 422),
    ("get", "/geolocation/search?query=ab&limit=51", None, 422),
    ("get", "/geolocation/search?query=ab&country=e", None, 422),
    ("post", "/geolocation/reverse?latitude=nan&longitude=1", None, 422),
    ("post", "/geolocation/reverse?latitude=inf&longitude=1", None, 422),
    ("post", "/geolocation/reverse?latitude=north&longitude=1", None, 422),
    ("get", "/geolocation/cities?country_code=ES&limit=1001", None, 422),
    ("get", "/geolocation/regions?country_code=ESP", None, 422),
    ("post", "/geolocation/distance", {"point1": None, "point2": {"type": "point", "coordinates": ["a", 1]}}, 422),
    # 200: odd but answerable. A 200-character query is within bounds (and finds nothing), an unknown language
    # falls back to the default names, the pole on the antimeridian is a real place, an empty region means any, and
    # /validate answers every body with its verdict (valid or not, and why) rather than an error.
    ("get", "/geolocation/search?query=" + "a" * 200, None, 200),
    ("get", "/geolocation/search?query=ab&lang=zz-ZZ", None, 200),
    ("post", "/geolocation/reverse?latitude=90&longitude=180", None, 200),
    ("post", "/geolocation/validate", {"type": "point", "coordinates": ["a", "b"], "name": 7}, 200),
    ("post", "/geolocation/validate", {"type": "point", "coordinates": [True, 1]}, 200),
    ("post", "/geolocation/validate", {"type": "point", "coordinates": [1e308, -1e308]}, 200),
    ("post", "/geolocation/validate", {"type": "point", "coordinates": [0, 0], "name": "x"}, 200),
    ("get", "/geolocation/cities?country_code=ES&region_code=", None, 200),
    ("post", "/geolocation/distance", {"point1": {"type": "point", "coordinates": [0, 90]},
                                       "point2": {"type": "point", "coordinates": [180, -90]}}, 200),
])
def test_odd_input_never_answers_500(owner_api, method, path, body, status):
    response = getattr(owner_api, method)(path, json=body) if body is not None else getattr(owner_api, method)(path)
    assert response.status_code == status, response.json
    assert isinstance(response.json, (list, dict))
    if status == 422:
        assert response.json["type"] == "ValidationError" and response.json["details"]


def test_validate_warns_about_a_swapped_point_without_a_name(owner_api):
    # New York's [lat, lon] read as [lon, lat] lands in Antarctica, far from any town.
    body = owner_api.post("/geolocation/validate", json={"type": "point", "coordinates": [40.7128, -74.0060]}).json
    assert body["is_valid"] is True
    assert len(body["warnings"]) == 1 and "swapped" in body["warnings"][0] and "New York" in body["warnings"][0]
