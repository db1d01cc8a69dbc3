"""Names many countries share: the account's country first, then the countries of the reader's language."""
from sqlalchemy import select

from app.extensions import db
from app.models import Customer
from app.services import accounts, geolocation
from app.services.customers import location_of
from tests.factories import make_user, own_account, sign_in


def _countries(places) -> list[str]:
    return [p["context"][-1]["id"].removeprefix("country.") for p in places]


def test_preferred_countries_are_the_accounts_then_the_languages(app):
    spanish = geolocation.preferred_countries("es", "es")
    assert spanish[0] == "ES" and {"AR", "MX", "VE"} <= set(spanish[1:]) and "US" not in spanish
    assert geolocation.preferred_countries(None, "en-GB")[:0] == () and "GB" in geolocation.preferred_countries(None, "en")


def test_valencia_is_spains_for_a_store_in_spain(app):
    for lang in ("es", "en"):
        places = geolocation.search("valencia", limit=5, lang=lang, prefer=geolocation.preferred_countries("ES", lang))
        assert _countries(places)[0] == "ES", places[0]
    venezuelan = geolocation.search("valencia", limit=5, prefer=geolocation.preferred_countries("VE", "es"))
    assert _countries(venezuelan)[0] == "VE"


def test_cordoba_follows_the_accounts_country_before_size(app):
    in_spain = geolocation.search("córdoba", limit=5, lang="es", prefer=geolocation.preferred_countries("ES", "es"))
    in_argentina = geolocation.search("cordoba", limit=5, lang="es", prefer=geolocation.preferred_countries("AR", "es"))
    assert _countries(in_spain)[0] == "ES" and "AR" in _countries(in_spain)
    assert _countries(in_argentina)[0] == "AR"
    # Without an account's country, a Spanish speaker still gets places of Spanish-speaking countries first.
    spoken = geolocation.search("cordoba", limit=3, lang="es", prefer=geolocation.preferred_countries(None, "es"))
    assert set(_countries(spoken)) <= set(geolocation.preferred_countries(None, "es"))


def test_the_api_ranks_as_before_without_preferences(app):
    # Integrators choose with ?country=; the preference is the pages' (the account's country, the reader's language).
    assert geolocation.search("valencia", limit=3) == geolocation.search("valencia", limit=3, prefer=())


def test_pages_suggest_and_resolve_typed_names_in_the_accounts_country(client):
    user = make_user(username="marta", language="es")
    accounts.update_account(own_account(user), actor=user, default_region="ES")
    sign_in(client, user)
    suggestions = client.get("/geo/search?query=valencia").json
    assert _countries(suggestions)[0] == "ES"
    assert _countries(client.get("/geo/search?query=cordoba").json)[0] == "ES"
    # Typed without picking a suggestion (or without JavaScript): looked up the same way.
    response = client.post("/customers/new", data={"first_name": "Eva", "email": "eva@example.com", "language": "es", "timezone": "",
                                                    "place": "valencia"})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    lon, lat = location_of(db.session.scalar(select(Customer)))["coordinates"]
    assert round(lon, 1) == -0.4 and round(lat, 1) == 39.5
