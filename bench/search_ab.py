"""Search only, A/B in one process: this tree's search against another tree's
(default /work/main), same database, same query mix as bench/measure.py,
alternating query by query so that the machine's load falls on both alike.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiayuan_bench_district_1 \\
        JIAYUAN_LOCAL_KEYS=1 .venv/bin/python bench/search_ab.py [--other PATH]
        [--rounds 3] [--profile] [--sql]

Checks first that both give the same hits (kind, score, person, household) for
every query and both readers. --profile prints cProfile of this tree's search;
--sql prints this tree's slowest queries of the grid worker.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure  # noqa: E402  (django.setup, the query mix)
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from jiayuan.core.models import User  # noqa: E402
from jiayuan.core.roles import Role  # noqa: E402
from jiayuan.registry import search as ours  # noqa: E402


def load_other(tree: str):
    path = Path(tree) / "jiayuan" / "registry" / "search.py"
    spec = importlib.util.spec_from_file_location("other_search", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["other_search"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def shape(hits) -> list[tuple]:
    return [(h.kind, h.score, h.matched, h.person.pk if h.person else None,
             h.household.pk if h.household else None) for h in hits]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--other", default="/work/main")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sql", action="store_true")
    args = parser.parse_args()

    other = load_other(args.other)
    district, _ = User.objects.get_or_create(username="bench-district",
                                             defaults={"role": Role.CASEWORKER})
    scoped = User.objects.filter(username="gridworker").first() or district
    readers = {"whole district": district, "one grid worker": scoped}
    mix = measure.query_mix(args.queries, args.seed)

    differ = 0
    for _kind, q in mix:
        for user in readers.values():
            a, b = shape(ours.search(user, q)), shape(other.search(user, q))
            if a != b:
                differ += 1
                if differ <= 5:
                    print("DIFFER", user.username, repr(q), a[:3], b[:3])
    print(f"same hits: {len(mix) * 2 - differ} of {len(mix) * 2}")

    times: dict[tuple[str, str], list[float]] = {}
    for _round in range(args.rounds):
        for i, (_kind, q) in enumerate(mix):
            for label, user in readers.items():
                order = (("ours", ours), ("other", other))
                for name, module in order if i % 2 else order[::-1]:
                    start = time.perf_counter()
                    module.search(user, q)
                    times.setdefault((label, name), []).append(
                        (time.perf_counter() - start) * 1000)
    for label in readers:
        cells = []
        for name in ("other", "ours"):
            ms = times[(label, name)]
            cells.append(f"{name} p50 {statistics.median(ms):.2f} p95 {measure.pct(ms, 95):.2f}")
        a, b = times[(label, "ours")], times[(label, "other")]
        print(f"{label:<16} {' | '.join(cells)} | ours/other p50 "
              f"{statistics.median(a) / statistics.median(b):.2f} p95 "
              f"{measure.pct(a, 95) / measure.pct(b, 95):.2f}")
    for label, user in readers.items():
        for name, module in (("other", other), ("ours", ours)):
            with CaptureQueriesContext(connection) as ctx:
                for _k, q in mix:
                    module.search(user, q)
            print(f"queries a search, {label}, {name}: "
                  f"{len(ctx.captured_queries) / len(mix):.2f}")

    if args.profile:
        for label, user in readers.items():
            profile = cProfile.Profile()
            cpu = time.process_time()
            profile.enable()
            for _k, q in mix:
                ours.search(user, q)
            profile.disable()
            print(f"\n== {label}: CPU {(time.process_time() - cpu) * 1000 / len(mix):.2f} ms "
                  "a search (profiled)")
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    if args.sql:
        slow = []
        for kind, q in mix:
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                ours.search(scoped, q)
                ms = (time.perf_counter() - start) * 1000
            slow.append((ms, kind, q, [(x["time"], x["sql"]) for x in ctx.captured_queries]))
        slow.sort(reverse=True)
        for ms, kind, q, sqls in slow[:15]:
            print(f"\n{ms:.2f} ms {kind} {q!r}")
            for t, sql in sqls:
                print(f"   {t}s {sql[:300]}")


if __name__ == "__main__":
    main()
