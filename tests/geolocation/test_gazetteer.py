"""The gazetteer data: loading (idempotent, transactional), name normalisation, typo distance, admin views."""
from dataclasses import dataclass

from sqlalchemy import text

from app.extensions import db
from app.integrations.gazetteer import PlaceRecord, get_gazetteer, natural_order, normalize_name
from app.services.geolocation import osa_distance
from app.services.geolocation_data import deletion_variants, load_gazetteer, load_on_migrate
from tests.factories import PASSWORD, make_user


@dataclass
class TinyGazetteer:
    version: str = "tiny-1"

    def places(self):
        yield PlaceRecord(1, "Málaga", "ES", "51", "ES-AN", 592346, 36.72, -4.42, ("Malaga", "Malaca"))
        yield PlaceRecord(2, "Alcalá de Henares", "ES", "29", "ES-MD", 204120, 40.48, -3.36, ())


def test_normalize_name_folds_case_accents_and_punctuation():
    assert normalize_name("  Málaga ") == "malaga"
    assert normalize_name("Sant Julià de Lòria") == "sant julia de loria"
    assert normalize_name("L'Hospitalet_de-Llobregat") == "l hospitalet de llobregat"


def test_iso_names_read_in_natural_order():
    assert natural_order("Madrid, Comunidad de") == "Comunidad de Madrid"
    assert natural_order("Valenciana, Comunidad") == "Comunidad Valenciana"
    assert natural_order("Bonaire, Sint Eustatius and Saba") == "Bonaire, Sint Eustatius and Saba"


def test_osa_distance_counts_a_swap_as_one_edit():
    assert osa_distance("madird", "madrid") == 1
    assert osa_distance("barcelnoa", "barcelona") == 1
    assert osa_distance("malaga", "malaga") == 0
    assert osa_distance("mlaga", "malaga") == 1
    assert osa_distance("abc", "xyz") == 3


def test_deletion_variants_meet_for_one_typo():
    assert deletion_variants("madird") & deletion_variants("madrid")


def test_kosovo_is_known_though_iso_has_not_assigned_it():
    gazetteer = get_gazetteer()
    assert gazetteer.has_country("xk") and gazetteer.country_name("XK", "es") == "Kosovo"
    assert not gazetteer.has_country("XX")


def test_the_migration_loaded_the_gazetteer():
    row = db.session.execute(text("SELECT version, places, names FROM geo_datasets")).one()
    assert row.version == get_gazetteer().version and row.places > 150_000 and row.names > row.places


def test_geo_load_command_is_a_no_op_when_loaded(app):
    result = app.test_cli_runner().invoke(args=["geo", "load"])
    assert result.exit_code == 0 and "Already loaded" in result.output


def test_loading_replaces_the_data_and_rebuilds_keys_and_indexes(app):
    def schema(connection):
        return connection.execute(text(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('places', 'place_names', 'place_variants') "
            "UNION ALL SELECT conname FROM pg_constraint WHERE conrelid::regclass::text IN "
            "('places', 'place_names', 'place_variants') ORDER BY 1")).scalars().all()

    with db.engine.connect() as connection:
        transaction = connection.begin()
        try:
            before = schema(connection)
            result = load_gazetteer(connection, gazetteer=TinyGazetteer(), fuzzy_min_population=1)
            assert result == {"loaded": True, "version": "tiny-1", "places": 2, "names": 3,
                              "variants": result["variants"], "seconds": result["seconds"]}
            keys = connection.execute(text("SELECT key, is_primary FROM place_names ORDER BY key")).all()
            assert [tuple(k) for k in keys] == [("alcala de henares", True), ("malaca", False), ("malaga", True)]
            assert connection.execute(text("SELECT key FROM place_variants WHERE variant = 'mlaga'")).scalar() == "malaga"
            assert schema(connection) == before
            again = load_gazetteer(connection, gazetteer=TinyGazetteer())
            assert again == {"loaded": False, "version": "tiny-1"}
        finally:
            transaction.rollback()  # the real gazetteer stays for the other tests
    assert db.session.execute(text("SELECT count(*) FROM places")).scalar() > 150_000


def test_admins_can_browse_places(client):
    make_user(username="root", role="admin")
    client.post("/login", data={"username": "root", "password": PASSWORD})
    response = client.get("/admin/place/?search=Alcal%C3%A1")
    assert response.status_code == 200 and "Alcalá de Henares" in response.get_data(as_text=True)


def test_the_migration_loads_the_gazetteer_unless_geo_load_on_migrate_is_off(app, config):
    with db.engine.connect() as connection:
        transaction = connection.begin()
        try:
            config(GEO_LOAD_ON_MIGRATE=False)
            connection.execute(text("TRUNCATE places, place_names, place_variants, geo_datasets"))
            assert load_on_migrate(connection) is None  # off: an empty gazetteer stays empty
            assert connection.execute(text("SELECT count(*) FROM places")).scalar() == 0
            config(GEO_LOAD_ON_MIGRATE=True)
            assert load_on_migrate(connection)["loaded"] is True
            assert connection.execute(text("SELECT count(*) FROM places")).scalar() > 150_000
        finally:
            transaction.rollback()  # the loaded gazetteer stays as it was for the other tests
