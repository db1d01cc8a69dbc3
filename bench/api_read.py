"""API read path: GET /api/v1/users/me with a bearer token, from 32 threads, against gunicorn (2 workers).

Needs DATABASE_URL and REDIS_URL (a throwaway database: `make bench ARGS=api_read`). Migrates the
database, starts gunicorn on a free port, registers and logs in a user, then measures for ~10 s.
Compare with PERFORMANCE.md: ~2,500 req/s for gunicorn + Flask + one primary-key SELECT.

    python bench/api_read.py [--threads 32] [--seconds 10]
"""
import argparse
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


def start_server(port: int, env: dict, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "wb")
    return subprocess.Popen(
        # No control socket: its default path is shared by every gunicorn of this OS user.
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--no-control-socket", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
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


def hammer(port: int, token: str, threads: int, seconds: float) -> tuple[list[float], int, float]:
    """Send GET /users/me from `threads` threads until `seconds` pass; latencies in seconds."""
    headers = {"Authorization": f"Bearer {token}"}
    start = threading.Barrier(threads + 1)
    stop_at = [0.0]
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads

    def worker(i: int) -> None:
        # http.client reconnects by itself when the server closes the connection (gunicorn's
        # sync workers close after each answer); a keep-alive server keeps it open.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = latencies[i]
        start.wait()
        while (t0 := time.perf_counter()) < stop_at[0]:
            try:
                conn.request("GET", "/api/v1/users/me", headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                ok = False
            if ok:
                mine.append(time.perf_counter() - t0)
            else:
                errors[i] += 1
        conn.close()

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    start.wait()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - began
    return [x for per_thread in latencies for x in per_thread], sum(errors), elapsed


def migrated_env(bench: str) -> dict:
    """The environment for a benchmark's server: a throwaway database (migrated here), limits out of the way."""
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            sys.exit(f"{name} is not set: run `make bench ARGS={bench}` (a throwaway database)")
    env = dict(os.environ, FLASK_APP="wsgi.py", LOG_LEVEL="WARNING",
               # The app limits each client to RATE_LIMIT_DEFAULT; a benchmark is one very busy client.
               RATE_LIMIT_DEFAULT="1000000/hour", RATE_LIMIT_LOGIN="1000000/hour")
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    env = migrated_env("api_read")

    with tempfile.TemporaryDirectory(prefix="bench-api-read-") as tmp:
        env["PROMETHEUS_MULTIPROC_DIR"] = tmp
        port, log_path = free_port(), Path(tmp) / "gunicorn.log"
        server = start_server(port, env, log_path)
        try:
            wait_until_healthy(port, server)
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

            hammer(port, token, args.threads, 1.0)  # warm-up: imports, pools, caches
            latencies, errors, elapsed = hammer(port, token, args.threads, args.seconds)
        except Exception:
            stop_server(server)
            sys.stdout.write(log_path.read_text(errors="replace")[-3000:])
            raise
        stop_server(server)

    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else float("nan")
    print(f"{len(latencies)} answers 200 and {errors} failures in {elapsed:.1f} s from {args.threads} threads")
    print(f"api_read_rps: {len(latencies) / elapsed:.0f} req/s")
    print(f"api_read_p99: {p99 * 1000:.1f} ms")
    # Failures make the figures meaningless (a 429 is fast): say so with the exit status.
    return 1 if errors > len(latencies) / 100 else 0


if __name__ == "__main__":
    sys.exit(main())
