"""Geolocation: search and reverse latency on the loaded gazetteer (target: p99 under 10 ms each).

Needs DATABASE_URL (a throwaway database: `make bench ARGS=geo`); migrates it, which loads the gazetteer.
Queries are drawn from the gazetteer itself (seeded): whole names, prefixes of 3-6 letters, names with
two neighbouring letters swapped (typos), lower-case unaccented spellings, a third with a country
filter; reverse points are places jittered by up to ±0.3° plus points anywhere on Earth. Measured
sequentially, in-process: the service call (SQL + ranking) and the full Flask request (test client),
beside GET /users/me for the platform's own per-request cost.

    python bench/geo.py [--n 2000]
"""
import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - started) * 1000)
    return out


def queries(rows, n: int, rng: random.Random) -> list[tuple[str, str | None]]:
    from app.integrations.gazetteer import normalize_name

    out = []
    for _ in range(n):
        name, cc = rng.choice(rows)
        kind = rng.random()
        if kind < 0.3:
            q = name
        elif kind < 0.6:
            q = name[: rng.randint(3, 6)]
        elif kind < 0.85 and len(name) >= 5:
            i = rng.randrange(1, len(name) - 2)
            q = name[:i] + name[i + 1] + name[i] + name[i + 2:]
        else:
            q = normalize_name(name)
        out.append((q, cc if rng.random() < 0.33 else None))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    os.environ.setdefault("ENV", "testing")
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db
    from app.services import accounts, geolocation

    app = create_app("testing")
    rng = random.Random(5)
    with app.app_context():
        started = time.monotonic()
        upgrade(revision="heads")
        print(f"migrated and loaded in {time.monotonic() - started:.1f} s")
        rows = db.session.execute(text("SELECT name, country_code FROM places WHERE population >= 10000")).all()
        points = db.session.execute(text(
            "SELECT ST_Y(location::geometry), ST_X(location::geometry) FROM places ORDER BY random() LIMIT :n"),
            {"n": args.n}).all()
        search_items = queries(rows, args.n, rng)
        reverse_items = [(max(-90, min(90, lat + rng.uniform(-0.3, 0.3))), lon + rng.uniform(-0.3, 0.3))
                         if rng.random() < 0.8 else (rng.uniform(-90, 90), rng.uniform(-180, 180))
                         for lat, lon in points]
        for q, cc in search_items[:100]:  # warm caches (pycountry names, PostgreSQL buffers)
            geolocation.search(q, country=cc, limit=10, lang="es")
        search_ms = timed(lambda item: geolocation.search(item[0], country=item[1], limit=10, lang="es"), search_items)
        reverse_ms = timed(lambda p: geolocation.reverse(p[0], p[1], lang="es"), reverse_items)
        db.session.remove()
        if not db.session.scalar(text("SELECT count(*) FROM users WHERE username = 'geo-bench'")):
            accounts.register_user(username="geo-bench", email="geo-bench@example.com",
                                   password="Str0ng-passw0rd!", full_name="", account_name="Bench")
        db.session.remove()
    client = app.test_client()
    token = client.post("/api/v1/auth/login", json={"username": "geo-bench", "password": "Str0ng-passw0rd!"}).json
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    def http_search(item):
        response = client.get("/api/v1/geolocation/search", query_string={"query": item[0], "limit": 10,
                              **({"country": item[1]} if item[1] else {})}, headers=headers)
        assert response.status_code == 200, response.json

    def http_reverse(point):
        response = client.post(f"/api/v1/geolocation/reverse?latitude={point[0]}&longitude={point[1]}", headers=headers)
        assert response.status_code == 200, response.json

    def http_me(_):
        assert client.get("/api/v1/users/me", headers=headers).status_code == 200

    http_n = min(args.n, 1000)
    # The platform's own cost per API request (token, user row, rate limit), measured side by side.
    http_me_ms = timed(http_me, range(http_n))
    http_search_ms = timed(http_search, search_items[:http_n])
    http_reverse_ms = timed(http_reverse, reverse_items[:http_n])
    print(f"search queries: {len(search_items)}, reverse points: {len(reverse_items)}, HTTP requests: {http_n} each")
    for name, samples in (("geo_search", search_ms), ("geo_reverse", reverse_ms),
                          ("geo_http_search", http_search_ms), ("geo_http_reverse", http_reverse_ms),
                          ("baseline_http_users_me", http_me_ms)):
        print(f"{name}_p50: {statistics.median(samples):.2f} ms")
        print(f"{name}_p99: {percentile(samples, 99):.2f} ms")


if __name__ == "__main__":
    main()
