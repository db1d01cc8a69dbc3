"""Campaigns at scale: 100,000 campaigns and 5,000,000 metric rows in one account, then the latency of a
filtered list page, a search page and `stats`, over HTTP against gunicorn (2 workers), one client at a time.

Needs DATABASE_URL and REDIS_URL (a throwaway database: `make bench ARGS=campaigns`). The data is generated
inside PostgreSQL (INSERT ... SELECT over generate_series: no rows cross the wire, faster than COPY from
Python), with the metrics' primary key and foreign-key checks set aside during the load and rebuilt after.
Targets: list p99 under 50 ms, stats p99 under 20 ms. GET /users/me is measured in the same run as the floor
that authentication, rate limiting and metrics put under every endpoint on this machine at that moment.

    python bench/campaigns.py [--campaigns 100000] [--days 50] [--requests 400]
"""
import argparse
import os
import random
import secrets
import sys
import tempfile
import time
import http.client
import json
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_read import PASSWORD, free_port, migrated_env, request, start_server, stop_server, wait_until_healthy  # noqa: E402

import psycopg2  # noqa: E402

CHANNELS = "ARRAY['amazon_ads','email','whatsapp','social_media','display','search']"
STATUSES = "ARRAY['draft','scheduled','active','paused','finished','cancelled']"


def load(dsn: str, account_id: str, user_id: str, campaigns: int, days: int) -> dict[str, float]:
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    cur = conn.cursor()
    timings = {}
    t0 = time.perf_counter()
    cur.execute(f"""
        INSERT INTO campaigns (id, account_id, created_by_id, name, description, channel, budget, currency, keywords,
            start_date, end_date, timezone, priority, status, demographics, target_locations, media_files, audience,
            content, sync_attempts, created_at, updated_at)
        SELECT gen_random_uuid(), %s, %s, 'Campaign ' || g,
            'Bench campaign ' || g || ' selling ' || (ARRAY['shoes','bikes','coffee','books','toys'])[1 + g %% 5],
            ({CHANNELS})[1 + g %% 6], 100 + g %% 5000, 'USD', ARRAY['kw' || g %% 100],
            now() - (g %% 365) * interval '1 day', now() + (1 + g %% 90) * interval '1 day', 'UTC',
            (ARRAY['low','medium','high'])[1 + g %% 3], ({STATUSES})[1 + (g / 7) %% 6]::campaign_status,
            '{{}}', '[]', '{{}}', '{{}}', '{{}}', 0, now() - g * interval '1 minute', now() - g * interval '1 minute'
        FROM generate_series(1, %s) AS g""", (account_id, user_id, campaigns))
    timings["campaigns_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    # Bulk-load shape: no per-row FK trigger, no per-row index insert; both come back (and are checked) after.
    cur.execute("ALTER TABLE campaign_metrics DROP CONSTRAINT campaign_metrics_pkey")
    cur.execute("DROP INDEX ix_campaign_metrics_totals")
    cur.execute("SET session_replication_role = replica")
    cur.execute("""
        INSERT INTO campaign_metrics (campaign_id, day, site, impressions, clicks, conversions, spend, updated_at)
        SELECT c.id, current_date - d, (ARRAY['amazon.com','google.com','facebook.com','imdb.com'])[1 + d %% 4],
               m.impressions, m.clicks, m.clicks / 8, round((m.clicks * 0.45)::numeric, 2), now()
        FROM campaigns c
        CROSS JOIN generate_series(0, %s - 1) AS d
        CROSS JOIN LATERAL (SELECT i AS impressions, i / (20 + (d %% 30)) AS clicks
                            FROM (SELECT 200 + ((hashtext(c.id::text)::bigint + d * 7919) & 4095) AS i) x) m
        WHERE c.account_id = %s""", (days, account_id))
    cur.execute("SET session_replication_role = DEFAULT")
    timings["metrics_insert_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    cur.execute("ALTER TABLE campaign_metrics ADD CONSTRAINT campaign_metrics_pkey PRIMARY KEY (campaign_id, day, site)")
    cur.execute("CREATE INDEX ix_campaign_metrics_totals ON campaign_metrics (campaign_id) "
                "INCLUDE (impressions, clicks, conversions, spend, updated_at)")
    timings["metrics_index_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    cur.execute("VACUUM ANALYZE campaigns")
    cur.execute("VACUUM ANALYZE campaign_metrics")
    timings["vacuum_analyze_s"] = time.perf_counter() - t0
    cur.execute("SELECT count(*) FROM campaign_metrics m JOIN campaigns c ON c.id = m.campaign_id "
                "WHERE c.account_id = %s", (account_id,))
    timings["metric_rows"] = cur.fetchone()[0]
    cur.execute("SELECT id FROM campaigns WHERE account_id = %s ORDER BY random() LIMIT 1000", (account_id,))
    timings["ids"] = [r[0] for r in cur.fetchall()]
    conn.close()
    return timings


def measure(port: int, token: str, paths: list[str]) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    latencies = []
    for path in paths:
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        latencies.append(time.perf_counter() - t0)
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}: {body[:300]!r}")
    conn.close()
    return latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=50)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    env = migrated_env("campaigns")
    dsn = os.environ["DATABASE_URL"].replace("postgresql+psycopg2://", "postgresql://")

    with tempfile.TemporaryDirectory(prefix="bench-campaigns-") as tmp:
        env["PROMETHEUS_MULTIPROC_DIR"] = tmp
        port, log_path = free_port(), Path(tmp) / "gunicorn.log"
        server = start_server(port, env, log_path)
        try:
            wait_until_healthy(port, server)
            name = f"bench_{secrets.token_hex(4)}"
            status, body = request(port, "POST", "/api/v1/auth/register", {
                "username": name, "email": f"{name}@example.com", "password": PASSWORD, "role": "store_owner"})
            if status not in (200, 201):
                raise RuntimeError(f"register answered {status}: {body}")
            token = request(port, "POST", "/api/v1/auth/login", {"username": name, "password": PASSWORD})[1][
                "access_token"]
            me = request(port, "GET", "/api/v1/accounts", token=token)[1]["accounts"][0]["id"]
            user_id = request(port, "GET", "/api/v1/users/me", token=token)[1]["id"]
            t0 = time.perf_counter()
            loaded = load(dsn, me, user_id, args.campaigns, args.days)
            load_s = time.perf_counter() - t0
            ids = loaded.pop("ids")
            rng = random.Random(1)
            statuses = ("active", "paused", "draft", "scheduled")
            channels = ("display", "email", "amazon_ads", "search")
            list_paths = [f"/api/v1/campaigns?status={rng.choice(statuses)}&channel={rng.choice(channels)}"
                          f"&sort=-created_at&size=20&page={rng.randint(1, 5)}" for _ in range(args.requests)]
            search_paths = [f"/api/v1/campaigns?search={rng.choice(['coffee', 'Campaign%2099', 'bikes'])}"
                            f"&size=20&page={rng.randint(1, 3)}" for _ in range(args.requests // 2)]
            stats_paths = [f"/api/v1/campaigns/{rng.choice(ids)}/stats" for _ in range(args.requests)]
            measure(port, token, list_paths[:50] + stats_paths[:50])  # warm-up: pools, plans, caches
            # The floor on this machine right now: an authenticated endpoint with one primary-key SELECT.
            floor_lat = measure(port, token, ["/api/v1/users/me"] * args.requests)
            list_lat = measure(port, token, list_paths)
            search_lat = measure(port, token, search_paths)
            stats_lat = measure(port, token, stats_paths)
            sample = json.loads(http_get(port, token, list_paths[0]))
        except Exception:
            stop_server(server)
            sys.stdout.write(log_path.read_text(errors="replace")[-3000:])
            raise
        stop_server(server)

    print(f"loaded {args.campaigns} campaigns and {loaded['metric_rows']} metric rows in {load_s:.1f} s "
          f"(campaigns {loaded['campaigns_s']:.1f} s, metrics insert {loaded['metrics_insert_s']:.1f} s, "
          f"indexes {loaded['metrics_index_s']:.1f} s, vacuum analyze {loaded['vacuum_analyze_s']:.1f} s)")
    print(f"a filtered page holds {len(sample['campaigns'])} of {sample['total']} matches")
    print(f"campaigns_load: {load_s:.1f} s")
    print(f"platform_floor_users_me_p50: {pct(floor_lat, 0.5):.1f} ms")
    print(f"platform_floor_users_me_p99: {pct(floor_lat, 0.99):.1f} ms")
    print(f"campaigns_list_p50: {pct(list_lat, 0.5):.1f} ms")
    print(f"campaigns_list_p99: {pct(list_lat, 0.99):.1f} ms")
    print(f"campaigns_search_p50: {pct(search_lat, 0.5):.1f} ms")
    print(f"campaigns_search_p99: {pct(search_lat, 0.99):.1f} ms")
    print(f"campaigns_stats_p50: {pct(stats_lat, 0.5):.1f} ms")
    print(f"campaigns_stats_p99: {pct(stats_lat, 0.99):.1f} ms")
    return 0


def http_get(port: int, token: str, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    body = conn.getresponse().read()
    conn.close()
    return body


if __name__ == "__main__":
    sys.exit(main())
