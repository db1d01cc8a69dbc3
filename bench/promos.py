"""Flash promos: holds per second over HTTP beside bare Flask endpoints, an oversell audit, and the eligibility query.

1. Holds: the product (the Procfile's gunicorn, 2 sync workers) answering `POST /api/v1/reservations` with a
   bearer token, beside, under the same gunicorn settings, a bare Flask app (`bare` below) answering
   `POST /hold` with the very same hold statement through a psycopg2 pool and `GET /hello` with JSON. `wrk` with
   100 connections, a Lua script spreading the holds over 1,000 customers. Each run is audited afterwards: the
   store product's stock plus the units of its live and confirmed holds equals what it started with, and no
   more units are held than there were. A second run on a stock of 200 checks that exactly 200 are held.
2. Eligibility: 1,000,000 customers around Bogotá (~1,250 within 2 km of any point), the promo's eligibility
   statement (app/services/promo_notify.py) counted for 200 random store positions; p50 and p95.

Run: `make bench ARGS=promos` (a throwaway database). The last lines are `name: value unit`.
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import Flask, jsonify, request as flask_request

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT))

# --- the bare app (gunicorn loads `promos:bare`) -----------------------------------------------------------------

bare = Flask("bare_promos")
_pool = None


def _bare_pool():
    global _pool
    if _pool is None:  # after the fork, one per worker
        from psycopg2.pool import ThreadedConnectionPool
        _pool = ThreadedConnectionPool(1, 2, os.environ["BARE_DSN"])
    return _pool


@bare.get("/hello")
def bare_hello():
    return jsonify(status="ok")


@bare.get("/health")
def bare_health():
    return jsonify(status="ok")


@bare.post("/hold")
def bare_hold():
    from app.services.reservations import _HOLD  # imported by the warm-up, before the measured rounds
    data = flask_request.get_json()
    conn = _bare_pool().getconn()
    try:
        with conn.cursor() as cur:
            sql = _HOLD.text
            for name in ("id", "account_id", "promo_id", "customer_id", "quantity", "token", "hold_seconds",
                         "lock_key"):
                sql = sql.replace(f":{name}", f"%({name})s")
            cur.execute(sql, {"id": str(uuid.uuid4()), "account_id": data["account_id"], "promo_id": data["promo_id"],
                              "customer_id": data["customer_id"], "quantity": 1,
                              "token": uuid.uuid4().hex + uuid.uuid4().hex, "hold_seconds": 600,
                              "lock_key": f"hold:{data['promo_id']}:{data['customer_id']}"})
            row = cur.fetchone()
        conn.commit()
    finally:
        _bare_pool().putconn(conn)
    return (jsonify(id=row[0]), 201) if row else (jsonify(error="short"), 409)


# --- the run ---------------------------------------------------------------------------------------------------

LUA = """
local customers = {%s}
local n = 0
request = function()
  n = n + 1
  local body = '{"promo_id": "%s", "customer_id": "' .. customers[(n %% #customers) + 1] .. '", "quantity": 1%s}'
  return wrk.format("POST", "%s", nil, body)
end
"""


def lua_script(tmp: Path, customers: list[str], promo: dict, path: str, name: str) -> Path:
    extra = f', "account_id": "{promo["account_id"]}"' if path == "/hold" else ""
    script = tmp / f"{name}.lua"
    script.write_text(LUA % (", ".join(f'"{c}"' for c in customers), promo["id"], extra, path))
    return script


def setup(port: int, dsn: str, *, stock: int) -> tuple[str, dict, list[str]]:
    """A store owner, a store, a product in stock, a promo running now, 1,000 customers; over the API and SQL."""
    import psycopg2
    from api_read import PASSWORD, request
    name = f"bench_{uuid.uuid4().hex[:8]}"
    request(port, "POST", "/api/v1/auth/register", {"username": name, "email": f"{name}@example.com",
                                                    "password": PASSWORD, "full_name": "Bench",
                                                    "role": "store_owner"})
    token = request(port, "POST", "/api/v1/auth/login", {"username": name, "password": PASSWORD})[1]["access_token"]
    store = request(port, "POST", "/api/v1/stores", {"name": "Bench", "location": {
        "type": "point", "coordinates": [-74.0486, 4.6766]}}, token)[1]
    product = request(port, "POST", "/api/v1/products", {"sku": "B-1", "name": "Bench", "price": 10}, token)[1]
    item = request(port, "POST", "/api/v1/store-products", {"store_id": store["id"], "product_id": product["id"],
                                                            "stock": stock}, token)[1]
    now = datetime.now(timezone.utc)
    promo = request(port, "POST", "/api/v1/promos", {
        "store_product_id": item["id"], "promo_price": 5, "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(), "max_per_customer": 1000}, token)[1]
    if "store_product_id" not in promo:
        raise RuntimeError(f"the promo was refused: {promo} (store {store}, product {product}, item {item})")
    account_id = request(port, "GET", "/api/v1/accounts", token=token)[1]["accounts"][0]["id"]
    promo["account_id"] = account_id
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO customers (id, account_id, first_name, email) SELECT gen_random_uuid(), %s, 'C', "
                    "'c' || n || '@example.com' FROM generate_series(1, 1000) n RETURNING id", (account_id,))
        customers = [str(r[0]) for r in cur.fetchall()]
    return token, promo, customers


def audit(dsn: str, promo: dict, initial: int) -> tuple[int, int]:
    """(units held or sold, oversold units): stock + held + confirmed must equal the initial stock.

    Read in one statement (one snapshot) once the servers are quiet: wrk stops sending before the workers have
    answered the requests queued on their sockets, and two reads apart would see a hold land in between."""
    import psycopg2
    previous = None
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        while True:
            cur.execute("SELECT (SELECT stock FROM store_products WHERE id = %(sp)s), "
                        "(SELECT coalesce(sum(quantity), 0) FROM reservations WHERE store_product_id = %(sp)s "
                        "AND status IN ('held', 'confirmed'))", {"sp": promo["store_product_id"]})
            stock, taken = cur.fetchone()
            conn.rollback()
            if (stock, taken) == previous:
                break
            previous = (stock, taken)
            time.sleep(2)
    taken = int(taken)
    if stock < 0 or stock + taken != initial:
        raise SystemExit(f"AUDIT FAILED: stock {stock} + taken {taken} != {initial}")
    return taken, max(0, taken - initial)


def eligibility(env: dict, *, customers: int, samples: int) -> tuple[float, float, float]:
    """p50 and p95 (ms) of the eligibility count for 2 km around random stores, and the mean match count."""
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL")})
    from sqlalchemy import func, select, text
    from app import create_app
    from app.extensions import db
    from app.models import FlashPromo, PromoAudience, PromoChannel
    from app.services import promo_notify
    app = create_app("testing")
    with app.app_context():
        account_id = db.session.execute(text("SELECT id FROM accounts LIMIT 1")).scalar()
        started = time.perf_counter()
        db.session.execute(text(
            "INSERT INTO customers (id, account_id, first_name, location, push_consent) "
            "SELECT gen_random_uuid(), :a, 'G', ST_GeogFromText('SRID=4326;POINT(' || (-74.6 + random() * 0.9) "
            "|| ' ' || (4.2 + random() * 0.9) || ')'), true FROM generate_series(1, :n)"), {"a": account_id,
                                                                                          "n": customers})
        db.session.commit()
        db.session.execute(text("ANALYZE customers"))
        db.session.commit()
        print(f"loaded {customers:,} customers in {time.perf_counter() - started:.1f} s", flush=True)
        store_id = db.session.execute(text(
            "INSERT INTO stores (id, account_id, name, address, location, timezone) VALUES (gen_random_uuid(), :a, "
            "'Eligibility', '', ST_GeogFromText('SRID=4326;POINT(-74.15 4.65)'), 'UTC') RETURNING id"),
            {"a": account_id}).scalar()
        db.session.commit()
        timings, matches = [], []
        for _ in range(samples):
            lon, lat = -74.5 + random.random() * 0.7, 4.3 + random.random() * 0.7
            db.session.execute(text("UPDATE stores SET location = ST_GeogFromText(:p) WHERE id = :id"),
                               {"p": f"SRID=4326;POINT({lon} {lat})", "id": store_id})
            db.session.commit()
            promo = FlashPromo(account_id=account_id, store_id=store_id, radius_m=2000, audience=PromoAudience.ALL,
                               channel=PromoChannel.PUSH)
            stmt = select(func.count()).select_from(promo_notify.eligible_query(promo).subquery())
            t0 = time.perf_counter()
            matches.append(db.session.scalar(stmt))
            timings.append((time.perf_counter() - t0) * 1000)
            db.session.rollback()
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], statistics.mean(matches)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    from api_read import (CpuMeter, ensure_wrk, free_port, migrated_env, start_server, stop_server,
                          wait_until_healthy, wrk)
    binary = ensure_wrk()
    env = migrated_env("promos")
    dsn = env["DATABASE_URL"].replace("postgresql+psycopg2://", "postgresql://")
    tmp = Path(tempfile.mkdtemp(prefix="bench-promos-"))
    log = tmp / "gunicorn.log"
    product_port, bare_port = free_port(), free_port()
    product_env = dict(env, PROMETHEUS_MULTIPROC_DIR=str(tmp / "prometheus"), HOLD_SECONDS="600")
    Path(product_env["PROMETHEUS_MULTIPROC_DIR"]).mkdir()
    product = start_server(product_port, product_env, log)
    bare_server = start_server(bare_port, dict(env, BARE_DSN=dsn, PYTHONPATH=str(ROOT)), log, app="promos:bare",
                               chdir=BENCH_DIR)
    results: dict[str, list] = {"bare_hello": [], "bare_hold": [], "product_hold": []}
    try:
        wait_until_healthy(product_port, product)
        wait_until_healthy(bare_port, bare_server)
        initial = 10_000_000
        token, promo, customers = setup(product_port, dsn, stock=initial)
        auth = {"Authorization": f"Bearer {token}"}
        scripts = {"bare_hold": lua_script(tmp, customers, promo, "/hold", "bare"),
                   "product_hold": lua_script(tmp, customers, promo, "/api/v1/reservations", "product")}
        meters = {"bare_hello": CpuMeter([bare_server.pid], dsn, None),
                  "bare_hold": CpuMeter([bare_server.pid], dsn, None),
                  "product_hold": CpuMeter([product.pid], dsn, env.get("REDIS_URL"))}
        # Warm-up: imports, pools and plans of every worker, not in the figures.
        wrk(binary, "warm", f"http://127.0.0.1:{bare_port}/hello", {}, seconds=2, connections=args.connections)
        for name, port, headers in (("bare_hold", bare_port, {}), ("product_hold", product_port, auth)):
            path = "/hold" if name == "bare_hold" else "/api/v1/reservations"
            wrk(binary, "warm", f"http://127.0.0.1:{port}{path}", headers, script=scripts[name], seconds=3,
                connections=args.connections)
        for n in range(args.rounds):
            print(f"round {n + 1}:", flush=True)
            run = wrk(binary, "bare_hello", f"http://127.0.0.1:{bare_port}/hello", {}, seconds=args.seconds,
                      connections=args.connections, meter=meters["bare_hello"])
            results["bare_hello"].append(run)
            print("  " + run.line(), flush=True)
            for name, port, headers in (("bare_hold", bare_port, {}), ("product_hold", product_port, auth)):
                path = "/hold" if name == "bare_hold" else "/api/v1/reservations"
                run = wrk(binary, name, f"http://127.0.0.1:{port}{path}", headers, script=scripts[name],
                          seconds=args.seconds, connections=args.connections, meter=meters[name])
                results[name].append(run)
                print("  " + run.line(), flush=True)
        taken, oversold = audit(dsn, promo, initial)
        print(f"audit: {taken} units held, stock + held = initial, oversold {oversold}", flush=True)
        # Scarce stock: 200 units, everyone at once, until none is left.
        token, scarce, customers = setup(product_port, dsn, stock=200)
        script = lua_script(tmp, customers, scarce, "/api/v1/reservations", "scarce")
        wrk(binary, "scarce", f"http://127.0.0.1:{product_port}/api/v1/reservations",
            {"Authorization": f"Bearer {token}"}, script=script, seconds=8, connections=args.connections)
        scarce_taken, scarce_over = audit(dsn, scarce, 200)
        print(f"audit, stock 200 under {args.connections} connections: {scarce_taken} held, oversold {scarce_over}",
              flush=True)
    finally:
        stop_server(product)
        stop_server(bare_server)
    p50, p95, mean_matches = eligibility(env, customers=args.customers, samples=args.samples)

    def best(name):
        return max(results[name], key=lambda r: r.rate)

    product_rate, bare_rate, hello = best("product_hold").rate, best("bare_hold").rate, best("bare_hello").rate
    print(f"product_holds_per_s: {product_rate:.0f} holds/s")
    print(f"product_hold_p99: {best('product_hold').p99:.1f} ms")
    print(f"bare_hold_per_s: {bare_rate:.0f} holds/s")
    print(f"bare_hello_per_s: {hello:.0f} req/s")
    print(f"product_share_of_bare_hold: {100 * product_rate / bare_rate:.0f} %")
    print(f"product_share_of_bare_hello: {100 * product_rate / hello:.0f} %")
    cpu = {name: statistics.mean(r.cpu_us for r in runs) for name, runs in results.items()}
    print(f"product_hold_cpu_per_request: {cpu['product_hold']:.0f} us")
    print(f"bare_hold_cpu_per_request: {cpu['bare_hold']:.0f} us")
    print(f"product_share_of_bare_hold_by_cpu: {100 * cpu['bare_hold'] / cpu['product_hold']:.0f} %")
    print(f"oversold_units: {oversold + scarce_over} units")
    print(f"eligibility_2km_matches: {mean_matches:.0f} customers")
    print(f"eligibility_2km_p50: {p50:.1f} ms")
    print(f"eligibility_2km_p95: {p95:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
