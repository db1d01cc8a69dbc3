"""API read path side by side with a bare app: the product's reads against one primary-key SELECT, wrk at 64 connections.

Needs DATABASE_URL and REDIS_URL (a throwaway database: `make bench ARGS=api_read`). Migrates the database,
starts the product (`wsgi:app`) and a bare Flask app (bench/_bare_app.py: one primary-key SELECT of the same
`campaigns` row as JSON through a psycopg2 pool) under the same gunicorn settings as the Procfile (2 sync
workers), builds a demo-sized account (campaigns, a campaign with 90 days x 4 sites of metrics, customers),
signs in with a bearer token and with the login page (session cookie), then runs
`wrk -t2 -c64 -d10s --latency` against each endpoint in turn, alternating, for --rounds rounds. Every figure
of a round is compared with the bare app's in the same round; the printed ratio is the mean over rounds.

The load generator is compiled `wrk` (Debian package `wrk`, installed when missing): a Python one saturates
a core itself and understates both sides.

    python bench/api_read.py [--rounds 2] [--seconds 10] [--connections 64] [--workers 2]
    python bench/api_read.py --profile detail        # py-spy over the workers during one run: top frames
"""
import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
PASSWORD = "Str0ng-passw0rd!"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, method: str, path: str, body: dict | None = None, token: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None
    finally:
        conn.close()


def start_server(port: int, env: dict, log_path: Path, *, workers: int = 2, app: str = "wsgi:app",
                 chdir: Path = ROOT) -> subprocess.Popen:
    log = open(log_path, "ab")
    return subprocess.Popen(
        # The Procfile's gunicorn: sync workers. No control socket: its default path is shared by every gunicorn
        # of this OS user.
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--no-control-socket",
         app],
        cwd=chdir, env=env, stdout=log, stderr=subprocess.STDOUT,
    )


def wait_until_healthy(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        try:
            if request(port, "GET", "/health")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not answer 200 on /health within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def migrated_env(bench: str) -> dict:
    """The environment for a benchmark's server: a throwaway database (migrated here), limits out of the way."""
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            sys.exit(f"{name} is not set: run `make bench ARGS={bench}` (a throwaway database)")
    env = dict(os.environ, FLASK_APP="wsgi.py", LOG_LEVEL="WARNING",
               # The app limits each client to RATE_LIMIT_DEFAULT; a benchmark is one very busy client.
               RATE_LIMIT_DEFAULT="100000000/hour", RATE_LIMIT_LOGIN="1000000/hour")
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return env


# wrk ---------------------------------------------------------------------------------------------------------

def ensure_wrk() -> str:
    """The compiled load generator; installed from Debian (as root) when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk (Debian package)", flush=True)
        with open("/var/lock/campaignhub-apt.lock", "w") as lock:  # the same lock scripts/bootstrap.sh takes
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            if subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"], env=env,
                              stdout=subprocess.DEVNULL).returncode != 0:
                subprocess.run(["apt-get", "update", "-qq"], env=env, check=True, stdout=subprocess.DEVNULL)
                subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"], env=env,
                               check=True, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is missing: apt-get install wrk (as root)")
    return found


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


@dataclass
class Run:
    name: str
    rate: float
    p50: float
    p99: float
    requests: int
    bad: int  # non-2xx/3xx answers plus socket errors other than the server closing after an answer
    cpu_us: float = 0.0  # CPU time per request over every process serving it (see CpuMeter); 0 when not metered
    cpu_by: dict = field(default_factory=dict)  # the same by process: web, postgres, redis, wrk

    def line(self) -> str:
        return f"{self.name:<28} {self.rate:8.0f} req/s   p50 {self.p50:7.1f} ms   p99 {self.p99:7.1f} ms" + (
            f"   CPU {self.cpu_us:6.0f} µs/req (" + ", ".join(f"{k} {v:.0f}" for k, v in self.cpu_by.items()) + ")"
            if self.cpu_us else "") + (
            f"   ({self.bad} bad of {self.requests})" if self.bad else "")


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (fields 14 and 15 of proc(5))


class CpuMeter:
    """CPU seconds spent on a run by every process that serves it: the gunicorn master and workers, the
    PostgreSQL backends of the benchmark's database, the Redis server, and wrk itself.

    On this shared machine a run's rate moves with whatever else runs (2x between runs), while the CPU a request
    costs barely does: bare CPU / product CPU is the share of the bare app's rate the product would reach with
    the machine to itself. Printed beside the measured share, never instead of it.
    """

    def __init__(self, server_pids: list[int], dsn: str | None, redis_url: str | None):
        self.server_pids, self.dsn, self.redis_pid = server_pids, dsn, _redis_pid(redis_url)

    def _web_pids(self) -> set[int]:
        """The gunicorn masters and their workers."""
        pids = set(self.server_pids)
        for pid in self.server_pids:
            children = Path(f"/proc/{pid}/task/{pid}/children")
            if children.exists():
                pids |= {int(p) for p in children.read_text().split()}
        return pids

    def _pids(self) -> set[int]:
        pids = self._web_pids()
        if self.dsn:
            import psycopg2
            conn = psycopg2.connect(self.dsn)
            cur = conn.cursor()
            cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
            pids |= {row[0] for row in cur.fetchall()}
            conn.close()
        if self.redis_pid:
            pids.add(self.redis_pid)
        return pids

    def snapshot(self) -> dict[int, float]:
        return {pid: _cpu_seconds(pid) for pid in self._pids()}

    def since(self, before: dict[int, float]) -> dict[str, float]:
        """CPU seconds since `before`, by what spent them: web (gunicorn), postgres, redis."""
        after, web = self.snapshot(), self._web_pids()
        out = {"web": 0.0, "postgres": 0.0, "redis": 0.0}
        for pid, cpu in after.items():
            group = "web" if pid in web else "redis" if pid == self.redis_pid else "postgres"
            out[group] += max(0.0, cpu - before.get(pid, 0.0))
        return out


def _redis_pid(url: str | None) -> int | None:
    if not url:
        return None
    import redis
    try:
        return int(redis.Redis.from_url(url).info("server")["process_id"])
    except Exception:  # noqa: BLE001 - a Redis we cannot ask is left out of the CPU figure
        return None


def wrk(binary: str, name: str, url: str, headers: dict, *, seconds: float, connections: int,
        meter: CpuMeter | None = None, script: Path | None = None) -> Run:
    """One wrk run; `script` is a wrk Lua script (a POST body per request), `meter` adds the CPU per request."""
    cmd = [binary, "-t2", f"-c{connections}", f"-d{int(seconds)}s", "--latency", "--timeout", "10s"]
    if script is not None:
        cmd += ["-s", str(script), "-H", "Content-Type: application/json"]
    for key, value in headers.items():
        cmd += ["-H", f"{key}: {value}"]
    before = meter.snapshot() if meter else None
    children = os.times()
    out = subprocess.run(cmd + [url], check=True, capture_output=True, text=True).stdout
    wrk_cpu = (os.times().children_user - children.children_user) + (
        os.times().children_system - children.children_system)
    served = meter.since(before) if meter else {}
    rate = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    if m := re.search(r"Socket errors: connect (\d+), read \d+, write (\d+), timeout (\d+)", out):
        bad += int(m.group(1)) + int(m.group(2)) + int(m.group(3))
    cpu = {key: 1e6 * value / total for key, value in dict(served, wrk=wrk_cpu).items()} if meter and total else {}
    return Run(name, rate, p50, p99, total, bad, sum(cpu.values()), cpu)


# The demo-sized account ---------------------------------------------------------------------------------------

@dataclass
class Demo:
    token: str
    cookie: str
    campaign_id: str
    paths: dict[str, str] = field(default_factory=dict)


def load_demo(dsn: str, account_id: str, user_id: str, *, campaigns: int = 60, customers: int = 200) -> str:
    """Campaigns (one with 90 days x 4 sites of metrics, the rest with a week), customers; the detailed one's id."""
    import psycopg2

    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("""
        INSERT INTO campaigns (id, account_id, created_by_id, name, description, channel, budget, currency, keywords,
            start_date, end_date, timezone, priority, status, demographics, target_locations, media_files, audience,
            content, sync_attempts, created_at, updated_at)
        SELECT gen_random_uuid(), %s, %s, 'Demo campaign ' || g, 'Spring sale for shoes, bikes and coffee ' || g,
            (ARRAY['display','email','social_media','search'])[1 + g %% 4], 500 + g * 10, 'USD',
            ARRAY['spring', 'sale', 'kw' || g], now() - interval '90 days', now() + interval '30 days', 'UTC',
            (ARRAY['low','medium','high'])[1 + g %% 3],
            (ARRAY['active','paused','draft','finished'])[1 + g %% 4]::campaign_status,
            '{"age": "25-35", "gender": "all", "interests": ["shoes"]}',
            '[{"type": "point", "coordinates": [-3.7038, 40.4168], "name": "Madrid"}]', '{}', '{}',
            '{"headline": "Spring sale"}', 0, now() - g * interval '1 hour', now() - g * interval '1 hour'
        FROM generate_series(1, %s) AS g""", (account_id, user_id, campaigns))
    cur.execute("""
        INSERT INTO campaign_metrics (campaign_id, day, site, impressions, clicks, conversions, spend, updated_at)
        SELECT c.id, current_date - d, s.site, 1000 + d * 3, 40 + d %% 7, 4 + d %% 3, 18.50 + d %% 5, now()
        FROM campaigns c CROSS JOIN generate_series(0, CASE WHEN c.name = 'Demo campaign 1' THEN 89 ELSE 6 END) d
        CROSS JOIN unnest(ARRAY['amazon.com','google.com','facebook.com','imdb.com']) AS s(site)
        WHERE c.account_id = %s""", (account_id,))
    cur.execute("SELECT id FROM campaigns WHERE account_id = %s AND name = 'Demo campaign 1'", (account_id,))
    campaign_id = str(cur.fetchone()[0])
    conn.close()
    return campaign_id


def settle(dsn: str) -> None:
    """What autovacuum does to a running database: planner statistics and visibility maps (index-only scans)."""
    import psycopg2

    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    for table in ("users", "accounts", "memberships", "campaigns", "campaign_metrics", "customers"):
        conn.cursor().execute(f"VACUUM ANALYZE {table}")
    conn.close()


def demo_customers(port: int, token: str, count: int) -> None:
    for n in range(count):
        status, body = request(port, "POST", "/api/v1/customers", {
            "email": f"customer{n}@example.com", "first_name": f"Name{n}", "last_name": "Demo",
            "language": ("en", "es")[n % 2], "tags": ["vip"] if n % 5 == 0 else []}, token=token)
        if status != 201:
            raise RuntimeError(f"POST /customers answered {status}: {body}")


def page_session(port: int, username: str) -> str:
    """Sign in through the login page (CSRF token and all); the session cookie it sets."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/login")
    response = conn.getresponse()
    html = response.read().decode()
    cookies = {c.split("=", 1)[0]: c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []}
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    form = {"username": username, "password": PASSWORD, **({"csrf_token": csrf.group(1)} if csrf else {})}
    conn.request("POST", "/login", body=urllib.parse.urlencode(form),
                 headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": "; ".join(cookies.values())})
    response = conn.getresponse()
    response.read()
    conn.close()
    for c in response.headers.get_all("Set-Cookie") or []:
        if c.startswith("session="):
            if response.status != 302:
                break
            return c.split(";", 1)[0]
    raise RuntimeError(f"the login page answered {response.status} without a session")


def make_demo(port: int, dsn: str) -> Demo:
    name = f"bench_{secrets.token_hex(4)}"
    status, body = request(port, "POST", "/api/v1/auth/register", {
        "username": name, "email": f"{name}@example.com", "password": PASSWORD,
        "full_name": "Bench User", "role": "store_owner"})
    if status not in (200, 201):
        raise RuntimeError(f"register answered {status}: {body}")
    status, body = request(port, "POST", "/api/v1/auth/login", {"username": name, "password": PASSWORD})
    if status != 200:
        raise RuntimeError(f"login answered {status}: {body}")
    token = body["access_token"]
    account_id = request(port, "GET", "/api/v1/accounts", token=token)[1]["accounts"][0]["id"]
    user_id = request(port, "GET", "/api/v1/users/me", token=token)[1]["id"]
    campaign_id = load_demo(dsn, account_id, user_id)
    demo_customers(port, token, 200)
    settle(dsn)
    demo = Demo(token=token, cookie=page_session(port, name), campaign_id=campaign_id)
    demo.paths = {
        "users_me": "/api/v1/users/me",
        "campaign_detail": f"/api/v1/campaigns/{campaign_id}",
        "campaigns_list": "/api/v1/campaigns?size=20",
        "customers_list": "/api/v1/customers?size=20",
        "campaigns_page": "/campaigns",
    }
    return demo


def targets(demo: Demo, product: int, bare: int) -> list[tuple[str, str, dict]]:
    """(name, URL, headers) of every endpoint measured, the bare app first."""
    bearer = {"Authorization": f"Bearer {demo.token}"}
    out = [("bare", f"http://127.0.0.1:{bare}/campaigns/{demo.campaign_id}", {})]
    for name, path in demo.paths.items():
        headers = {"Cookie": demo.cookie} if name == "campaigns_page" else bearer
        out.append((name, f"http://127.0.0.1:{product}{path}", headers))
    return out


def check_answers(demo: Demo, measured: list[tuple[str, str, dict]]) -> None:
    """Each URL answers 200 before it is measured (a 302 to the login page or a 429 would be fast and wrong)."""
    for name, url, headers in measured:
        parts = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers)
        response = conn.getresponse()
        body = response.read()
        conn.close()
        if response.status != 200:
            raise RuntimeError(f"{name} answered {response.status}: {body[:300]!r}")


# Profiling ---------------------------------------------------------------------------------------------------

def profile(binary: str, server: subprocess.Popen, name: str, url: str, headers: dict, *, seconds: float,
            connections: int, top: int = 15) -> None:
    """py-spy over every gunicorn worker while wrk runs: the frames with most samples, self and inclusive."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "py-spy"], check=True)
    with tempfile.NamedTemporaryFile(suffix=".txt") as raw:
        spy = subprocess.Popen([py_spy, "record", "--pid", str(server.pid), "--subprocesses", "--format", "raw",
                                "--rate", "250", "--nonblocking", "--duration", str(int(seconds) + 1),
                                "--output", raw.name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        run = wrk(binary, name, url, headers, seconds=seconds, connections=connections)
        spy.wait()
        stacks = [line.rsplit(" ", 1) for line in Path(raw.name).read_text().splitlines() if line.strip()]
    print(run.line())
    total = sum(int(n) for _, n in stacks) or 1
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    for stack, n in stacks:
        frames = [re.sub(r" \((.*/)?(site-packages/)?", " (", f) for f in stack.split(";")
                  if not f.startswith("process ")]
        if not frames:
            continue
        own[frames[-1]] = own.get(frames[-1], 0) + int(n)
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + int(n)
    print(f"py-spy, {total} samples of the workers during {name} (idle waits included):")
    print("  self %  frame")
    for frame, n in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {100 * n / total:5.1f}  {frame}")
    print("  incl %  frame (below the server's own frames: gunicorn, Flask's dispatch)")
    spine = 0.85 * max(inclusive.values(), default=0)
    for frame, n in [kv for kv in sorted(inclusive.items(), key=lambda kv: -kv[1]) if kv[1] < spine][:top * 2]:
        print(f"  {100 * n / total:5.1f}  {frame}")


# Running it ----------------------------------------------------------------------------------------------------

class Servers:
    """The product and the bare app under the same gunicorn settings, on free ports, until closed."""

    def __init__(self, env: dict, tmp: Path, workers: int):
        self.env, self.tmp, self.workers = env, tmp, workers
        self.product_port, self.bare_port = free_port(), free_port()
        self.log = tmp / "gunicorn.log"
        product_env = dict(env, PROMETHEUS_MULTIPROC_DIR=str(tmp / f"prometheus-{workers}"))
        Path(product_env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(exist_ok=True)
        bare_env = dict(env, BARE_DSN=env["DATABASE_URL"].replace("postgresql+psycopg2://", "postgresql://"))
        self.product = start_server(self.product_port, product_env, self.log, workers=workers)
        self.bare = start_server(self.bare_port, bare_env, self.log, workers=workers, app="_bare_app:app",
                                 chdir=BENCH_DIR)

    def __enter__(self):
        try:
            wait_until_healthy(self.product_port, self.product)
            wait_until_healthy(self.bare_port, self.bare)
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    def meter(self, name: str) -> CpuMeter:
        """What serves the endpoint `name`: the bare app's gunicorn and backends, or the product's and Redis."""
        dsn = self.env["DATABASE_URL"].replace("postgresql+psycopg2://", "postgresql://")
        if name == "bare":
            return CpuMeter([self.bare.pid], dsn, None)
        return CpuMeter([self.product.pid], dsn, self.env.get("REDIS_URL"))

    def __exit__(self, exc_type, *_):
        stop_server(self.product)
        stop_server(self.bare)
        if exc_type is not None:
            sys.stdout.write(self.log.read_text(errors="replace")[-3000:])


def measure_rounds(binary: str, measured, *, rounds: int, seconds: float, connections: int,
                   servers: "Servers | None" = None) -> dict[str, list[Run]]:
    """Every endpoint in turn, the bare app first, `rounds` times; the machine's drift hits all of them alike.
    With `servers`, each run's CPU per request is metered too (CpuMeter)."""
    results: dict[str, list[Run]] = {name: [] for name, _, _ in measured}
    for name, url, headers in measured:  # warm-up: imports, pools, plans
        wrk(binary, name, url, headers, seconds=2, connections=connections)
    for n in range(rounds):
        print(f"round {n + 1}:", flush=True)
        for name, url, headers in measured:
            run = wrk(binary, name, url, headers, seconds=seconds, connections=connections,
                      meter=servers.meter(name) if servers else None)
            results[name].append(run)
            print("  " + run.line(), flush=True)
    return results


def summarise(results: dict[str, list[Run]], prefix: str = "api_read") -> list[str]:
    """`name: value unit` lines: rate, p50, p99 and, for the product, the share of the bare app's rate and
    the ratio of p99s, each computed within a round and averaged over rounds."""
    bare = results["bare"]
    lines = []
    for name, runs in results.items():
        lines += [f"{prefix}_{name}_rps: {statistics.mean(r.rate for r in runs):.0f} req/s",
                  f"{prefix}_{name}_p50: {statistics.mean(r.p50 for r in runs):.1f} ms",
                  f"{prefix}_{name}_p99: {statistics.mean(r.p99 for r in runs):.1f} ms"]
        if all(r.cpu_us for r in runs):
            lines.append(f"{prefix}_{name}_cpu_per_request: {statistics.mean(r.cpu_us for r in runs):.0f} us")
        if name != "bare":
            share = statistics.mean(r.rate / b.rate for r, b in zip(runs, bare))
            p99 = statistics.mean(r.p99 / b.p99 for r, b in zip(runs, bare))
            lines += [f"{prefix}_{name}_share_of_bare: {100 * share:.0f} %",
                      f"{prefix}_{name}_p99_vs_bare: {p99:.2f} x"]
            if all(r.cpu_us for r in runs + bare):
                by_cpu = statistics.mean(b.cpu_us / r.cpu_us for r, b in zip(runs, bare))
                lines.append(f"{prefix}_{name}_share_of_bare_by_cpu: {100 * by_cpu:.0f} %")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", metavar="ENDPOINTS", help="comma-separated endpoints to measure (the bare app "
                                                               "is always measured)")
    parser.add_argument("--profile", metavar="ENDPOINT",
                        help="instead of measuring, profile one endpoint (bare, users_me, campaign_detail, "
                             "campaigns_list, customers_list, campaigns_page) with py-spy")
    args = parser.parse_args()
    binary = ensure_wrk()
    env = migrated_env("api_read")
    dsn = env["DATABASE_URL"].replace("postgresql+psycopg2://", "postgresql://")

    with tempfile.TemporaryDirectory(prefix="bench-api-read-") as tmp, Servers(env, Path(tmp), args.workers) as s:
        demo = make_demo(s.product_port, dsn)
        measured = targets(demo, s.product_port, s.bare_port)
        if args.only:
            measured = [t for t in measured if t[0] == "bare" or t[0] in args.only.split(",")]
        check_answers(demo, measured)
        if args.profile:
            name, url, headers = next(t for t in measured if t[0] == args.profile)
            wrk(binary, name, url, headers, seconds=2, connections=args.connections)
            server = s.bare if name == "bare" else s.product
            profile(binary, server, name, url, headers, seconds=args.seconds, connections=args.connections)
            return 0
        results = measure_rounds(binary, measured, rounds=args.rounds, seconds=args.seconds,
                                 connections=args.connections, servers=s)
    bad = {name: sum(r.bad for r in runs) for name, runs in results.items()}
    print(f"wrk -t2 -c{args.connections} -d{args.seconds:.0f}s --latency, gunicorn {args.workers} sync workers "
          f"for both apps, {args.rounds} rounds; share and p99 ratio are per round, then averaged")
    for line in summarise(results):
        print(line)
    # Failed answers make the figures meaningless (a 429 is fast): say so with the exit status.
    broken = [name for name, n in bad.items() if n > sum(r.requests for r in results[name]) / 100]
    if broken:
        print(f"too many failed answers: {', '.join(broken)}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
