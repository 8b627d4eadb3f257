#!/usr/bin/env python
"""Benchmarks (not tests): search and the household file, on SQLite and PostgreSQL.

    make bench                                   # every benchmark below, one after the other
    make bench BENCH_ARGS="--only search"        # one of them: search, imports, dashboard,
                                                 # writers, load, replica, growth
    make bench BENCH_ARGS="--scale station"      # quicker
    make bench BENCH_ARGS="--db sqlite --reuse"  # keep the loaded data between runs
    make bench BENCH_ARGS="--only search --db postgres"  # search and pages, one database
    make bench BENCH_ARGS="--only imports"       # roster import only (bench/imports.py)
    make bench BENCH_ARGS="--only imports --rows 20000 --db sqlite"
    make bench-dashboard                         # dashboard and district report (bench/dashboard_report.py)
    make bench-load                              # load test: gunicorn + locust (bench/load.py)
    make bench-load BENCH_ARGS="--scale station" # quicker
    make bench-growth                            # the growth curve: 100k, 300k, 1M (bench/growth.py)

`make bench` with no --only runs them all in sequence, each printing its own
ratios against a baseline measured in the same run: search (below), imports
(bench/imports.py), dashboard (bench/dashboard_report.py), writers
(bench/audit_writers.py), load (bench/load.py), replica (bench/replica.py) and
growth (bench/growth.py, which needs the PostgreSQL district the search
benchmark loads). --scale, --seed and --db reach those that take them.

Each database gets its own scratch copy of the demo community (SQLite under
var/bench/, PostgreSQL database `jiayuan_bench_<scale>_<seed>` on the server
named by BENCH_PG, default postgres://postgres@127.0.0.1:5432). The measurement runs in a child process per database
(bench/measure.py) and prints p50/p95 for our search and for a naive baseline
measured in the same process on the same queries, with their ratio. Then the roster import benchmark (bench/imports.py): a
generated roster of --rows rows imported by ours, django-import-export and a raw
floor, each on a fresh scratch database of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def run(cmd: list[str], env: dict[str, str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, env=env, check=True, **kw)


def prepare(db: str, scale: str, seed: int, reuse: bool,
            name: str | None = None) -> dict[str, str]:
    """The environment of the bench database (loaded when missing or not reused);
    on PostgreSQL `name` replaces the default jiayuan_bench_<scale>_<seed>."""
    env = {**os.environ, "JIAYUAN_LOCAL_KEYS": "1", "DJANGO_SETTINGS_MODULE": "jiayuan.settings"}
    env.pop("JIAYUAN_DEMO", None)
    marker_name = f"{scale}-{seed}"
    if db == "sqlite":
        var = ROOT / "var" / "bench" / marker_name
        env["JIAYUAN_VAR_DIR"] = str(var)
        env.pop("DATABASE_URL", None)
        path = var / "jiayuan.sqlite3"
        if path.exists() and not reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        loaded = path.exists()
    else:
        server = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
        name = name or f"jiayuan_bench_{scale}_{seed}"
        env["DATABASE_URL"] = f"{server}/{name}"
        env["JIAYUAN_VAR_DIR"] = str(ROOT / "var" / "bench")
        exists = subprocess.run(["psql", f"{server}/postgres", "-tAc",
                                 f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
                                capture_output=True, text=True).stdout.strip() == "1"
        if exists and not reuse:
            subprocess.run(["psql", f"{server}/postgres", "-c", f'DROP DATABASE "{name}"'],
                               check=True, capture_output=True)
            exists = False
        if not exists:
            subprocess.run(["psql", f"{server}/postgres", "-c", f'CREATE DATABASE "{name}"'],
                           check=True, capture_output=True)
        loaded = exists
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    if not loaded or not reuse:
        print(f"[{db}] loading demo --scale {scale} --seed {seed} …", flush=True)
        run([PY, "manage.py", "demo", "--scale", scale, "--seed", str(seed), "--if-empty"], env,
            stdout=subprocess.DEVNULL)
    # A database kept with --reuse from before the visits app gets its year of
    # visits, duties, disputes and pairings added (nothing to do otherwise).
    run([PY, "manage.py", "shell", "-c", TOP_UP.format(seed=seed)], env)
    return env


TOP_UP = """
import time
from django.db import connection, transaction
from django.utils import timezone
from jiayuan.care.demo import year
from jiayuan.care.models import Visit
from jiayuan.places.models import Community
if Community.objects.exists() and not Visit.objects.exists():
    print("[" + connection.vendor + "] adding the demo's year of visits and care …", flush=True)
    started = time.perf_counter()
    with transaction.atomic():
        year.top_up({seed}, timezone.localdate())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"  done in {{time.perf_counter() - started:.0f}} s", flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="district", choices=["tiny", "station", "district"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", default="both", choices=["sqlite", "postgres", "both"])
    parser.add_argument("--reuse", action="store_true", help="keep loaded data between runs")
    parser.add_argument("--queries", type=int, default=400, help="size of the query mix")
    parser.add_argument("--search-only", action="store_true",
                        help="the search benchmark measures search alone (no pages)")
    parser.add_argument("--only", choices=BENCHES,
                        help="run only this benchmark (default: all, in this order)")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the import roster")
    parser.add_argument("--die-rows", type=int, default=5000,
                        help="django-import-export runs on this prefix, extrapolated "
                             "(0: the whole roster)")
    args = parser.parse_args()
    failed = []
    for name in [args.only] if args.only else BENCHES:
        print(f"\n===== make bench: {name} =====", flush=True)
        try:
            BENCH_RUNNERS[name](args)
        except (subprocess.CalledProcessError, AssertionError, RuntimeError) as exc:
            if args.only:
                raise
            failed.append(name)
            print(f"make bench: {name} failed: {exc}", flush=True)
    if failed:
        sys.exit(f"make bench: failed: {', '.join(failed)}")


def imports_bench(args: argparse.Namespace) -> None:
    import imports  # bench/imports.py

    imports.main(["--rows", str(args.rows), "--seed", str(args.seed), "--db", args.db,
                  "--die-rows", str(args.die_rows)])


def script(name: str, *options: str):
    """A runner for bench/<name>.py in its own process, with `options` (names of
    this parser's arguments) passed on."""
    def runner(args: argparse.Namespace) -> None:
        cmd = [PY, f"bench/{name}.py"]
        for option in options:
            value = getattr(args, option)
            if option == "db" and value == "both":
                continue
            cmd += [f"--{option}", str(value)]
        env = {**os.environ, "JIAYUAN_LOCAL_KEYS": "1"}
        run(cmd, env)
    return runner


def growth_bench(args: argparse.Namespace) -> None:
    import growth  # bench/growth.py

    growth.main(["--seed", str(args.seed), "--source", f"jiayuan_bench_{args.scale}_{args.seed}"])


def search_bench(args: argparse.Namespace) -> None:
    """Search, the household file, the desk's queues and the visits app's pages
    (bench/measure.py) on each database."""
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = []
    for db in dbs:
        env = prepare(db, args.scale, args.seed, args.reuse)
        # MFA_REQUIRED=0: the bench's accounts have no second factor to give.
        measure_env = {**env, "DJANGO_SETTINGS_MODULE": "tests.settings",
                       "ALLOWED_HOSTS": "testserver", "MFA_REQUIRED": "0"}
        cmd = [PY, "bench/measure.py", "--queries", str(args.queries), "--seed", str(args.seed)]
        out = run(cmd + (["--search-only"] if args.search_only else []), measure_env,
                  capture_output=True, text=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    print()
    print(f"Jiayuan benchmark · scale={args.scale} seed={args.seed} · "
          f"{results[0]['people']} people · query mix of {results[0]['queries']}")
    header = f"{'database':<10} {'measure':<40} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}"
    print(header)
    print("-" * len(header))
    for r in results:
        for row in r["rows"]:
            print(f"{r['db']:<10} {row['name']:<40} {row['p50']:>8.2f} {row['p95']:>8.2f} "
                  f"{row.get('sql', ''):>8}")
        s, b = r["search_all"], r["baseline_all"]
        print(f"{r['db']:<10} {'ratio baseline/search (p50, p95)':<40} "
              f"{b['p50'] / s['p50']:>7.1f}x {b['p95'] / s['p95']:>7.1f}x")
        print()
    print("Goals: search p95 ≤ 15 ms and ≥ 20× the baseline; household file ≤ 50 ms; desk "
          "queues and the case page ≤ 100 ms with a bounded number of queries; the duty "
          "list and the visit diary likewise; tick's second run writes nothing.")


BENCHES = ["search", "imports", "dashboard", "writers", "load", "replica", "growth"]
BENCH_RUNNERS = {
    "search": search_bench,
    "imports": imports_bench,
    "dashboard": script("dashboard_report", "scale", "seed", "db"),
    "writers": script("audit_writers"),
    "load": script("load", "scale", "seed"),
    "replica": script("replica"),
    "growth": growth_bench,
}


if __name__ == "__main__":
    main()
