#!/usr/bin/env python
"""Benchmark (not a test): volunteers and activities at district scale (issue 16).

    JIAYUAN_LOCAL_KEYS=1 .venv/bin/python bench/engage_district.py              # full scale
    JIAYUAN_LOCAL_KEYS=1 .venv/bin/python bench/engage_district.py --scale 0.1  # a quick try
    JIAYUAN_LOCAL_KEYS=1 .venv/bin/python bench/engage_district.py --runs 20 --reuse
    DATABASE_URL=postgres://… .venv/bin/python bench/engage_district.py        # on PostgreSQL

A scratch database (SQLite under var/bench/engage-district/ unless
DATABASE_URL is set) gets --communities communities of three grids, each with
a head (the organiser of its activities) and a volunteer coordinator, and,
bulk-inserted (times --scale):

  --volunteers   residents of the registry (one household each, with a second
                 member) and a few staff, with one or two roles, some paused
                 or left
  --activities   one, two or three sessions each (a grid's or the whole
                 community's), 0–10 sign-ups a session (some from the portal
                 without a registry match, some waiting, some cancelled,
                 most of the past ones checked in); the first activity of the
                 first community is a festival of --big-sessions sessions of
                 40 sign-ups each
  --entries      hours ledger rows over two years, about one in ten for
                 serving at a session (with its SessionVolunteer row), 1 in
                 100 reversed (the reversals count); the first volunteer of
                 the first community has --heavy entries over six years

Then, in this process, through Django's test client, as a district-wide
reader (an auditor) and as the first community's coordinator:

  volunteer_list   the staff list with the year's hours: page 1, page 2 and a
                   search (a given name)
  volunteer_detail the volunteer with --heavy entries
  activity_detail  the festival's page (every session with its counts, the
                   participants by residency)
  baseline         the same list built the naive way in the same run: the
                   volunteers in scope, then one query each for the year's
                   hours (selectors.hours_total), sorted in Python, page 1
                   rendered through the same template without prefetching;
                   it skips the middleware, so the ratio slightly flatters it

Each page is timed over --runs calls after a warm-up (bench/measure.py's
page_times: median and p95, ms) with its query count; the last lines give the
baseline's time over page 1's as a ratio. Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("JIAYUAN_LOCAL_KEYS", "1")
os.environ.setdefault("JIAYUAN_VAR_DIR", str(ROOT / "var" / "bench" / "engage-district"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from measure import page_times, summary, timed  # noqa: E402  (bench/measure.py)

from jiayuan.core.models import User  # noqa: E402
from jiayuan.core.roles import Role  # noqa: E402
from jiayuan.engage.activities.models import (  # noqa: E402
    Activity,
    ActivitySession,
    SessionVolunteer,
    SignUp,
)
from jiayuan.engage.choices import (  # noqa: E402
    ActivityKind,
    HoursSource,
    SignUpSource,
    SignUpStatus,
    VolunteerRole,
    VolunteerStatus,
)
from jiayuan.engage.volunteers import selectors  # noqa: E402
from jiayuan.engage.volunteers.models import (  # noqa: E402
    HoursEntry,
    Volunteer,
    VolunteerRoleAssignment,
)
from jiayuan.engage.volunteers.views import PAGE_SIZE  # noqa: E402
from jiayuan.places.models import Building, Community, Dwelling, Grid  # noqa: E402
from jiayuan.registry.choices import Relation, Residency, Sex  # noqa: E402
from jiayuan.registry.demo import names  # noqa: E402
from jiayuan.registry.models import Household, Person  # noqa: E402

PREFIX = "BE"  # the bench's communities' codes: BE000…; its accounts: be-…
GRIDS = 3
BATCH = 2000
HOURS = [Decimal(h) for h in ("1", "1.5", "2", "2", "2.5", "3", "4")]


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def account(username: str, role: str, community: Community | None = None) -> User:
    u = User(username=username, role=role, community=community)
    u.set_unusable_password()
    return u


def load_people(comms: list[Community], grids: dict[int, list[Grid]], n_vols: list[int],
                rng: random.Random, today: date) -> tuple[dict[int, list[Volunteer]],
                                                          dict[int, list[Person]]]:
    """Volunteers (residents with a household of two, and a few staff) with
    their roles; returns each community's volunteers and resident pool."""
    buildings = Building.objects.bulk_create(
        [Building(grid=g, number="1", name=f"基准小区{g.pk}") for c in comms
         for g in grids[c.pk]])
    by_grid = {b.grid_id: b for b in buildings}
    staff, vols, pool = [], {}, {}
    plan: list[tuple[Community, Grid, int]] = []  # (community, grid, room) per household
    for c, n in zip(comms, n_vols, strict=True):
        n_staff = max(1, n // 25)
        staff += [account(f"be-staff-{c.code}-{k}", Role.GRIDWORKER, c) for k in range(n_staff)]
        plan += [(c, grids[c.pk][k % GRIDS], 101 + k) for k in range(n - n_staff)]
    User.objects.bulk_create(staff, batch_size=BATCH)
    dwellings = Dwelling.objects.bulk_create(
        [Dwelling(building=by_grid[g.pk], unit="1", room=str(room), code=f"1-1-{room}", grid=g)
         for _c, g, room in plan], batch_size=BATCH)
    households = Household.objects.bulk_create(
        [Household(dwelling=d, grid_id=d.grid_id, moved_in=today - timedelta(days=400 + i),
                   residency=Residency.values[i % 3]) for i, d in enumerate(dwellings)],
        batch_size=BATCH)
    people = []
    for i, h in enumerate(households):
        family = names.surname(rng, "han")
        for relation, sex in ((Relation.HEAD, Sex.values[i % 2]),
                              (Relation.SPOUSE, Sex.values[(i + 1) % 2])):
            year = 1950 + (i * 7 + len(people)) % 50
            people.append(Person(household=h, grid_id=h.grid_id, relation=relation, sex=sex,
                                 name=family + names.han_given(rng, sex, year),
                                 birth_date=date(year, 1 + i % 12, 1 + i % 28)))
    Person.objects.bulk_create(people, batch_size=BATCH)
    community_of = {g.pk: c for c in comms for g in grids[c.pk]}
    rows: list[Volunteer] = []
    for p in people:
        pool.setdefault(community_of[p.grid_id].pk, []).append(p)
    heads = {c.pk: [p for p in pool.get(c.pk, []) if p.relation == Relation.HEAD]
             for c in comms}
    staff_of: dict[int, list[User]] = {}
    for u in staff:
        staff_of.setdefault(u.community_id, []).append(u)
    for c in comms:
        for k, p in enumerate(heads[c.pk]):
            rows.append(Volunteer(community=c, grid_id=p.grid_id, person=p,
                                  status=_status(k), skills=["", "书法", "理发", "急救证"][k % 4],
                                  joined_on=today - timedelta(days=30 + k % 2000)))
        rows += [Volunteer(community=c, user=u, joined_on=today - timedelta(days=400))
                 for u in staff_of[c.pk]]
    Volunteer.objects.bulk_create(rows, batch_size=BATCH)
    roles, choices = [], VolunteerRole.values
    for i, v in enumerate(rows):
        roles.append(VolunteerRoleAssignment(volunteer=v, role=choices[i % len(choices)]))
        if i % 3 == 0:
            roles.append(VolunteerRoleAssignment(volunteer=v,
                                                 role=choices[(i + 3) % len(choices)]))
        vols.setdefault(v.community_id, []).append(v)
    VolunteerRoleAssignment.objects.bulk_create(roles, batch_size=BATCH)
    return vols, pool


def _status(k: int) -> str:
    return (VolunteerStatus.LEFT if k % 33 == 32 else VolunteerStatus.PAUSED if k % 14 == 13
            else VolunteerStatus.ACTIVE)


def load_activities(c: Community, grids: list[Grid], organiser: User, n: int, big: int,
                    pool: list[Person], today: date, now: datetime) -> list[ActivitySession]:
    """The community's activities, sessions and sign-ups; returns its past sessions."""
    kinds = ActivityKind.values
    acts, plan = [], []
    for i in range(n):
        first = today - timedelta(days=700) + timedelta(days=(i * 733) % 730)
        festival = i == 0 and big > 0
        acts.append(Activity(
            ref=f"{c.code}-H-{first.year}-{i + 1:05d}", community=c, organiser=organiser,
            grid=None if i % 3 == 0 else grids[i % GRIDS], kind=kinds[i % len(kinds)],
            title=f"{c.name}邻里文化节" if festival else f"基准活动 {c.code} {i}",
            published=i % 4 == 0, created_at=at(first - timedelta(days=14), 9)))
        plan.append((first, big if festival else 1 + i % 3, festival))
    Activity.objects.bulk_create(acts, batch_size=BATCH)
    sessions = []
    sizes = []  # sign-ups per session
    for a, (first, count, festival) in zip(acts, plan, strict=True):
        for j in range(count):
            start = at(first + timedelta(days=(2 if festival else 7) * j), 9 + j % 8)
            sessions.append(ActivitySession(
                activity=a, starts_at=start, ends_at=start + timedelta(hours=2),
                place=f"活动室{j % 5 + 1}", capacity=(30 if festival else 8) if j % 2 == 0
                else None, cancelled=j % 23 == 22))
            sizes.append(40 if festival else (len(sessions) * 7) % 11)
    ActivitySession.objects.bulk_create(sessions, batch_size=BATCH)
    signups = []
    for s_i, (s, n_signups) in enumerate(zip(sessions, sizes, strict=True)):
        start = (s_i * 131) % len(pool)
        for k in range(min(n_signups, len(pool))):
            p = pool[(start + k) % len(pool)] if k % 5 else None
            status = (SignUpStatus.CANCELLED if k % 9 == 8 else SignUpStatus.WAITING
                      if s.capacity and k >= s.capacity else SignUpStatus.CONFIRMED)
            came = s.starts_at if (status == SignUpStatus.CONFIRMED and s.starts_at < now
                                   and k % 5 != 3) else None
            signups.append(SignUp(
                session=s, person=p, name=p.name if p else f"居民{k}", grid_id=p.grid_id
                if p else None, source=SignUpSource.STAFF if p else SignUpSource.PORTAL,
                phone_mask="" if p else f"138****{k:04d}", status=status, attended_at=came,
                created_at=s.starts_at - timedelta(days=3, minutes=-k)))
    SignUp.objects.bulk_create(signups, batch_size=BATCH)
    return [s for s in sessions if s.starts_at < now and not s.cancelled]


def load_hours(vols: list[Volunteer], counts: list[int], past: list[ActivitySession],
               heavy: Volunteer | None, recorder: User, today: date) -> int:
    """The community's ledger; returns the rows written (reversals too)."""
    entries, served = [], []
    for v, k in zip(vols, counts, strict=True):
        span = 2190 if v is heavy else 730
        used: set[int] = set()
        for t in range(k):
            on = today - timedelta(days=(v.pk * 13 + t * (span // max(k, 1) or 1) + t) % span)
            entry = HoursEntry(volunteer=v, on=on, hours=HOURS[(v.pk + t) % len(HOURS)],
                               source=HoursSource.STAFF, created_by=recorder, note="")
            if t % 10 == 3 and past:
                s = past[(v.pk * 7919 + t * 104729) % len(past)]
                if s.pk not in used:
                    used.add(s.pk)
                    entry.source, entry.session = HoursSource.ACTIVITY, s
                    entry.on = timezone.localdate(s.starts_at)
                    served.append(SessionVolunteer(session=s, volunteer=v, served=True))
            elif t % 10 == 7:
                entry.source, entry.note = HoursSource.SELF, "巡楼"
            entries.append(entry)
    HoursEntry.objects.bulk_create(entries, batch_size=BATCH)
    SessionVolunteer.objects.bulk_create(served, batch_size=BATCH)
    reversals = [HoursEntry(volunteer_id=e.volunteer_id, on=e.on, hours=-e.hours,
                            source=HoursSource.REVERSAL, note="录入有误", reverses=e,
                            created_by=recorder)
                 for e in entries[50::100]]
    HoursEntry.objects.bulk_create(reversals, batch_size=BATCH)
    return len(entries) + len(reversals)


def load(args: argparse.Namespace, today: date) -> None:
    """Bulk-insert the bench's rows (no services: this is volume, not rules)."""
    rng = random.Random(args.seed)
    now = timezone.now()
    n = args.communities
    comms = Community.objects.bulk_create(
        [Community(name=f"基准街道社区{i:03d}", code=f"{PREFIX}{i:03d}") for i in range(n)])
    grids: dict[int, list[Grid]] = {c.pk: [] for c in comms}
    for g in Grid.objects.bulk_create([Grid(community=c, name=f"第{k + 1}网格", code=f"G{k + 1}")
                                       for c in comms for k in range(GRIDS)]):
        grids[g.community_id].append(g)
    heads = [account(f"be-head-{c.code}", Role.HEAD, c) for c in comms]
    User.objects.bulk_create(heads + [account(f"be-coord-{c.code}", Role.COORDINATOR, c)
                                      for c in comms] + [account("be-district", Role.AUDITOR)])
    vols, pool = load_people(comms, grids, split(round(args.volunteers * args.scale), n),
                             rng, today)
    print(f"  {sum(map(len, vols.values())):,} volunteers", flush=True)
    heavy = vols[comms[0].pk][0]
    n_heavy = max(100, round(args.heavy * args.scale))
    credits = round(args.entries * args.scale / 1.01) - n_heavy
    everyone = [v for c in comms for v in vols[c.pk]]
    weights = [0.25 + 1.5 * ((i * 7919) % 100) / 100 for i in range(len(everyone))]
    scale = credits / (sum(weights) - weights[0])
    counts = {v.pk: round(w * scale) for v, w in zip(everyone, weights, strict=True)}
    counts[heavy.pk] = n_heavy
    written = 0
    for c, head, n_acts in zip(comms, heads, split(round(args.activities * args.scale), n),
                               strict=True):
        past = load_activities(c, grids[c.pk], head, n_acts,
                               args.big_sessions if c is comms[0] else 0, pool[c.pk], today, now)
        written += load_hours(vols[c.pk], [counts[v.pk] for v in vols[c.pk]], past,
                              heavy, head, today)
    print(f"  {written:,} ledger rows", flush=True)


def clear() -> None:
    """Delete the bench's rows (raw deletes of the big tables, in order)."""
    ours = Community.objects.filter(code__startswith=PREFIX)
    vols = Volunteer.objects.filter(community__in=ours)
    acts = Activity.objects.filter(community__in=ours)
    for qs in (HoursEntry.objects.filter(volunteer__in=vols, reverses__isnull=False),
               HoursEntry.objects.filter(volunteer__in=vols),
               SessionVolunteer.objects.filter(session__activity__in=acts),
               SignUp.objects.filter(session__activity__in=acts),
               ActivitySession.objects.filter(activity__in=acts), acts,
               VolunteerRoleAssignment.objects.filter(volunteer__in=vols), vols,
               Person.objects.filter(grid__community__in=ours),
               Household.objects.filter(grid__community__in=ours),
               Dwelling.objects.filter(grid__community__in=ours),
               Building.objects.filter(grid__community__in=ours)):
        qs._raw_delete(qs.db)
    User.objects.filter(username__startswith="be-").delete()
    Grid.objects.filter(community__in=ours).delete()
    ours.delete()


def naive_list(user: User, year: int) -> str:
    """The list page's content built the naive way: one query per volunteer
    for the year's hours (the figure every page shows), sorted in Python,
    the first page rendered without prefetching."""
    vols = list(selectors.volunteers_for(user).order_by("pk"))
    for v in vols:
        v.year_hours = selectors.hours_total(v, year)  # type: ignore[attr-defined]
    vols.sort(key=lambda v: (-v.year_hours, v.pk))  # type: ignore[attr-defined]
    page = Paginator(vols, PAGE_SIZE).get_page(1)
    rows = [(v, selectors.display_name(v), selectors.tier_for(v.year_hours))  # type: ignore[attr-defined]
            for v in page.object_list]
    request = RequestFactory().get("/engage/volunteers/")
    request.user = user
    return render_to_string("engage/volunteer_list.html", {
        "page": page, "rows": rows, "year": year, "q": "", "role": "", "status": "",
        "roles": VolunteerRole.choices, "statuses": VolunteerStatus.choices,
        "tier_labels": {code: str(label) for code, label, _l in selectors.TIERS}},
        request=request)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument("--volunteers", type=int, default=5000)
    parser.add_argument("--activities", type=int, default=20000)
    parser.add_argument("--entries", type=int, default=400_000)
    parser.add_argument("--heavy", type=int, default=2000,
                        help="entries of the one volunteer measured on their page")
    parser.add_argument("--big-sessions", type=int, default=100,
                        help="sessions of the festival measured on its page")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="times volunteers, activities and entries (0.1: a quick try)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded rows")
    args = parser.parse_args()

    call_command("migrate", verbosity=0, interactive=False)
    today = timezone.localdate()
    ours = Volunteer.objects.filter(community__code__startswith=PREFIX)
    if not args.reuse and Community.objects.filter(code__startswith=PREFIX).exists():
        started = time.perf_counter()
        with transaction.atomic():
            clear()
        print(f"cleared the last run's rows in {time.perf_counter() - started:.1f} s",
              flush=True)
    if not ours.exists():
        started = time.perf_counter()
        print("loading …", flush=True)
        with transaction.atomic():
            load(args, today)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"loaded in {time.perf_counter() - started:.1f} s", flush=True)

    entries = HoursEntry.objects.filter(volunteer__in=ours)
    first = Community.objects.filter(code__startswith=PREFIX).order_by("code").first()
    heavy = ours.filter(community=first, person__isnull=False).order_by("pk").first()
    big = Activity.objects.filter(community=first).order_by("pk").first()
    assert heavy is not None and big is not None
    n_heavy = entries.filter(volunteer=heavy).count()
    n_big = SignUp.objects.filter(session__activity=big).count()
    n_big_sessions = big.sessions.count()
    year = today.year
    rows = []
    for who, user in (("district", User.objects.get(username="be-district")),
                      ("community", User.objects.get(username=f"be-coord-{first.code}"))):
        client = Client()
        client.force_login(user)
        seen = selectors.volunteers_for(user).count()
        given = (selectors.volunteers_for(user).filter(person__isnull=False)
                 .order_by("pk")[seen // 2].person.name[-2:])
        for name, url in (
                (f"volunteer_list p1 ({who}, {seen:,} vols)", "/engage/volunteers/"),
                (f"volunteer_list p2 ({who})", "/engage/volunteers/?page=2"),
                (f"volunteer_list search ({who}, q={given})",
                 f"/engage/volunteers/?{urlencode({'q': given})}"),
                (f"volunteer_detail ({who}, {n_heavy:,} entries)",
                 f"/engage/volunteers/{heavy.pk}/"),
                (f"activity_detail ({who}, {n_big_sessions} sessions, {n_big:,} sign-ups)",
                 f"/engage/activities/{big.pk}/")):
            ms, q = page_times(client, [url], repeat=args.runs)
            rows.append(summary(name, ms, q))
        naive_list(user, year)  # warm-up
        with CaptureQueriesContext(connection) as ctx:
            naive_list(user, year)
        ms = [timed(naive_list, user, year) for _ in range(args.runs)]
        rows.append(summary(f"baseline naive list ({who})", ms, len(ctx.captured_queries)))

    header = f"{'measure':<62} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8}"
    print(f"\nJiayuan volunteers and activities benchmark · {connection.vendor} · "
          f"{Community.objects.filter(code__startswith=PREFIX).count()} communities · "
          f"{ours.count():,} volunteers · "
          f"{Activity.objects.filter(community__code__startswith=PREFIX).count():,} activities · "
          f"{entries.count():,} ledger rows · {args.runs} runs")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['name']:<62} {r['p50']:>9.1f} {r['p95']:>9.1f} {r['sql']:>8}")
    for who in ("district", "community"):
        page = next(r for r in rows if r["name"].startswith(f"volunteer_list p1 ({who}"))
        base = next(r for r in rows if r["name"] == f"baseline naive list ({who})")
        print(f"ratio baseline/page ({who}): {base['p50'] / page['p50']:.1f}× p50, "
              f"{base['p95'] / page['p95']:.1f}× p95; queries {base['sql']} vs {page['sql']}")
    print(json.dumps({"db": connection.vendor, "today": today.isoformat(), "rows": rows}))


if __name__ == "__main__":
    main()
