"""Run every benchmark in bench/ in turn and print their figures (make bench).

Each bench/*.py (this file aside) is a standalone script whose last lines are figures of the
form `name: value unit`. They run against a throwaway database and Redis DB: when this file is
started outside one, it re-runs itself through scripts/with-test-env.sh.

    python bench/run.py [NAME ...]     # e.g. python bench/run.py api_read
"""
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
FIGURE = re.compile(r"^([A-Za-z_][\w.-]*): ([-+]?[0-9][0-9.eE+-]*) (\S.*)$")


def benchmarks(names: list[str]) -> list[Path]:
    found = sorted(p for p in BENCH_DIR.glob("*.py") if p.name != "run.py" and not p.name.startswith("_"))
    if not names:
        return found
    by_name = {p.stem: p for p in found}
    unknown = [n for n in names if n.removesuffix(".py") not in by_name]
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(by_name)}")
    return [by_name[n.removesuffix(".py")] for n in names]


def run_one(path: Path) -> tuple[int, list[str], float]:
    """Run one benchmark, echoing its output; return its status, figure lines and duration."""
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines = []
    for line in proc.stdout:
        sys.stdout.write(f"  {line}")
        lines.append(line.rstrip("\n"))
    status = proc.wait()
    # Figures are the trailing run of `name: value unit` lines.
    figures = []
    for line in reversed(lines):
        if not FIGURE.match(line):
            break
        figures.insert(0, line)
    return status, figures, time.monotonic() - started


def main() -> int:
    selected = benchmarks(sys.argv[1:])
    if not os.environ.get("CAMPAIGNHUB_TEST_ENV"):
        # Not yet inside a throwaway env: get one (servers, database, Redis DB) and come back.
        script = ROOT / "scripts" / "with-test-env.sh"
        os.execv(str(script), [str(script), sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]])

    summary, failed = [], []
    for path in selected:
        print(f"=== {path.stem}", flush=True)
        status, figures, seconds = run_one(path)
        print(f"=== {path.stem}: {'ok' if status == 0 else f'FAILED (exit {status})'} in {seconds:.0f} s\n", flush=True)
        if status != 0:
            failed.append(path.stem)
        summary.extend(figures)

    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / f"{stamp}.txt").write_text("\n".join(summary) + "\n")
    print("figures:")
    for line in summary:
        print(line)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
