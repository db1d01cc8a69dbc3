"""Audience: import N rows of CSV end to end beside a bare COPY of the same file; segment counts beside count(*).

Needs DATABASE_URL (a throwaway database: `make bench ARGS=audience`). Migrates, registers a user, writes a CSV
(email, phone, names, language, city, latitude, longitude, tags, email and WhatsApp consent, orders, last order),
then, in the same run:
- a bare `COPY ... FROM STDIN (FORMAT csv)` of that file into an unindexed scratch table (the ceiling);
- the import exactly as the Celery task runs it (inspect, count, parse + validate + normalise every row, COPY +
  merge per batch, progress per batch), then a re-run of the same file (`upsert`: every row matched, nothing
  written);
- counts of typical segments over the imported customers (tags, behaviour, consent, within_km, combinations),
  each timed `--counts` times warm, beside a bare `SELECT count(*)` of the customers table.
Targets (issue 10): import >= 30,000 rows/s for 1,000,000 rows; segment count p95 <= 150 ms.

    python bench/audience.py [--rows 1000000] [--counts 21]
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
MADRID = [-3.7038, 40.4168]
SEGMENTS = {
    "tag": {"match": "all", "conditions": [{"field": "tags", "op": "contains", "value": "vip"}]},
    "behaviour": {"match": "all", "conditions": [{"field": "behaviour", "op": "eq", "value": "new"}]},
    "consent": {"match": "all", "conditions": [{"field": "consent.whatsapp", "op": "eq", "value": True}]},
    "within_km": {"match": "all", "conditions": [
        {"field": "location", "op": "within_km", "value": {"point": MADRID, "km": 20}}]},
    "three_conditions": {"match": "all", "conditions": [  # the issue's: language, tag and distance
        {"field": "language", "op": "eq", "value": "es"},
        {"field": "tags", "op": "contains", "value": "vip"},
        {"field": "location", "op": "within_km", "value": {"point": MADRID, "km": 20}}]},
    "consent_tag_behaviour": {"match": "all", "conditions": [
        {"field": "consent.email", "op": "eq", "value": True},
        {"field": "tags", "op": "in", "value": ["vip", "spring"]},
        {"field": "behaviour", "op": "eq", "value": "returning"}]},
    "any_nested": {"match": "any", "conditions": [
        {"field": "tags", "op": "contains", "value": "vip"},
        {"match": "all", "conditions": [
            {"field": "consent.whatsapp", "op": "eq", "value": True},
            {"field": "location", "op": "within_km", "value": {"point": MADRID, "km": 10}}]}]},
}


def write_csv(path: str, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("email,phone,first name,last name,language,city,latitude,longitude,tags,email consent,"
                  "whatsapp consent,orders,last order\n")
        for i in range(rows):
            city, lon, lat = CITIES[i % len(CITIES)]
            lat += rng.uniform(-0.3, 0.3)
            lon += rng.uniform(-0.3, 0.3)
            tags = "vip" if i % 5 == 0 else ("newsletter;spring" if i % 3 == 0 else "")
            orders = 0 if i % 3 else rng.randint(1, 12)
            last = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}" if orders else ""
            out.write(f"user{i}@example.com,+34 6{i:08d},Name{i},Surname{i % 1000},{'es' if rng.random() < 0.6 else 'en'},"
                      f"{city},{lat:.5f},{lon:.5f},{tags},{'yes' if i % 4 else 'no'},{'yes' if i % 7 == 0 else ''},"
                      f"{orders},{last}\n")


def bare_copy(db, csv_path: str) -> float:
    """Seconds to COPY the file as it is into an unindexed table of text and number columns (the ceiling)."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("DROP TABLE IF EXISTS bench_bare_copy")
        cursor.execute("CREATE TABLE bench_bare_copy (email text, phone text, first_name text, last_name text, "
                       "language text, city text, latitude double precision, longitude double precision, tags text, "
                       "email_consent text, whatsapp_consent text, orders integer, last_order date)")
        connection.commit()
        started = time.perf_counter()
        with open(csv_path, encoding="utf-8") as fh:
            cursor.copy_expert("COPY bench_bare_copy FROM STDIN (FORMAT csv, HEADER true)", fh)
        connection.commit()
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_bare_copy")
        connection.commit()
        return elapsed
    finally:
        connection.close()


def timed(fn, times: int) -> list[float]:
    out = []
    for _ in range(times):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return sorted(out)


def p95(values: list[float]) -> float:
    return values[round(0.95 * (len(values) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--counts", type=int, default=21)
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
        print(f"wrote {args.rows} rows ({os.path.getsize(csv_path) / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s",
              flush=True)
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

        copy_seconds = bare_copy(db, csv_path)
        print(f"bare COPY of the same file into an unindexed table: {copy_seconds:.2f} s", flush=True)

        started = time.perf_counter()
        with open(csv_path, "rb") as fh:
            job = imports.create_import(account, actor=user, stream=fh, filename="customers.csv", tags="bench",
                                        enqueue=False)
        marks = []
        job = imports.run_import(job.id, on_progress=lambda j: marks.append((time.perf_counter(), j.processed_rows)))
        elapsed = time.perf_counter() - started
        assert job.status.value == "completed", job.message
        print(f"import: {job.created_count} created, {job.error_count} rejected, {len(marks)} batches, "
              f"{elapsed:.1f} s", flush=True)

        # A re-run of the same file with upsert: every row matched and compared, nothing written.
        again_started = time.perf_counter()
        with open(csv_path, "rb") as fh:
            again = imports.create_import(account, actor=user, stream=fh, filename="customers.csv", tags="bench",
                                          enqueue=False)
        again = imports.run_import(again.id)
        again_elapsed = time.perf_counter() - again_started
        print(f"re-run: {again.created_count} created, {again.updated_count} updated, "
              f"{again.unchanged_count} unchanged, {again_elapsed:.1f} s", flush=True)
        print(f"load average after the imports: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

        # As autovacuum leaves a table some time after a bulk load: statistics and the visibility map up to date.
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE customers"))
        figures = {}

        def bare():
            db.session.execute(text("SELECT count(*) FROM customers")).scalar()
            db.session.rollback()
        bare()
        figures["bare"] = timed(bare, args.counts)
        for label, rules in SEGMENTS.items():
            def count(rules=rules):
                result = segments.count_matching(account, rules)
                db.session.rollback()
                return result
            print(f"segment {label}: {count()} customers match", flush=True)
            figures[label] = timed(count, args.counts)

        rows_per_second = job.processed_rows / elapsed
        copy_rate = args.rows / copy_seconds
        print(f"bare_copy_rows_per_second: {copy_rate:.0f} rows/s")
        print(f"import_rows_per_second: {rows_per_second:.0f} rows/s")
        print(f"import_share_of_bare_copy: {100 * rows_per_second / copy_rate:.1f} %")
        print(f"import_rerun_rows_per_second: {again.processed_rows / again_elapsed:.0f} rows/s")
        print(f"bare_count_p50: {statistics.median(figures['bare']):.1f} ms")
        print(f"bare_count_p95: {p95(figures['bare']):.1f} ms")
        for label in SEGMENTS:
            print(f"segment_{label}_p50: {statistics.median(figures[label]):.1f} ms")
            print(f"segment_{label}_p95: {p95(figures[label]):.1f} ms")
            print(f"segment_{label}_p95_vs_bare_count: {p95(figures[label]) / p95(figures['bare']):.2f} x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
