"""The place finder page and the session-authenticated search behind location pickers."""
import pytest
from flask import render_template_string

from tests.factories import PASSWORD, make_user


@pytest.fixture
def signed_in(client, user):
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_pages_need_a_session(client):
    assert client.get("/geo").status_code == 302
    response = client.get("/geo/search?query=Madrid", headers={"Accept": "application/json"})
    assert response.status_code == 401 and response.json["type"] == "UnauthorizedError"


def test_picker_search_answers_like_the_api(signed_in):
    response = signed_in.get("/geo/search?query=malaga&country=ES", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json[0]["name"] == "Málaga" and response.json[0]["context"][-1]["id"] == "country.ES"


def test_picker_search_reports_bad_input_as_json(signed_in):
    response = signed_in.get("/geo/search?query=Madrid&country=XX", headers={"Accept": "application/json"})
    assert response.status_code == 422 and "country" in response.json["details"]
    assert signed_in.get("/geo/search?query=Mad&limit=x", headers={"Accept": "application/json"}).status_code == 422


def test_picker_search_speaks_the_users_language(client):
    make_user(username="ana", language="es")
    client.post("/login", data={"username": "ana", "password": PASSWORD})
    response = client.get("/geo/search?query=Madrid&limit=1", headers={"Accept": "application/json",
                                                                          "Accept-Language": "en-US"})
    assert response.json[0]["full_name"] == "Madrid, Comunidad de Madrid, España"


def test_place_finder_names_a_point(signed_in):
    page = signed_in.get("/geo?latitude=39.4699&longitude=-0.3763").get_data(as_text=True)
    assert "Valencia, Valencian Community" in page or "Valencia, Comunidad Valenciana" in page


def test_place_finder_shows_range_errors_next_to_the_field(signed_in):
    page = signed_in.get("/geo?latitude=91&longitude=-3.7").get_data(as_text=True)
    assert "invalid-feedback" in page and "between -90" in page


def test_place_finder_measures_a_distance(signed_in):
    page = signed_in.get("/geo?from=Madrid&from_lat=40.4168&from_lon=-3.7038"
                         "&to=Valencia&to_lat=39.4699&to_lon=-0.3763").get_data(as_text=True)
    assert "303.2 km" in page and "188.4" in page


def test_place_finder_asks_to_pick_places_from_the_suggestions(signed_in):
    page = signed_in.get("/geo?from=Madrid&to=Valencia").get_data(as_text=True)
    assert "Pick both places from the suggestions." in page


def test_location_picker_macro_renders_the_fields_it_submits(app):
    with app.test_request_context("/"):
        html = render_template_string('{% from "geolocation/macros.html" import location_picker %}'
                                      '{{ location_picker("store", label="Store", country="ES", lat=40.4, lon=-3.7) }}')
    for name in ('name="store"', 'name="store_lat"', 'name="store_lon"', 'name="store_id"', 'data-country="ES"',
                 'data-search-url="/geo/search"', "40.4000, -3.7000", "geo.js"):
        assert name in html
