#!/usr/bin/env python
"""Benchmark (not a test): the dashboard and the quarterly district report (issue 17).

    make bench-dashboard                                      # both databases
    JIAYUAN_LOCAL_KEYS=1 .venv/bin/python bench/dashboard_report.py --db sqlite
    JIAYUAN_LOCAL_KEYS=1 .venv/bin/python bench/dashboard_report.py --db postgres --runs 5
    JIAYUAN_LOCAL_KEYS=1 .venv/bin/python bench/dashboard_report.py --fresh   # reload the demo

The data is `make bench`'s (bench/run.py `prepare`): the demo at --scale
(default district, ~285,000 people, 60 communities, a year of cases, visits,
duties, meetings and volunteering) in var/bench/<scale>-<seed>/ for SQLite and
in the database `jiayuan_bench_<scale>_<seed>` on BENCH_PG for PostgreSQL. A
database already loaded is reused (loading the district takes 7-8 minutes per
database); --fresh drops and reloads it. The measurement runs in a child
process per database, with tests.settings.

Measured, for the metrics the registry holds at run time (so it measures
whatever the apps' metrics.py define when it runs):

  dashboard        reports.dashboard.dashboard(actor, Place.district()) for a
                   district-wide head (an account of role head with no
                   community: every figure, the whole district) and for the
                   demo's grid worker: --runs calls after a warm-up, p50/p95 ms,
                   and the SQL queries of one call
  report           reports.report.build(actor, Params(Period.quarter(...),
                   Place.district(), "quarter")) for the last finished quarter,
                   the same two readers (--report-runs calls)
  per figure       for the head: each metric's read (this month; the quarter)
                   and its monthly series (twelve months; the quarter's
                   months), each breakdown's cells, the slowest first
  naive baseline   the same figures computed in Python in the same run: for
                   each metric, its records loaded (list(records.values(pk and
                   the dated field))) and counted there; a series from the
                   records of the whole span bucketed by month in Python when
                   the dated field is a field path, else one load per month.
                   For count metrics the naive figure is checked against ours
                   (a mismatch is reported). It has no breakdowns (they have
                   no records to load), so the report's ratio is taken over the
                   figures and series only, as is the dashboard's.

Prints a table per database, then the goals (dashboard ≤ 300 ms, quarterly
district report ≤ 2 s), then one JSON line with everything.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
GOAL_DASHBOARD_MS = 300
GOAL_REPORT_MS = 2000


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def stats(ms: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(ms), "p95": pct(ms, 95), "n": len(ms)}


# --- the child: one database -----------------------------------------------------

def child(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from jiayuan.core import metrics
    from jiayuan.core.metrics import Metric, Period, Place, Unit
    from jiayuan.core.models import User
    from jiayuan.core.roles import Role
    from jiayuan.registry.models import Person
    from jiayuan.reports.dashboard import TREND_MONTHS, dashboard, this_month
    from jiayuan.reports.report import Params, build

    if connection.vendor == "postgresql" and not args.no_analyze:
        # As autovacuum would have left a live database (the test server runs
        # without it): fresh statistics, and the visibility map that lets an
        # index-only scan skip the table.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    today = timezone.localdate()
    q = (today.month - 1) // 3  # this quarter, 0-based; the last finished one before it
    year, quarter = (today.year, q) if q else (today.year - 1, 4)
    quarter_period = Period.quarter(year, quarter, today=today)
    place = Place.district()
    head, _ = User.objects.get_or_create(username="bench-district-head",
                                         defaults={"role": Role.HEAD})
    readers = [("district head", head)]
    grid = User.objects.filter(username="gridworker").first()
    if grid is not None:
        readers.append(("grid worker", grid))

    def fresh(user: User) -> User:
        """The account as a request would load it (no scope cached on it)."""
        return User.objects.get(pk=user.pk)

    def timed(fn: Any, *a: Any) -> tuple[float, Any]:
        start = time.perf_counter()
        value = fn(*a)
        return (time.perf_counter() - start) * 1000, value

    def queries(fn: Any, *a: Any) -> int:
        with CaptureQueriesContext(connection) as ctx:
            fn(*a)
        return len(ctx.captured_queries)

    def runs(fn: Any, n: int, *a: Any) -> list[float]:
        fn(*a)  # warm-up
        return [timed(fn, *a)[0] for _ in range(n)]

    out: dict[str, Any] = {"db": connection.vendor, "people": Person.objects.count(),
                           "today": today.isoformat(), "quarter": f"{year}-Q{quarter}",
                           "metrics": len(metrics.all_metrics()),
                           "breakdowns": len(metrics.all_breakdowns()), "pages": []}

    def dash(user: User) -> Any:
        return dashboard(fresh(user), place, today)

    def report(user: User) -> Any:
        return build(fresh(user), Params(quarter_period, place, "quarter"))

    for label, user in readers:
        ms = runs(dash, args.runs, user)
        out["pages"].append({"name": f"dashboard ({label})", **stats(ms),
                             "sql": queries(dash, user)})
    for label, user in readers:
        ms = runs(report, args.report_runs, user)
        out["pages"].append({"name": f"quarterly report {year}-Q{quarter} ({label})",
                             **stats(ms), "sql": queries(report, user)})

    # --- per figure, for the district head, ours and naive -------------------
    month = this_month(today)
    trend = metrics.last_months(TREND_MONTHS, today)
    actor = fresh(head)

    def dated_path(metric: Metric) -> str | None:
        """The metric's dated field as a field path of its model, if it is one."""
        raw = metric.dated_by.strip()
        if not raw or "," in raw or ";" in raw:
            return None
        path = raw.replace(" ", "__").replace(".", "__")
        model = metric.model
        parts = path.split("__")
        try:
            for part in parts[:-1]:
                hop = model._meta.get_field(part)
                if hop.one_to_many or hop.many_to_many:
                    return None  # many dates per record (a volunteer's hours): no path
                model = hop.related_model
                if model is None:
                    return None
            model._meta.get_field(parts[-1])
        except Exception:  # noqa: BLE001 - a description, not a path
            return None
        return path

    def naive_read(metric: Metric, period: Period) -> int:
        path = dated_path(metric)
        fields = ["pk", path] if path else ["pk"]
        rows = list(metric.rows(actor, period, place).order_by().values(*fields))
        return len({row["pk"] for row in rows})

    def month_of(value: Any) -> date | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            value = timezone.localtime(value) if timezone.is_aware(value) else value
            value = value.date()
        return value.replace(day=1)

    def naive_series(metric: Metric, period: Period) -> list[int]:
        parts = metrics.months(period)
        path = dated_path(metric)
        if path is None:  # one load per month
            return [naive_read(metric, part) for part in parts]
        by_month: dict[date | None, int] = {}
        for row in metric.rows(actor, period, place).order_by().values("pk", path):
            key = month_of(row[path])
            by_month[key] = by_month.get(key, 0) + 1
        return [by_month.get(part.start.replace(day=1), 0) for part in parts]

    def median_of(fn: Any, *a: Any) -> tuple[float, Any]:
        value = fn(*a)  # warm-up
        return statistics.median(timed(fn, *a)[0] for _ in range(args.figure_runs)), value

    figures = []
    dash_ours = dash_naive = report_ours = report_naive = 0.0
    mismatches = []
    for metric in metrics.for_reader(actor, place):
        row: dict[str, Any] = {"code": metric.code, "unit": str(metric.unit),
                               "trend": metric.trended, "dated": dated_path(metric) or ""}
        row["read_month"], ours_month = median_of(metric.read, actor, month, place)
        row["read_quarter"], ours_quarter = median_of(metric.read, actor, quarter_period, place)
        row["naive_month"], naive_month = median_of(naive_read, metric, month)
        row["naive_quarter"], naive_quarter = median_of(naive_read, metric, quarter_period)
        dash_ours += row["read_month"]
        dash_naive += row["naive_month"]
        report_ours += row["read_quarter"]
        report_naive += row["naive_quarter"]
        if metric.counts_records and (ours_month, ours_quarter) != (naive_month, naive_quarter):
            mismatches.append(f"{metric.code} read: ours {ours_month}/{ours_quarter}, "
                              f"naive {naive_month}/{naive_quarter}")
        if metric.trended:
            row["series_12m"], ours_s = median_of(metric.series, actor, trend, place)
            row["naive_12m"], naive_s = median_of(naive_series, metric, trend)
            dash_ours += row["series_12m"]
            dash_naive += row["naive_12m"]
            if metric.counts_records and [v for _p, v in ours_s] != naive_s:
                mismatches.append(f"{metric.code} series: ours {[v for _p, v in ours_s]}, "
                                  f"naive {naive_s}")
            if not metric.snapshot:
                row["series_quarter"], _v = median_of(metric.series, actor, quarter_period,
                                                      place)
                row["naive_series_quarter"], _v = median_of(naive_series, metric,
                                                            quarter_period)
                report_ours += row["series_quarter"]
                report_naive += row["naive_series_quarter"]
        elif metric.unit == Unit.COUNT and not metric.snapshot:
            row["note"] = "no trend: the dashboard shows no series"
        figures.append(row)
    for breakdown in metrics.breakdowns_for(actor, place):
        ms, _cells = median_of(breakdown.read, actor, quarter_period, place)
        figures.append({"code": f"breakdown {breakdown.code}", "unit": "cells",
                        "trend": False, "dated": breakdown.dated_by, "breakdown": ms})
    out["figures"] = figures
    out["mismatches"] = mismatches
    out["sums"] = {"dashboard_ours": dash_ours, "dashboard_naive": dash_naive,
                   "report_ours": report_ours, "report_naive": report_naive}
    print(json.dumps(out))


# --- the parent: load, measure each database, print ---------------------------

def show(r: dict[str, Any], top: int) -> None:
    print(f"\n== {r['db']} · {r['people']:,} people · today {r['today']} · report "
          f"{r['quarter']} · {r['metrics']} metrics, {r['breakdowns']} breakdowns registered")
    header = f"{'measure':<52} {'p50 ms':>9} {'p95 ms':>9} {'runs':>5} {'queries':>8}"
    print(header)
    print("-" * len(header))
    for p in r["pages"]:
        print(f"{p['name']:<52} {p['p50']:>9.1f} {p['p95']:>9.1f} {p['n']:>5} {p['sql']:>8}")
    s = r["sums"]
    print(f"{'dashboard figures, head: ours (sum of medians)':<52} "
          f"{s['dashboard_ours']:>9.1f}")
    print(f"{'dashboard figures, head: naive in Python':<52} {s['dashboard_naive']:>9.1f}")
    print(f"{'  ours / naive · naive / ours':<52} "
          f"{s['dashboard_ours'] / s['dashboard_naive']:>8.2f}x "
          f"{s['dashboard_naive'] / s['dashboard_ours']:>8.1f}x")
    print(f"{'report figures + series, head: ours':<52} {s['report_ours']:>9.1f}")
    print(f"{'report figures + series, head: naive in Python':<52} {s['report_naive']:>9.1f}")
    print(f"{'  ours / naive · naive / ours':<52} "
          f"{s['report_ours'] / s['report_naive']:>8.2f}x "
          f"{s['report_naive'] / s['report_ours']:>8.1f}x")

    def cost(f: dict[str, Any]) -> float:
        return (f.get("read_month", 0) + f.get("series_12m", 0) + f.get("read_quarter", 0)
                + f.get("series_quarter", 0) + f.get("breakdown", 0))

    figs = sorted(r["figures"], key=cost, reverse=True)
    print(f"\nslowest figures (head, median ms; naive in brackets), {min(top, len(figs))} "
          f"of {len(figs)}:")
    header = (f"{'figure':<44} {'month':>14} {'12 months':>16} {'quarter':>14} "
              f"{'q. series':>16}")
    print(header)
    print("-" * len(header))

    def cell(f: dict[str, Any], ours: str, naive: str, width: int) -> str:
        if ours not in f:
            return f"{'—':>{width}}"
        text = f"{f[ours]:.1f} ({f[naive]:.0f})" if naive in f else f"{f[ours]:.1f}"
        return f"{text:>{width}}"

    for f in figs[:top]:
        if "breakdown" in f:
            print(f"{f['code'][:44]:<44} {'':>14} {'':>16} {f['breakdown']:>14.1f}")
            continue
        print(f"{f['code'][:44]:<44} {cell(f, 'read_month', 'naive_month', 14)} "
              f"{cell(f, 'series_12m', 'naive_12m', 16)} "
              f"{cell(f, 'read_quarter', 'naive_quarter', 14)} "
              f"{cell(f, 'series_quarter', 'naive_series_quarter', 16)}")
    for m in r["mismatches"]:
        print(f"  MISMATCH {m}")


def parent(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import run  # bench/run.py: the scratch databases of `make bench`

    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = []
    for db in dbs:
        started = time.perf_counter()
        env = run.prepare(db, args.scale, args.seed, reuse=not args.fresh)
        env = {**env, "DJANGO_SETTINGS_MODULE": "tests.settings", "ALLOWED_HOSTS": "testserver"}
        cmd = [PY, str(Path(__file__).resolve()), "--child", "--runs", str(args.runs),
               "--report-runs", str(args.report_runs), "--figure-runs", str(args.figure_runs)]
        if args.no_analyze:
            cmd.append("--no-analyze")
        done = subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True,
                              text=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["seconds"] = time.perf_counter() - started
        results.append(result)
        show(result, args.top)
    print(f"\nGoals (issue 17): dashboard ≤ {GOAL_DASHBOARD_MS} ms, quarterly district report "
          f"≤ {GOAL_REPORT_MS / 1000:.0f} s (p95):")
    for r in results:
        for p in r["pages"]:
            goal = GOAL_DASHBOARD_MS if p["name"].startswith("dashboard") else GOAL_REPORT_MS
            verdict = "ok" if p["p95"] <= goal else "OVER"
            print(f"  {r['db']:<10} {p['name']:<48} p95 {p['p95']:>8.1f} ms  {verdict}")
        print(f"  {r['db']:<10} measured in {r['seconds']:.0f} s")
    print(json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="district", choices=["tiny", "station", "district"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", default="both", choices=["sqlite", "postgres", "both"])
    parser.add_argument("--fresh", action="store_true",
                        help="drop and reload the demo (default: reuse a loaded database)")
    parser.add_argument("--runs", type=int, default=10, help="timed dashboard calls")
    parser.add_argument("--report-runs", type=int, default=3, help="timed report builds")
    parser.add_argument("--figure-runs", type=int, default=3,
                        help="timed calls of each figure (median)")
    parser.add_argument("--top", type=int, default=20, help="slowest figures shown")
    parser.add_argument("--no-analyze", action="store_true",
                        help="PostgreSQL: skip VACUUM ANALYZE before measuring")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
    else:
        parent(args)


if __name__ == "__main__":
    main()
