#!/usr/bin/env python
"""Benchmark (not a test): the wall chart (挂图作战) at district scale.

    JIAYUAN_LOCAL_KEYS=1 .venv/bin/python bench/civic_wall.py              # 60 × 20 projects
    JIAYUAN_LOCAL_KEYS=1 .venv/bin/python bench/civic_wall.py --runs 20 --reuse
    DATABASE_URL=postgres://… .venv/bin/python bench/civic_wall.py        # on PostgreSQL

A scratch database (SQLite under var/bench/civic-wall/ unless DATABASE_URL is
set) gets --communities communities of two grids, each with a head, and
--per-community projects (bulk-inserted: about a fifth with two
sub-projects, three milestones each, some reached late, some overdue). Then,
in this process, through Django's test client:

  wall_chart       the board page, as a district-wide reader (every project)
                   and as one community's head (its own projects)
  wall_chart_pdf   the A3 PDF, the same two readers
  baseline         the same board and template built the naive way in the same
                   run: one query per project for its milestones, grids, owner
                   and sub-projects (the page without its prefetching); it
                   skips the page's middleware and base layout, so the ratio
                   slightly flatters the baseline

Each is timed over --runs calls after a warm-up (median and p95, ms) with its
query count; the last lines give the baseline's time over the page's as a
ratio. Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("JIAYUAN_LOCAL_KEYS", "1")
os.environ.setdefault("JIAYUAN_VAR_DIR", str(ROOT / "var" / "bench" / "civic-wall"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from jiayuan.civic.choices import Category, Health, ProjectSource, ProjectStatus  # noqa: E402
from jiayuan.civic.projects.health import health  # noqa: E402
from jiayuan.civic.projects.models import Milestone, Project  # noqa: E402
from jiayuan.civic.projects.selectors import Board, Row, projects_for  # noqa: E402
from jiayuan.civic.projects.views_wall import place  # noqa: E402
from jiayuan.core.models import User  # noqa: E402
from jiayuan.core.roles import Role  # noqa: E402
from jiayuan.places.models import Community, Grid  # noqa: E402

PREFIX = "BW"  # the bench's communities' codes: BW001…


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def load(communities: int, per: int, today: date) -> None:
    """Bulk-insert the bench's rows (no services: this is volume, not rules)."""
    cats, sources = Category.values, ProjectSource.values
    with transaction.atomic():
        comms = Community.objects.bulk_create(
            [Community(name=f"基准社区{i:03d}", code=f"{PREFIX}{i:03d}")
             for i in range(communities)])
        grids = Grid.objects.bulk_create(
            [Grid(community=c, name=f"第{g + 1}网格", code=f"G{g + 1}")
             for c in comms for g in range(2)])
        heads = []
        for c in comms:
            u = User(username=f"bw-head-{c.code}", role=Role.HEAD, community=c)
            u.set_unusable_password()
            heads.append(u)
        User.objects.bulk_create(heads)
        reader = User(username="bw-district", role=Role.AUDITOR)
        reader.set_unusable_password()
        reader.save()
        projects: list[Project] = []
        n = 0
        for ci, c in enumerate(comms):
            for k in range(per):
                start = today - timedelta(days=20 + (n * 37) % 250)
                end = start + timedelta(days=60 + (n * 53) % 240)
                projects.append(Project(
                    ref=f"{c.code}-X-{today.year}-{k + 1:05d}", community=c,
                    title=f"基准项目 {n}", category=cats[n % len(cats)],
                    source=sources[n % len(sources)], owner=heads[ci], starts_on=start,
                    ends_on=end, status=ProjectStatus.DONE if n % 9 == 0
                    else ProjectStatus.ACTIVE, progress=(n * 13) % 100,
                    done_on=today if n % 9 == 0 else None))
                n += 1
        Project.objects.bulk_create(projects, batch_size=500)
        projects = list(Project.objects.filter(community__code__startswith=PREFIX)
                        .order_by("pk"))
        # A fifth of the projects get two of the next ones as sub-projects.
        children = []
        for i in range(0, len(projects) - 2, 15):
            for j in (1, 2):
                child = projects[i + j]
                if child.community_id == projects[i].community_id:
                    child.parent_id = projects[i].pk
                    children.append(child)
        Project.objects.bulk_update(children, ["parent"], batch_size=500)
        through = Project.grids.through
        by_comm: dict[int, list[Grid]] = {}
        for g in grids:
            by_comm.setdefault(g.community_id, []).append(g)
        tags = [through(project_id=p.pk, grid_id=by_comm[p.community_id][p.pk % 2].pk)
                for p in projects if p.pk % 3]
        through.objects.bulk_create(tags, batch_size=1000)
        milestones = []
        for p in projects:
            span = (p.ends_on - p.starts_on).days
            for m in range(3):
                planned = p.starts_on + timedelta(days=span * (m + 1) // 4)
                reached = None
                if planned <= today and (p.pk + m) % 4:
                    reached = planned + timedelta(days=(p.pk + m) % 3)
                milestones.append(Milestone(project=p, order=m + 1, title=f"节点{m + 1}",
                                            planned_on=planned, done_on=reached))
        Milestone.objects.bulk_create(milestones, batch_size=1000)


def timed(fn, runs: int) -> tuple[list[float], int]:
    fn()  # warm-up
    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = len(ctx.captured_queries)
    ms = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - started) * 1000)
    return ms, queries


def naive_board(user: User, year: int, today: date) -> str:
    """The same board and template, built the naive way: no select_related,
    no prefetch, so each row's milestones, grids, owner and sub-projects are
    queries of their own."""
    qs = projects_for(user).filter(starts_on__lte=date(year, 12, 31),
                                   ends_on__gte=date(year, 1, 1)).exclude(
        status=ProjectStatus.CANCELLED).order_by("starts_on", "pk")
    rows = [Row(p, health(p, today)) for p in qs]
    place(rows, year)
    board = Board(year=year, today=today, rows=rows,
                  counts={h.value: sum(r.health == h for r in rows) for h in Health})
    return render_to_string("civic/_wall_board.html", {"board": board,
                                                       "months": range(1, 13)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communities", type=int, default=60)
    parser.add_argument("--per-community", type=int, default=20)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded rows")
    args = parser.parse_args()

    call_command("migrate", verbosity=0, interactive=False)
    today = timezone.localdate()
    ours = Project.objects.filter(community__code__startswith=PREFIX)
    if not args.reuse and ours.exists():
        with transaction.atomic():
            Milestone.objects.filter(project__in=ours).delete()
            ours.filter(parent__isnull=False).delete()
            ours.delete()
            User.objects.filter(username__startswith="bw-").delete()
            Grid.objects.filter(community__code__startswith=PREFIX).delete()
            Community.objects.filter(code__startswith=PREFIX).delete()
    if not ours.exists():
        started = time.perf_counter()
        load(args.communities, args.per_community, today)
        print(f"loaded {ours.count():,} projects in {time.perf_counter() - started:.1f} s",
              flush=True)

    district = User.objects.get(username="bw-district")
    head = User.objects.filter(username__startswith="bw-head-").order_by("pk").first()
    year = today.year
    rows = []
    for who, user in (("district", district), ("community", head)):
        client = Client()
        client.force_login(user)
        seen = projects_for(user).count()
        for name, url in (("wall_chart", f"/civic/projects/wall/?year={year}"),
                          ("wall_chart_pdf", f"/civic/projects/wall/chart.pdf?year={year}")):
            def call(url: str = url, client: Client = client) -> None:
                response = client.get(url)
                assert response.status_code == 200, response.status_code

            ms, q = timed(call, args.runs)
            rows.append({"name": f"{name} ({who}, {seen} projects)", "p50": statistics.median(ms),
                         "p95": pct(ms, 95), "queries": q})
        ms, q = timed(lambda user=user: naive_board(user, year, today), args.runs)
        rows.append({"name": f"baseline naive board ({who})", "p50": statistics.median(ms),
                     "p95": pct(ms, 95), "queries": q})

    header = f"{'measure':<48} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8}"
    print(f"\nJiayuan wall chart benchmark · {connection.vendor} · {args.communities} "
          f"communities · {ours.count():,} projects · {args.runs} runs")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['name']:<48} {r['p50']:>9.1f} {r['p95']:>9.1f} {r['queries']:>8}")
    for who in ("district", "community"):
        page = next(r for r in rows if r["name"].startswith(f"wall_chart ({who}"))
        base = next(r for r in rows if r["name"] == f"baseline naive board ({who})")
        print(f"ratio baseline/page ({who}): {base['p50'] / page['p50']:.1f}× p50, "
              f"{base['p95'] / page['p95']:.1f}× p95; queries {base['queries']} vs "
              f"{page['queries']}")
    print(json.dumps({"db": connection.vendor, "rows": rows}))


if __name__ == "__main__":
    main()
