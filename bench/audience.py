"""Audience: import N rows of CSV end to end, then count a three-condition segment over the imported customers.

Needs DATABASE_URL (a throwaway database: `make bench ARGS=audience`). Migrates, registers a user, writes a CSV
(email, phone, names, language, city, latitude, longitude, tags, email consent), then runs the import exactly as
the Celery task does (inspect, count, parse + validate + normalise every row, COPY + merge per batch, progress
per batch). Then counts "language = es AND tag vip AND within 20 km of Madrid" several times.
Targets (issue 4): >= 20,000 rows/s for 1,000,000 rows; segment count < 300 ms.

    python bench/audience.py [--rows 1000000] [--counts 15]
"""
import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CITIES = [("Madrid", -3.7038, 40.4168), ("Barcelona", 2.1734, 41.3851), ("Sevilla", -5.9845, 37.3891),
          ("Valencia", -0.3763, 39.4699), ("Bilbao", -2.9350, 43.2630), ("Lima", -77.0428, -12.0464)]


def write_csv(path: str, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("email,phone,first name,last name,language,city,latitude,longitude,tags,email consent\n")
        for i in range(rows):
            city, lon, lat = CITIES[i % len(CITIES)]
            lat += rng.uniform(-0.3, 0.3)
            lon += rng.uniform(-0.3, 0.3)
            tags = "vip" if i % 5 == 0 else ("newsletter;spring" if i % 3 == 0 else "")
            out.write(f"user{i}@example.com,+34 6{i:08d},Name{i},Surname{i % 1000},{'es' if rng.random() < 0.6 else 'en'},"
                      f"{city},{lat:.5f},{lon:.5f},{tags},{'yes' if i % 4 else 'no'}\n")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--counts", type=int, default=15)
    args = parser.parse_args()

    os.environ.setdefault("IMPORT_MAX_MB", "1024")
    os.environ.setdefault("IMPORT_MAX_ROWS", str(max(args.rows, 1_000_000)))
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db
    from app.services import accounts, imports, segments

    app = create_app("testing")
    app.config.update(IMPORT_MAX_MB=int(os.environ["IMPORT_MAX_MB"]), IMPORT_MAX_ROWS=int(os.environ["IMPORT_MAX_ROWS"]),
                      STORAGE_DIR=tempfile.mkdtemp(prefix="bench-audience-"))
    with app.app_context():
        upgrade(revision="heads")
        name = f"bench{secrets.token_hex(4)}"
        user = accounts.register_user(username=name, email=f"{name}@example.com", password="Str0ng-passw0rd!")
        account = db.session.scalars(accounts.accounts_for(user)).first()
        account.default_region = "ES"
        db.session.commit()

        csv_path = os.path.join(app.config["STORAGE_DIR"], "customers.csv")
        t0 = time.perf_counter()
        write_csv(csv_path, args.rows)
        print(f"wrote {args.rows} rows ({os.path.getsize(csv_path) / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s")

        started = time.perf_counter()
        with open(csv_path, "rb") as fh:
            job = imports.create_import(account, actor=user, stream=fh, filename="customers.csv", tags="bench",
                                        enqueue=False)
        marks = []
        job = imports.run_import(job.id, on_progress=lambda j: marks.append((time.perf_counter(), j.processed_rows)))
        elapsed = time.perf_counter() - started
        assert job.status.value == "completed", job.message
        print(f"import: {job.created_count} created, {job.error_count} rejected, {len(marks)} batches, "
              f"{elapsed:.1f} s")

        # A re-run of the same file with upsert: every row matched and compared, nothing written.
        again_started = time.perf_counter()
        with open(csv_path, "rb") as fh:
            again = imports.create_import(account, actor=user, stream=fh, filename="customers.csv", tags="bench",
                                          enqueue=False)
        again = imports.run_import(again.id)
        again_elapsed = time.perf_counter() - again_started
        print(f"re-run: {again.created_count} created, {again.updated_count} updated, "
              f"{again.unchanged_count} unchanged, {again_elapsed:.1f} s")

        db.session.execute(text("ANALYZE customers"))
        db.session.commit()
        rules = {"match": "all", "conditions": [
            {"field": "language", "op": "eq", "value": "es"},
            {"field": "tags", "op": "contains", "value": "vip"},
            {"field": "location", "op": "within_km", "value": {"point": [-3.7038, 40.4168], "km": 20}}]}
        timings, count = [], 0
        for _ in range(args.counts):
            t0 = time.perf_counter()
            count = segments.count_matching(account, rules)
            timings.append((time.perf_counter() - t0) * 1000)
            db.session.rollback()
        timings.sort()
        print(f"segment: {count} customers match")
        print(f"import_rows_per_second: {job.processed_rows / elapsed:.0f} rows/s")
        print(f"import_rerun_rows_per_second: {again.processed_rows / again_elapsed:.0f} rows/s")
        print(f"segment_count_median: {statistics.median(timings):.1f} ms")
        print(f"segment_count_p95: {timings[int(0.95 * (len(timings) - 1))]:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
