#!/usr/bin/env python
"""Benchmark (not a test): concurrent writers and the audit lock, on PostgreSQL.

    make bench-writers                                  # 1, 4, 16 writers, 8 s each
    make bench-writers BENCH_ARGS="--writers 1 4 --seconds 4"

Every service appends to one hash chain, so appends take one lock (the audit
tip). Until 0.14 a service took it at its start and held it to its commit, so
every write in the deployment ran one at a time; now a service's entries are
chained as it ends and the tip is held only for the append
(jiayuan.core.audit). This measures both in the same run on the same data:
N writer processes (as gunicorn's workers would be), each adding notes to
cases of its own through the desk's real service (`add_note`: permission,
scope, the case's row lock, the event, the audit entry) for --seconds.
"before" is the same call with the tip taken first, as every service did
then; "after" is the call as it is. Prints notes per second, p50/p95 per
call and the ratio after/before for each N; then checks that every note has
its entry, the sequence has no gap and `verify_chain` passes.

The database is a scratch copy of the demo station (`jiayuan_bench_writers`
on BENCH_PG, default postgres://postgres@127.0.0.1:5432), made afresh.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DB = "jiayuan_bench_writers"


def prepare(server: str) -> dict[str, str]:
    env = {**os.environ, "JIAYUAN_LOCAL_KEYS": "1", "DJANGO_SETTINGS_MODULE": "jiayuan.settings",
           "DATABASE_URL": f"{server}/{DB}", "JIAYUAN_VAR_DIR": str(ROOT / "var" / "bench")}
    env.pop("JIAYUAN_DEMO", None)
    subprocess.run(["psql", f"{server}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{DB}"'],
                   check=True, capture_output=True)
    subprocess.run(["psql", f"{server}/postgres", "-qc", f'CREATE DATABASE "{DB}"'],
                   check=True, capture_output=True)
    print("loading the demo station …", flush=True)
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PY, "manage.py", "demo", "--scale", "station", "--seed", "1"], cwd=ROOT,
                   env=env, check=True, stdout=subprocess.DEVNULL)
    return env


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def writer(args: tuple[int, str, float, list[int], int]) -> list[float]:
    """One writer process: notes on its own cases until the time is up."""
    index, mode, seconds, case_ids, actor_id = args
    _setup()
    from django.db import connection

    from jiayuan.core import audit
    from jiayuan.core.models import User
    from jiayuan.desk.choices import EventKind
    from jiayuan.desk.models import Case
    from jiayuan.desk.services import add_note

    actor = User.objects.get(pk=actor_id)
    cases = list(Case.objects.filter(pk__in=case_ids))
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline:
        case = cases[i % len(cases)]
        i += 1
        started = time.perf_counter()
        if mode == "before":
            with audit.batch():
                audit.lock_tip()  # as every service did until 0.14: the tip first
                add_note(actor=actor, case=case, kind=EventKind.NOTE, text=f"w{index} n{i}")
        else:
            add_note(actor=actor, case=case, kind=EventKind.NOTE, text=f"w{index} n{i}")
        times.append(time.perf_counter() - started)
    connection.close()
    return times


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded database")
    args = parser.parse_args()
    server = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    if args.reuse:
        os.environ.update({"JIAYUAN_LOCAL_KEYS": "1", "DJANGO_SETTINGS_MODULE": "jiayuan.settings",
                           "DATABASE_URL": f"{server}/{DB}"})
    else:
        os.environ.update(prepare(server))
    _setup()
    from django.db import connection

    from jiayuan.core import audit
    from jiayuan.core.models import AuditEntry, User
    from jiayuan.desk.models import Case, CaseEvent

    head = User.objects.get(username="head")
    open_cases = list(Case.objects.filter(closed_at__isnull=True).order_by("pk")
                      .values_list("pk", flat=True)[:400])
    notes_before = CaseEvent.objects.count()
    entries_before = AuditEntry.objects.count()
    connection.close()

    rows, report, total = [], {}, 0
    ctx = mp.get_context("spawn")
    for n in args.writers:
        result = {}
        for mode in ("before", "after"):
            share = max(1, len(open_cases) // n)
            jobs = [(w, mode, args.seconds, open_cases[w * share:(w + 1) * share] or open_cases[:1],
                     head.pk) for w in range(n)]
            with ctx.Pool(n) as pool:
                times = [t for part in pool.map(writer, jobs) for t in part]
            total += len(times)
            result[mode] = {"per_s": round(len(times) / args.seconds, 1),
                            "p50_ms": round(statistics.median(times) * 1000, 1),
                            "p95_ms": round(p(times, 0.95) * 1000, 1), "calls": len(times)}
        result["ratio"] = round(result["after"]["per_s"] / result["before"]["per_s"], 2)
        rows.append((n, result))
        report[str(n)] = result

    print(f"{'writers':>7} {'before/s':>9} {'p50':>7} {'p95':>7} {'after/s':>9} {'p50':>7} "
          f"{'p95':>7} {'after/before':>12}")
    for n, r in rows:
        b, a = r["before"], r["after"]
        print(f"{n:>7} {b['per_s']:>9} {b['p50_ms']:>5}ms {b['p95_ms']:>5}ms {a['per_s']:>9} "
              f"{a['p50_ms']:>5}ms {a['p95_ms']:>5}ms {r['ratio']:>12}")
    notes = CaseEvent.objects.count() - notes_before
    entries = AuditEntry.objects.count() - entries_before
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    gaps = sum(1 for a, b in zip(seqs, seqs[1:], strict=False) if b != a + 1)
    verified = audit.verify_chain()
    print(f"notes written {notes}, calls {total}, audit entries {entries}, gaps {gaps}, "
          f"verify_chain {'ok' if verified.ok else 'BROKEN: ' + verified.reason}")
    print(json.dumps({"bench": "audit_writers", "seconds": args.seconds, "results": report,
                      "notes": notes, "calls": total, "entries": entries, "gaps": gaps,
                      "verified": verified.ok}))
    if notes != total or entries < total or gaps or not verified.ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
