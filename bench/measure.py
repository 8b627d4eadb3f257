"""Child process of bench/run.py: measures one database (DATABASE_URL or SQLite).

Prints one JSON line at the end. Timings are wall-clock per call, after a
warm-up pass, with the same query mix for our search and for the baseline.
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    district, _ = User.objects.get_or_create(username="bench-district",
                                             defaults={"role": Role.CASEWORKER})
    scoped = User.objects.filter(username="gridworker").first() or district
    mix = query_mix(args.queries, args.seed)

    for _kind, q in mix[:50]:  # warm-up: caches, OpenCC, connection
        search(district, q)
        naive(q)

    rows = []
    ours = [timed(search, district, q) for _k, q in mix]
    base = [timed(naive, q) for _k, q in mix]
    ours_scoped = [timed(search, scoped, q) for _k, q in mix]
    with CaptureQueriesContext(connection) as ctx:
        for _k, q in mix[:50]:
            search(district, q)
    search_sql = round(len(ctx.captured_queries) / 50, 1)
    rows.append(summary("search (whole district)", ours, search_sql))
    rows.append(summary("search (one grid worker)", ours_scoped))
    rows.append(summary("baseline icontains (name|phone)", base))
    by_kind: dict[str, list[float]] = {}
    for (kind, _q), ms in zip(mix, ours, strict=True):
        by_kind.setdefault(kind, []).append(ms)
    for kind, ms in sorted(by_kind.items()):
        rows.append(summary(f"  search: {kind} ({len(ms)})", ms))

    client = Client()
    client.force_login(district)
    rng = random.Random(args.seed + 1)
    max_h = Household.objects.order_by("-pk").values_list("pk", flat=True).first()
    pks = list(Household.objects.filter(pk__in=[rng.randint(1, max_h) for _ in range(120)])
               .values_list("pk", flat=True))[:60]
    for pk in pks[:10]:
        client.get(f"/households/{pk}/")
    page_ms = []
    for pk in pks:
        start = time.perf_counter()
        response = client.get(f"/households/{pk}/")
        page_ms.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"/households/{pks[0]}/")
    rows.append(summary("household file page (server)", page_ms, len(ctx.captured_queries)))

    rows.extend(desk_rows(args.seed, page_ms))

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
