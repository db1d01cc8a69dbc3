"""The Spanish catalog: complete, in step with the source, placeholders intact, compiled, and shown on every domain's pages."""
import io
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from app.models import CampaignStatus, Channel, FileType, ImportStatus, MediaStatus, MemberRole, Priority
from app.services import campaigns
from app.services.customers import BEHAVIOURS
from tests.audience.factories import make_customer
from tests.factories import PASSWORD, make_user, own_account

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "app/translations/es/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as f:
        return read_po(f, locale="es")


def _strings(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def _placeholders(text: str) -> set[str]:
    return {p for p in PLACEHOLDER.findall(text) if p != "%%"}


def test_every_message_has_a_spanish_translation(catalog):
    untranslated = [m.id for m in catalog if m.id and not all(_strings(m.string))]
    assert untranslated == []
    assert not [m.id for m in catalog if m.id and m.fuzzy]
    assert not catalog.obsolete, "pybabel marked entries obsolete: is a value translated at run time missing " \
                                 "from app/blueprints/labels.py?"


def test_translations_keep_the_placeholders_of_their_message(catalog):
    wrong = []
    for m in catalog:
        if not m.id:
            continue
        if m.pluralizable:
            assert len(m.string) == catalog.num_plurals, m.id
            singular, plural = m.id
            pairs = [(singular, m.string[0])] + [(plural, form) for form in m.string[1:]]
        else:
            pairs = [(m.id, m.string)]
        wrong += [(msgid, msgstr) for msgid, msgstr in pairs if _placeholders(msgid) != _placeholders(msgstr)]
    assert wrong == []


def test_the_catalog_has_every_message_the_source_has(catalog):
    """Strings added in code or templates since the last `pybabel update` would show in English."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}  # as `pybabel extract -k _l -k lazy_gettext`
    extracted = {msgid for _file, _line, msgid, _comments, _context in
                 extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)}
    assert extracted - {m.id for m in catalog} == set()


def test_values_shown_through_gettext_are_in_the_catalog(catalog):
    """Templates translate stored values ({{ _(campaign.status) }}); each needs its own catalog entry."""
    values = [s.value for s in CampaignStatus] + [s.value.title() for s in CampaignStatus]
    values += [p.value for p in Priority] + [p.value.title() for p in Priority]
    values += [c.value.replace("_", " ").title() for c in Channel]
    values += [s.value for s in ImportStatus] + [s.value for s in MediaStatus] + [t.value for t in FileType]
    values += [r.value for r in MemberRole] + list(BEHAVIOURS)
    translated = {m.id for m in catalog if m.id and m.string}
    assert [v for v in values if v not in translated] == []


def test_the_compiled_catalog_is_the_current_one(catalog):
    """Pages read the .mo (git-ignored, built by setup): it must match the .po."""
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    mo = PO.with_suffix(".mo")
    assert mo.exists() and mo.read_bytes() == compiled.getvalue(), "run: pybabel compile -d app/translations"


@pytest.fixture
def spanish(client):
    user = make_user(username="lucia", language="es")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return user


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


# path: (Spanish that must appear, English that must not)
PAGES = {
    "/": (["Panel", "Actividad reciente", "Archivos multimedia", "Lugares"], ["Recent activity", "Media files"]),
    "/campaigns": (["Campañas", "Nueva campaña", "borrador", "Redes sociales", "Cualquier prioridad"],
                   ["New campaign", ">draft<", "Social Media", "Any priority"]),
    "/customers": (["Audiencia", "Importar clientes", "Añadir cliente", "Segmentos", "Comportamiento", ">nuevo<"],
                   ["Import customers", "Add customer", "Behaviour", ">new<"]),
    "/segments": (["Aún no hay segmentos", "Crear un segmento"], ["No segments yet", "Build a segment"]),
    "/customers/import": (["Importaciones recientes", "Subir y asignar columnas"], ["Recent imports", "Map columns"]),
    "/media": (["Biblioteca multimedia", "Cualquier tipo", ">Imagen<", ">Con error<", "Aún no hay archivos multimedia"],
               ["Media library", "Any type", ">Image<", ">Failed<", "No media yet"]),
    "/geo": (["Buscador de lugares", "¿Qué hay aquí?", "Escribe una ciudad o pueblo…"],
             ["Place finder", "Type a city or town"]),
    "/settings": (["Ajustes", "Equipo", ">propietario<"], ["Team</h2>", ">owner<"]),
}


@pytest.mark.parametrize("path", PAGES)
def test_pages_of_every_domain_speak_spanish(client, spanish, path):
    account = own_account(spanish)
    campaigns.create_campaign(account, actor=spanish, name="Rebajas de otoño", budget=100, channel="social_media")
    make_customer(account)
    html = _page(client, path)
    expected, english = PAGES[path]
    assert [s for s in expected if s not in html] == []
    assert [s for s in english if s in html] == []


@pytest.mark.parametrize("language,zone,name", [
    ("en", "America/New_York", "EST"), ("en", "UTC", "UTC"), ("es", "Europe/Madrid", "CET"),
    ("en", "Europe/Madrid", "GMT+1"), ("es", "Asia/Kolkata", "GMT+5:30"), ("en", "Asia/Kathmandu", "GMT+5:45"),
    ("es", "America/Mexico_City", "GMT-6"), ("en", "America/St_Johns", "GMT-3:30"),
])
def test_times_name_the_viewers_zone_as_their_language_does(app, language, zone, name):
    # Where the language has no short name for a zone, its offset in the language's GMT format (Babel itself
    # writes "None" for that pattern).
    from types import SimpleNamespace

    from flask import g

    from app.formatting import localtime

    with app.test_request_context():
        g.user = SimpleNamespace(language=language, timezone=zone)
        shown = localtime(datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc), "short")
    assert shown.endswith(f" {name}") and "None" not in shown, shown
