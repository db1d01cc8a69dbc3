"""Loading the gazetteer into PostGIS: one transaction of COPYs, skipped when the same build is loaded."""
from __future__ import annotations

import io
import logging
import time

from flask import current_app, has_app_context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.integrations.gazetteer import Gazetteer, get_gazetteer, normalize_name

log = logging.getLogger(__name__)
DATASET_ROW = "cities"
FUZZY_MIN_LENGTH = 4


def default_gazetteer() -> Gazetteer:
    dataset = current_app.config.get("GEO_CITIES_DATASET", "cities1000") if has_app_context() else "cities1000"
    return get_gazetteer(dataset)


def load_on_migrate(connection: Connection) -> dict | None:
    """The gazetteer load migration 0005 runs: skipped when GEO_LOAD_ON_MIGRATE is off (then `flask geo load`)."""
    if not current_app.config["GEO_LOAD_ON_MIGRATE"]:
        log.info("GEO_LOAD_ON_MIGRATE is off: the gazetteer is left empty until `flask geo load`")
        return None
    return load_gazetteer(connection)


def load_gazetteer(connection: Connection, *, gazetteer: Gazetteer | None = None, force: bool = False,
                   fuzzy_min_population: int = 5000, fuzzy_alias_min_population: int = 100_000) -> dict:
    """Fill places, place_names and place_variants from the gazetteer; idempotent (a no-op when loaded).

    Runs in the caller's transaction (the migration's, or the command's), so a failure leaves the old data.
    Typo-tolerant variants are made for the names of places of at least `fuzzy_min_population` people
    and the other spellings of places of at least `fuzzy_alias_min_population`, which keeps that table
    near a million rows (every spelling of every place would be 4 million rows, 460 MB, 50 s to load).
    """
    gazetteer = gazetteer or default_gazetteer()
    loaded = connection.execute(text("SELECT version FROM geo_datasets WHERE name = :n"), {"n": DATASET_ROW}).scalar()
    if loaded == gazetteer.version and not force:
        return {"loaded": False, "version": loaded}
    started = time.monotonic()
    # Rows are written in the order lookups read them, so one lookup touches few pages even when they are
    # not cached: places near each other on the map together (reverse), names grouped by their first three
    # letters, biggest places first (prefix search walks exactly that order).
    place_rows, name_rows, fuzzy_keys = [], [], set()
    for place in gazetteer.places():
        place_rows.append((_cell(place.latitude, place.longitude), place))
        primary = normalize_name(place.name)
        keys = {primary} | {normalize_name(alias) for alias in place.alternate_names}
        keys.discard("")
        for key in keys:
            name_rows.append((key, place.id, key == primary, place.population, place.country_code))
            wanted = fuzzy_min_population if key == primary else fuzzy_alias_min_population
            if len(key) >= FUZZY_MIN_LENGTH and place.population >= wanted:
                fuzzy_keys.add(key)
    place_rows.sort(key=lambda row: row[0])
    name_rows.sort(key=lambda row: (row[0][:3], -row[3]))
    places, names = io.StringIO(), io.StringIO()
    for _cell_key, place in place_rows:
        places.write(_row(place.id, place.name, place.country_code, place.admin1_code, place.region_code,
                          place.population, f"SRID=4326;POINT({place.longitude} {place.latitude})"))
    # Keys and their variants are normalized (letters, digits, single spaces): nothing to escape for COPY.
    names.writelines(f"{place_id}\t{key}\t{'t' if primary else 'f'}\t{population}\t{country_code}\n"
                     for key, place_id, primary, population, country_code in name_rows)
    n_places, n_names = len(place_rows), len(name_rows)
    variants, n_variants = io.StringIO(), 0
    for key in sorted(fuzzy_keys):
        spelled = deletion_variants(key)
        n_variants += len(spelled)
        variants.writelines(f"{variant}\t{key}\n" for variant in spelled)
    cursor = connection.connection.dbapi_connection.cursor()
    cursor.execute("TRUNCATE places, place_names, place_variants")
    # Building keys and indexes once after COPY is several times faster than maintaining them row by row
    # (the rows are unique by construction). Their definitions are read back from the catalog.
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                   "WHERE conrelid::regclass::text IN ('places', 'place_names', 'place_variants') "
                   "AND contype IN ('p', 'f') ORDER BY contype = 'p'")
    constraints = cursor.fetchall()  # foreign keys first: they depend on the primary keys
    cursor.execute("SELECT indexname, indexdef FROM pg_indexes i WHERE tablename IN "
                   "('places', 'place_names', 'place_variants') AND schemaname = current_schema() AND NOT EXISTS "
                   "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)")
    indexes = cursor.fetchall()
    for table, name, _definition, _kind in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    for table, columns, buffer in (
        ("places", "id, name, country_code, admin1_code, region_code, population, location", places),
        ("place_names", "place_id, key, is_primary, population, country_code", names),
        ("place_variants", "variant, key", variants),
    ):
        buffer.seek(0)
        cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)
    for _name, definition in indexes:
        cursor.execute(definition)
    for table, name, definition, _kind in reversed(constraints):
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    cursor.execute("ANALYZE places; ANALYZE place_names; ANALYZE place_variants")
    connection.execute(text(
        "INSERT INTO geo_datasets (name, version, places, names, variants, loaded_at) "
        "VALUES (:n, :v, :p, :k, :f, now()) ON CONFLICT (name) DO UPDATE SET version = excluded.version, "
        "places = excluded.places, names = excluded.names, variants = excluded.variants, loaded_at = now()"),
        {"n": DATASET_ROW, "v": gazetteer.version, "p": n_places, "k": n_names, "f": n_variants})
    took = round(time.monotonic() - started, 1)
    log.info("gazetteer loaded", extra={"places": n_places, "names": n_names, "variants": n_variants, "seconds": took})
    return {"loaded": True, "version": gazetteer.version, "places": n_places, "names": n_names,
            "variants": n_variants, "seconds": took}


def deletion_variants(key: str) -> set[str]:
    """The key and every string one deletion away from it (SymSpell): two words one typo apart share one."""
    return {key} | {key[:i] + key[i + 1:] for i in range(len(key))}


def _cell(latitude: float, longitude: float) -> int:
    """Z-order (Morton) number of the 0.1° cell holding the point: nearby cells get nearby numbers."""
    y, x = int((latitude + 90) * 10), int((longitude + 180) * 10)
    z = 0
    for bit in range(12):
        z |= ((x >> bit) & 1) << (2 * bit) | ((y >> bit) & 1) << (2 * bit + 1)
    return z


def _row(*values) -> str:
    return "\t".join(_copy_text(v) for v in values) + "\n"


def _copy_text(value) -> str:
    if value is None:
        return r"\N"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")
