"""Child process of bench/run.py: measures one database (DATABASE_URL or SQLite).

Prints one JSON line at the end. Timings are wall-clock per call, after a
warm-up pass, with the same query mix for our search and for the baseline.

`--only-file` measures the household file page alone (and its CPU time a page),
on a database bench/run.py already loaded, e.g.:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiayuan_bench_district_1 \
    JIAYUAN_LOCAL_KEYS=1 JIAYUAN_VAR_DIR=var/bench .venv/bin/python bench/measure.py --only-file
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
# The test client's force_login gives no second factor: without this every page
# is the enrolment redirect (302), not the page to measure.
os.environ.setdefault("MFA_REQUIRED", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from jiayuan.core.models import User  # noqa: E402
from jiayuan.core.roles import Role  # noqa: E402
from jiayuan.lib.text import syllables  # noqa: E402
from jiayuan.registry.identifiers import id_number_of, phone_of  # noqa: E402
from jiayuan.registry.models import Household, Person  # noqa: E402
from jiayuan.registry.search import search  # noqa: E402


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(name: str, ms: list[float], sql: str | int = "") -> dict:
    return {"name": name, "p50": statistics.median(ms), "p95": pct(ms, 95), "sql": sql}


def to_traditional(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


def query_mix(n: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    max_id = Person.objects.order_by("-pk").values_list("pk", flat=True).first()
    people: list[Person] = []
    while len(people) < n:
        ids = [rng.randint(1, max_id) for _ in range(n)]
        people += list(Person.objects.filter(pk__in=ids).select_related("household__dwelling"))
    people = people[:n]
    kinds = (["given"] * 25 + ["full"] * 15 + ["traditional"] * 10 + ["initials"] * 15
             + ["pinyin"] * 10 + ["last4"] * 10 + ["phone"] * 5 + ["id"] * 5 + ["dwelling"] * 5)
    mix = []
    for person in people:
        kind = rng.choice(kinds)
        name = person.name.replace("·", "")
        if kind == "given":
            q = name[-2:] if len(name) >= 3 else name[:2]
        elif kind == "full":
            q = person.name
        elif kind == "traditional":
            q = to_traditional(person.name)
        elif kind == "initials":
            q = "".join(s[0] for s in syllables(person.name))
        elif kind == "pinyin":
            q = "".join(syllables(person.name))
        elif kind in {"last4", "phone"} and person.phone_enc:
            phone = phone_of(person)
            q = phone[-4:] if kind == "last4" else phone
        elif kind == "id" and person.id_number_enc:
            q = id_number_of(person)
        else:
            kind, q = "dwelling", person.household.dwelling.code
        mix.append((kind, q))
    return mix


def naive(q: str) -> list:
    """The baseline the issue names: icontains OR over name and phone via the ORM."""
    return list(Person.objects.filter(Q(name__icontains=q) | Q(phone_last4__icontains=q))
                .select_related("household__dwelling")[:20])


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - start) * 1000


def page_times(client: Client, urls: list[str], repeat: int = 3) -> tuple[list[float], int]:
    """Server time of each GET (after one warm-up each) and the queries of the first."""
    for url in urls:
        client.get(url)
    times = []
    for _ in range(repeat):
        for url in urls:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(urls[0])
    return times, len(ctx.captured_queries)


def desk_rows(seed: int, household_ms: list[float]) -> list[dict]:
    """The service desk's queues and case page, as the demo's staff see them."""
    from jiayuan.desk.models import Case
    from jiayuan.desk.selectors import QUEUES

    if not Case.objects.exists():
        return []
    rows = []
    for username in ("head", "caseworker", "gridworker"):
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        for q in QUEUES:
            ms, sql = page_times(client, [f"/desk/queue/{q.code}/"])
            rows.append(summary(f"desk queue {q.code} ({username})", ms, sql))
    head = User.objects.get(username="head")
    client = Client()
    client.force_login(head)
    rng = random.Random(seed + 2)
    ids = list(Case.objects.filter(community_id=head.community_id)
               .values_list("pk", flat=True)[:5000])
    sample = [f"/desk/cases/{pk}/" for pk in rng.sample(ids, min(40, len(ids)))]
    ms, sql = page_times(client, sample, repeat=1)
    rows.append(summary("case page (head)", ms, sql))
    ratio = statistics.median(ms) / statistics.median(household_ms)
    rows.append({"name": "  case page / household file (p50)", "p50": ratio, "p95": 0.0,
                 "sql": ""})
    rows.append({"name": "cases in the database", "p50": float(Case.objects.count()),
                 "p95": 0.0, "sql": ""})
    return rows


def care_page_times(client: Client, urls: list[str], repeat: int = 3
                    ) -> tuple[list[float], int] | int:
    """page_times, or the status code when the page does not answer 200 (the
    visits app's pages answer 501 until they are built)."""
    status = client.get(urls[0]).status_code
    if status != 200:
        return status
    return page_times(client, urls, repeat)


def _rolled_back(fn, *args) -> tuple[float, int, int]:
    """Time fn(*args) inside a transaction that is then rolled back: (ms,
    its return value, queries)."""
    from django.db import transaction

    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        value = fn(*args)
        ms = (time.perf_counter() - start) * 1000
        transaction.set_rollback(True)
    return ms, value, len(ctx.captured_queries)


def care_rows(household_ms: list[float]) -> list[dict]:
    """The must-visit step of `manage.py tick` and the visits app's lists.

    tick: the demo already replayed its year of duties, so the data holds a
    year of them. "First run" is a deployment's first tick over the loaded
    district: every duty deleted, then `run(now)` raises every duty owed
    today, in a transaction rolled back afterwards. "Next day" is tomorrow's
    tick on the demo's data (rolled back). "Second run" is today's tick again
    on the demo's data: it must write nothing (asserted). The baseline, in the
    same run, is the rest of the desk's tick (SLA flags and permit reminders,
    rolled back)."""
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from jiayuan.care import duties
    from jiayuan.care.models import Duty, Visit
    from jiayuan.desk import jobs as desk_jobs

    if not Visit.objects.exists():
        return []
    rows = []
    now = timezone.now()
    caught_up = duties.run(now)  # a database kept from an earlier day: today's tick
    rows.append({"name": f"tick duties: catch-up run ({caught_up} rows)", "p50": 0.0,
                 "p95": 0.0, "sql": ""})

    def first_run() -> int:
        Duty.objects.all().delete()
        return duties.run(now)

    ms, written, sql = _rolled_back(first_run)
    rows.append({"name": f"tick duties: first run ({written:,} rows)", "p50": ms, "p95": ms,
                 "sql": sql})
    ms, written, sql = _rolled_back(duties.run, now + timedelta(days=1))
    rows.append({"name": f"tick duties: next day ({written:,} rows)", "p50": ms, "p95": ms,
                 "sql": sql})
    second, sql = [], 0
    for _n in range(3):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            written = duties.run(now)
            second.append((time.perf_counter() - start) * 1000)
        assert written == 0, f"the second run wrote {written} rows"
        sql = len(ctx.captured_queries)
    rows.append(summary("tick duties: second run (0 rows)", second, sql))

    def desk_steps() -> int:
        return desk_jobs.step_sla(now) + desk_jobs.step_permits(now)

    _rolled_back(desk_steps)  # warm-up
    base = [_rolled_back(desk_steps)[0] for _n in range(3)]
    rows.append(summary("tick baseline: sla + permits steps", base))
    rows.append({"name": "  second run / baseline (p50)",
                 "p50": statistics.median(second) / statistics.median(base), "p95": 0.0,
                 "sql": ""})

    pages = (("duty list", "duty_list"), ("visit diary", "visit_list"))
    for username in ("gridworker", "head", "bench-district"):
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        client = Client(raise_request_exception=False)  # a page that fails is a row
        client.force_login(user)
        for label, name in pages:
            measured = care_page_times(client, [reverse(name)], repeat=5)
            if isinstance(measured, int):
                rows.append({"name": f"{label} ({username}): HTTP {measured}", "p50": 0.0,
                             "p95": 0.0, "sql": ""})
                continue
            ms, sql = measured
            rows.append(summary(f"{label} ({username})", ms, sql))
            rows.append({"name": f"  {label} / household file (p50)",
                         "p50": statistics.median(ms) / statistics.median(household_ms),
                         "p95": 0.0, "sql": ""})
    today = timezone.localdate(now)
    for label, qs in (("visits in the database", Visit.objects.all()),
                      ("duties in the database", Duty.objects.all()),
                      ("  open, due today or later", Duty.objects.filter(
                          status="open", due__gte=today)),
                      ("  overdue", Duty.objects.filter(status="open", due__lt=today))):
        rows.append({"name": label, "p50": float(qs.count()), "p95": 0.0, "sql": ""})
    return rows


def file_urls(seed: int) -> list[str]:
    """The 60 household files the bench opens (as main() picks them)."""
    rng = random.Random(seed + 1)
    max_h = Household.objects.order_by("-pk").values_list("pk", flat=True).first()
    pks = list(Household.objects.filter(pk__in=[rng.randint(1, max_h) for _ in range(120)])
               .values_list("pk", flat=True))[:60]
    return [f"/households/{pk}/" for pk in pks]


def file_only(user: User, seed: int) -> dict:
    """The household file page as main() measures it (each page once to warm it,
    then two timed rounds), with the process's CPU time a page: a measure that
    other processes on the machine disturb less than the wall-clock time."""
    client = Client()
    client.force_login(user)
    urls = file_urls(seed)
    ms, cpu = [], []
    for url in urls:
        client.get(url)
    for _round in range(2):
        for url in urls:
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            ms.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(urls[0])
    return {"household file page (server)": summary("", ms, len(ctx.captured_queries)),
            "cpu ms a page": summary("", cpu)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--search-only", action="store_true",
                        help="measure search alone (no pages, desk or care rows)")
    parser.add_argument("--only-file", action="store_true",
                        help="the household file page only, with its CPU time a page")
    args = parser.parse_args()

    district, _ = User.objects.get_or_create(username="bench-district",
                                             defaults={"role": Role.CASEWORKER})
    if args.only_file:
        print(json.dumps(file_only(district, args.seed)))
        return
    scoped = User.objects.filter(username="gridworker").first() or district
    mix = query_mix(args.queries, args.seed)

    for _kind, q in mix[:50]:  # warm-up: caches, OpenCC, connection
        search(district, q)
        naive(q)

    rows = []
    # The first pass reads index and table pages from disk (a cold cache); the
    # figures that count are those of a station's steady state, taken on a
    # second pass. Both are reported.
    cold = [timed(search, district, q) for _k, q in mix]
    ours = [timed(search, district, q) for _k, q in mix]
    base = [timed(naive, q) for _k, q in mix]
    ours_scoped = [timed(search, scoped, q) for _k, q in mix]
    with CaptureQueriesContext(connection) as ctx:
        for _k, q in mix[:50]:
            search(district, q)
    search_sql = round(len(ctx.captured_queries) / 50, 1)
    rows.append(summary("search (whole district)", ours, search_sql))
    rows.append(summary("search (whole district), first pass", cold))
    rows.append(summary("search (one grid worker)", ours_scoped))
    rows.append(summary("baseline icontains (name|phone)", base))
    by_kind: dict[str, list[float]] = {}
    for (kind, _q), ms in zip(mix, ours, strict=True):
        by_kind.setdefault(kind, []).append(ms)
    for kind, ms in sorted(by_kind.items()):
        rows.append(summary(f"  search: {kind} ({len(ms)})", ms))

    if args.search_only:
        return report(rows, mix, ours, base)
    client = Client()
    client.force_login(district)
    urls = file_urls(args.seed)
    client.get(urls[0])  # templates, translations
    first_ms = []
    for url in urls[1:]:
        start = time.perf_counter()
        response = client.get(url)
        first_ms.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    # Then as the desk pages are measured (page_times): each page once more to
    # warm it, then two timed rounds.
    page_ms, page_sql = page_times(client, urls, repeat=2)
    rows.append(summary("household file page (server)", page_ms, page_sql))
    rows.append(summary("household file page, first visit", first_ms))

    rows.extend(desk_rows(args.seed, page_ms))
    rows.extend(care_rows(page_ms))
    report(rows, mix, ours, base)


def report(rows: list[dict], mix: list[tuple[str, str]], ours: list[float],
           base: list[float]) -> None:
    print(json.dumps({
        "db": connection.vendor,
        "people": Person.objects.count(),
        "queries": len(mix),
        "rows": rows,
        "search_all": {"p50": statistics.median(ours), "p95": pct(ours, 95)},
        "baseline_all": {"p50": statistics.median(base), "p95": pct(base, 95)},
    }))


if __name__ == "__main__":
    main()
