"""How the read path grows with web processes: bench/api_read.py's measurement with 1, 2 and 4 gunicorn workers.

Same set-up as api_read (demo-sized account, wrk -t2 -c64, the bare app beside the product, both with the same
number of sync workers), one round per worker count. On this 2-core machine, wrk, PostgreSQL and Redis share the
cores with the workers, so more than two workers cannot add CPU: the figures show what a process adds until the
cores are spent, and the ratio to the bare app at each count shows whether the product scales like plain Flask.

    python bench/scale.py [--workers 1,2,4] [--seconds 10]
"""
import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_read import Servers, check_answers, ensure_wrk, make_demo, migrated_env, targets, wrk  # noqa: E402

MEASURED = ("bare", "users_me", "campaign_detail", "campaigns_list")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    binary = ensure_wrk()
    env = migrated_env("scale")
    dsn = env["DATABASE_URL"].replace("postgresql+psycopg2://", "postgresql://")
    rates: dict[str, dict[int, float]] = {name: {} for name in MEASURED}
    demo = None
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        for workers in counts:
            with Servers(env, Path(tmp), workers) as servers:
                demo = demo or make_demo(servers.product_port, dsn)
                measured = [t for t in targets(demo, servers.product_port, servers.bare_port) if t[0] in MEASURED]
                check_answers(demo, measured)
                for name, url, headers in measured:
                    wrk(binary, name, url, headers, seconds=2, connections=args.connections)  # warm-up
                print(f"{workers} worker(s):", flush=True)
                for name, url, headers in measured:
                    run = wrk(binary, name, url, headers, seconds=args.seconds, connections=args.connections)
                    rates[name][workers] = run.rate
                    print("  " + run.line(), flush=True)
    print(f"wrk -t2 -c{args.connections} -d{args.seconds:.0f}s, the bare app and the product with the same number "
          "of gunicorn sync workers, one round per count")
    first = counts[0]
    for name in MEASURED:
        for workers in counts:
            print(f"scale_{name}_w{workers}_rps: {rates[name][workers]:.0f} req/s")
        for workers in counts[1:]:
            print(f"scale_{name}_w{workers}_over_w{first}: {rates[name][workers] / rates[name][first]:.2f} x")
    for name in MEASURED[1:]:
        share = statistics.mean(rates[name][w] / rates["bare"][w] for w in counts)
        print(f"scale_{name}_share_of_bare_mean: {100 * share:.0f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
