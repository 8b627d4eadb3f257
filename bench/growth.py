#!/usr/bin/env python
"""Benchmark (not a test): the growth curve (issue 19) on PostgreSQL.

    make bench-growth                                      # 100k, 300k and 1M people
    make bench-growth BENCH_ARGS="--sizes 100000 300000"   # quicker
    make bench-growth BENCH_ARGS="--render"                # table and plot from growth.json

The databases are made from a loaded district demo (`--source`, default
jiayuan_bench_district_1, the PostgreSQL database `make bench` loads, ~285k
people in 60 communities): it is copied once into the template
jiayuan_growth_src (CREATE DATABASE … TEMPLATE, retried while the source is in
use, then pg_dump | psql; kept for the next run: --fresh copies it again). Each
size is a copy of that template grown or shrunk by SQL (bench/growth_build.py
says exactly what is cloned and what is not), vacuumed and analysed, checked
(no dangling foreign key; `manage.py verify_audit`), measured, then dropped
(--keep keeps it).

Measured on each size, in the same run, one size after the other:

  search p95          bench/measure.py's query mix (whole district), and its
                      naive icontains baseline on the same queries
  household file p95  the household page, server time (measure.py)
  desk queues p95     the worst of the head's queues (measure.py), and the case page
  tick                `manage.py tick`, wall time, run twice (the second writes
                      next to nothing); baseline: `manage.py tick --only sessions`,
                      the same process start and lock with one small step; and
                      measure.py's "first run" of the duties step (every duty
                      raised again, rolled back)
  (VACUUM ANALYZE after the ticks and again before the dashboard, as
  autovacuum would after their writes: the bench's server runs without it)
  dashboard p95       bench/dashboard_report.py's child, district head; baseline:
                      its naive figures computed in Python

Then a table: per measure, each size's figure, its ratio to the smallest size,
and what log n growth (ln n / ln n0) and linear growth (n / n0) would predict;
the goals at 1M (search p95 ≤ 10 ms, household file ≤ 30 ms, tick ≤ 60 s);
the load average. Results go to var/bench/growth.json, the plot to
docs/img/growth.png.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
sys.path.insert(0, str(ROOT / "bench"))
import growth_build  # noqa: E402  (bench/growth_build.py)

SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
TEMPLATE = os.environ.get("GROWTH_TEMPLATE", "jiayuan_growth_src")
RESULTS = ROOT / "var" / "bench" / "growth.json"
PLOT = ROOT / "docs" / "img" / "growth.png"
GOALS = {"search": 10.0, "household": 30.0, "tick": 60_000.0}  # ms, at 1M people
#: (key, label, baseline key or None): the rows of the table, in order.
MEASURES = [
    ("search", "search p95 (ms)", "search_naive"),
    ("search_naive", "  baseline: icontains p95", None),
    ("household", "household file p95 (ms)", None),
    ("desk_queue", "desk queues p95, worst (ms)", None),
    ("case_page", "case page p95 (ms)", None),
    ("dashboard", "dashboard p95, district head (ms)", "dashboard_naive"),
    ("dashboard_naive", "  baseline: naive figures (ms)", None),
    ("tick", "manage.py tick, 1st run (ms)", "tick_startup"),
    ("tick_second", "manage.py tick, 2nd run (ms)", "tick_startup"),
    ("tick_startup", "  baseline: tick --only sessions (ms)", None),
    ("tick_work", "tick 1st run − baseline (ms)", None),
    ("duties_first", "tick duties step, first run (ms)", None),
]


def label(n: int) -> str:
    if n < 1000:
        return str(n)
    return f"{n // 1_000_000}m" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def psql(sql: str, db: str = "postgres") -> str:
    done = subprocess.run(["psql", f"{SERVER}/{db}", "-tAc", sql], capture_output=True,
                          text=True)
    if done.returncode:
        raise RuntimeError(done.stderr.strip())
    return done.stdout.strip()


def exists(db: str) -> bool:
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"


def copy_db(source: str, name: str, tries: int = 240) -> None:
    """CREATE DATABASE name TEMPLATE source, retried while someone uses source."""
    for attempt in range(tries):
        try:
            psql(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
            return
        except RuntimeError as exc:
            if "being accessed" not in str(exc) or attempt == tries - 1:
                raise
            time.sleep(5)


def ensure_template(source: str) -> None:
    if exists(TEMPLATE):
        return
    if not exists(source):
        raise RuntimeError(f"growth: no database {source}: load it first (make bench "
                           f"BENCH_ARGS=\"--only search --db postgres\")")
    while True:  # the source is ready when the demo's year of visits is in
        try:
            visits = int(psql("SELECT count(*) FROM care_visit", source) or 0)
        except RuntimeError:
            visits = 0
        if visits:
            break
        print(f"  waiting for {source} (no visits yet) …", flush=True)
        time.sleep(30)
    print(f"copying {source} into the template {TEMPLATE} …", flush=True)
    started = time.perf_counter()
    try:
        copy_db(source, TEMPLATE, tries=24)
    except RuntimeError:  # still in use after two minutes: dump and restore it instead
        print(f"  {source} is in use: pg_dump | psql instead …", flush=True)
        psql(f'CREATE DATABASE "{TEMPLATE}"')
        try:
            dump = subprocess.Popen(["pg_dump", "--no-owner", f"{SERVER}/{source}"],
                                    stdout=subprocess.PIPE)
            subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", f"{SERVER}/{TEMPLATE}"],
                           stdin=dump.stdout, check=True, stdout=subprocess.DEVNULL)
            if dump.wait():
                raise RuntimeError("pg_dump failed")
        except BaseException:
            psql(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
            raise
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)


def env_of(db: str) -> dict[str, str]:
    env = {**os.environ, "JIAYUAN_LOCAL_KEYS": "1", "DATABASE_URL": f"{SERVER}/{db}",
           "JIAYUAN_VAR_DIR": str(ROOT / "var" / "bench"), "MFA_REQUIRED": "0",
           "DJANGO_SETTINGS_MODULE": "jiayuan.settings"}
    env.pop("JIAYUAN_DEMO", None)
    return env


def build(n: int, reuse: bool) -> tuple[str, dict]:
    db = f"jiayuan_growth_{label(n)}"
    if exists(db) and reuse:
        return db, {"reused": True}
    if exists(db):
        psql(f'DROP DATABASE "{db}"')
    started = time.perf_counter()
    copy_db(TEMPLATE, db)
    info: dict = {"copy_s": time.perf_counter() - started}
    with psycopg.connect(f"{SERVER}/{db}", autocommit=True) as conn:
        t = time.perf_counter()
        info.update(growth_build.reshape(conn, n, log=lambda s: print(s, flush=True)))
        info["reshape_s"] = time.perf_counter() - t
        t = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        info["vacuum_s"] = time.perf_counter() - t
        info["dangling"] = growth_build.dangling(conn)
    info.pop("owned_tables", None)
    audit = subprocess.run([PY, "manage.py", "verify_audit"], cwd=ROOT, env=env_of(db),
                           capture_output=True, text=True)
    info["audit"] = (audit.stdout + audit.stderr).strip().splitlines()[-1:]
    info["build_s"] = time.perf_counter() - started
    print(f"  built {db}: {info['people']:,} people in {info['build_s']:.0f} s; dangling "
          f"keys: {info['dangling'] or 'none'}; {info['audit']}", flush=True)
    return db, info


def wall(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True)
    return (time.perf_counter() - start) * 1000


def child_json(cmd: list[str], env: dict[str, str]) -> dict:
    env = {**env, "DJANGO_SETTINGS_MODULE": "tests.settings", "ALLOWED_HOSTS": "testserver"}
    out = subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def vacuum(db: str) -> float:
    """VACUUM ANALYZE, as autovacuum would after a batch of writes on a live
    server (this bench's server runs without it): the pages are measured on
    visibility maps as current as after the build, not on the duties' table a
    moment after the tick raised (or a rolled-back run left) thousands of rows.
    Seconds taken."""
    with psycopg.connect(f"{SERVER}/{db}", autocommit=True) as conn:
        t = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        return time.perf_counter() - t


def measure(db: str, queries: int, seed: int) -> dict:
    env = env_of(db)
    fig: dict = {"load_before": os.getloadavg()}
    tick = [PY, "manage.py", "tick", "--quiet"]
    fig["tick"] = wall(tick, env)
    fig["tick_second"] = wall(tick, env)
    fig["tick_startup"] = wall(tick + ["--only", "sessions"], env)
    fig["vacuum_after_tick_s"] = vacuum(db)
    m = child_json([PY, "bench/measure.py", "--queries", str(queries), "--seed", str(seed)], env)
    rows = {r["name"]: r for r in m["rows"]}
    fig["people"] = m["people"]
    fig["search"] = m["search_all"]["p95"]
    fig["search_naive"] = m["baseline_all"]["p95"]
    fig["household"] = rows["household file page (server)"]["p95"]
    queues = [r for name, r in rows.items() if name.startswith("desk queue") and "(head)" in name]
    fig["desk_queue"] = max((r["p95"] for r in queues), default=0.0)
    fig["case_page"] = rows.get("case page (head)", {}).get("p95", 0.0)
    first = [r for name, r in rows.items() if name.startswith("tick duties: first run")]
    fig["duties_first"] = first[0]["p95"] if first else 0.0
    # measure.py's first run of the duties step is rolled back: its dead rows too.
    fig["vacuum_after_measure_s"] = vacuum(db)
    d = child_json([PY, "bench/dashboard_report.py", "--child", "--no-analyze", "--runs", "10",
                    "--report-runs", "1", "--figure-runs", "1"], env)
    pages = {p["name"]: p for p in d["pages"]}
    fig["dashboard"] = pages["dashboard (district head)"]["p95"]
    fig["dashboard_naive"] = d["sums"]["dashboard_naive"]
    fig["load_after"] = os.getloadavg()
    fig["measure_rows"] = m["rows"]
    fig["dashboard_pages"] = d["pages"]
    return fig


def figures_of(size: dict) -> dict:
    """The measured figures, and those derived from them."""
    f = dict(size["figures"])
    f["tick_work"] = max(f["tick"] - f["tick_startup"], 0.0)
    return f


def load_results() -> dict:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {}


def verdict(ratio: float, log_ratio: float, linear: float) -> str:
    if ratio <= max(log_ratio, 1.0) * 1.25:  # 25 %: the machine's noise
        return "≤ log n"
    return "< linear" if ratio < linear else "≥ linear"


def table(results: dict) -> list[str]:
    sizes = sorted(results.values(), key=lambda r: r["people"])
    if not sizes:
        return ["no results"]
    n0 = sizes[0]["people"]
    people = ", ".join(f"{s['people']:,}" for s in sizes)
    lines = [f"Growth curve (issue 19) · PostgreSQL · {people} people"]
    head = f"{'measure':<36}" + "".join(f"{s['label']:>10}" for s in sizes)
    head += "".join(f"{s['label'] + ' ÷ ' + sizes[0]['label']:>13}" for s in sizes[1:])
    lines += [head, "-" * len(head)]
    for key, name, _base in MEASURES:
        row = f"{name:<36}" + "".join(f"{figures_of(s)[key]:>10.1f}" for s in sizes)
        first = figures_of(sizes[0])[key]
        for s in sizes[1:]:
            row += f"{figures_of(s)[key] / first if first else 0:>12.2f}x"
        lines.append(row)
    lines.append(f"{'log n predicts (ln n / ln n0)':<36}" + " " * 10 * len(sizes)
                 + "".join(f"{math.log(s['people']) / math.log(n0):>12.2f}x"
                           for s in sizes[1:]))
    lines.append(f"{'linear predicts (n / n0)':<36}" + " " * 10 * len(sizes)
                 + "".join(f"{s['people'] / n0:>12.2f}x" for s in sizes[1:]))
    lines.append("")
    lines.append("Growth from the smallest to the largest size (ratio; verdict; the same "
                 "ratio divided by its baseline's):")
    big = sizes[-1]
    log_r, lin_r = math.log(big["people"]) / math.log(n0), big["people"] / n0
    for key, name, base in MEASURES:
        if name.startswith("  "):
            continue
        first, last = figures_of(sizes[0])[key], figures_of(big)[key]
        ratio = last / first if first else 0.0
        text = f"  {name:<36} {ratio:>6.2f}x  {verdict(ratio, log_r, lin_r):<9}"
        if base and figures_of(sizes[0])[base] and figures_of(big)[base]:
            b = figures_of(big)[base] / figures_of(sizes[0])[base]
            text += f" (baseline grew {b:.2f}x; ours ÷ baseline {ratio / b:.2f}x)"
        lines.append(text)
    lines.append("")
    lines.append(f"Goals at {big['people']:,} people:")
    for key, goal in GOALS.items():
        value = figures_of(big)[key]
        lines.append(f"  {key:<10} {value:>10.1f} ms  goal ≤ {goal:,.0f} ms  "
                     f"{'met' if value <= goal else 'MISSED'}")
    for s in sizes:
        f = s["figures"]
        lines.append(f"  {s['label']}: load average {f['load_before'][0]:.2f} before, "
                     f"{f['load_after'][0]:.2f} after; built in "
                     f"{s.get('build', {}).get('build_s', 0):.0f} s")
    return lines


def plot(results: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    sizes = sorted(results.values(), key=lambda r: r["people"])
    ns = [s["people"] for s in sizes]
    n0 = ns[0]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5.2))
    colours = plt.get_cmap("tab20")
    for i, (key, name, _base) in enumerate(MEASURES):
        ys = [figures_of(s)[key] for s in sizes]
        if not ys[0]:
            continue
        base = name.startswith("  ")
        left.plot(ns, ys, "--" if base else "-", marker="o", color=colours(i),
                  label=name.strip())
        if not base:
            right.plot(ns, [y / ys[0] for y in ys], marker="o", color=colours(i))
    fine = [n0 + (ns[-1] - n0) * i / 50 for i in range(51)]
    right.plot(fine, [math.log(n) / math.log(n0) for n in fine], "k:", label="log n growth")
    right.plot(fine, [n / n0 for n in fine], "k--", label="linear growth")
    left.set(xscale="log", yscale="log", xlabel="people", ylabel="ms (p95; tick: wall time)",
             title="Cost per size (dashed: baselines)")
    right.set(xscale="log", yscale="log", xlabel="people", ylabel=f"÷ the figure at {n0:,}",
              title="Growth against log n (dotted) and linear (dashed)")
    for axis in (left.xaxis, right.xaxis, right.yaxis):
        axis.set_major_formatter(ticker.FuncFormatter(
            lambda v, _p: people_label(v) if v >= 1000 else f"{v:g}"))
        axis.set_minor_formatter(ticker.NullFormatter())
    right.set_yticks([0.5, 1, 2, 3, 5, 10])
    right.set_xticks(ns)
    left.set_xticks(ns)
    fig.legend(loc="lower center", ncol=4, fontsize=7, frameon=False)
    fig.subplots_adjust(bottom=0.28, wspace=0.25)
    PLOT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(PLOT, dpi=110)
    print(f"plot: {PLOT.relative_to(ROOT)}")


def people_label(n: float) -> str:
    """1,004,392 → "1.0M", 305,539 → "306k": a size as one reads it."""
    return f"{n / 1e6:.1f}M" if n >= 1e6 else f"{n / 1e3:.0f}k"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--source", default="jiayuan_bench_district_1")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep a size's database if built")
    parser.add_argument("--keep", action="store_true", help="do not drop the sizes after")
    parser.add_argument("--fresh", action="store_true",
                        help=f"copy the source again (drop the template {TEMPLATE} first)")
    parser.add_argument("--render", action="store_true",
                        help="only print the table and draw the plot from growth.json")
    args = parser.parse_args(argv)
    results = load_results()
    if not args.render:
        if args.fresh and exists(TEMPLATE):
            psql(f'DROP DATABASE "{TEMPLATE}"')
        ensure_template(args.source)
        for n in args.sizes:
            print(f"\n== {n:,} people", flush=True)
            db, info = build(n, args.reuse)
            figures = measure(db, args.queries, args.seed)
            results[label(n)] = {"label": label(n), "target": n, "people": figures["people"],
                                 "database": db, "build": info, "figures": figures,
                                 "measured_at": time.strftime("%Y-%m-%d %H:%M UTC",
                                                              time.gmtime())}
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(json.dumps(results, indent=1))
            print(f"  measured: search p95 {figures['search']:.1f} ms, household "
                  f"{figures['household']:.1f} ms, tick {figures['tick'] / 1000:.1f} s, "
                  f"dashboard {figures['dashboard']:.0f} ms", flush=True)
            if not args.keep:
                psql(f'DROP DATABASE "{db}"')
    print()
    print("\n".join(table(results)))
    if results:
        plot(results)


if __name__ == "__main__":
    main()
