"""Child process of bench/load.py: the database side of the load test.

    load_db.py setup PLAN.json   the staff accounts' bench password, and the plan the
                                 simulated people read (names to type, known portal
                                 references and codes, the roster import's grid)
    load_db.py counts            the rows the load test writes, as one JSON line
    load_db.py import ROSTER     a dry run of the roster import (writes nothing), timed

Runs with the bench database's environment (DATABASE_URL) and jiayuan.settings.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")

import django  # noqa: E402

django.setup()

# The demo password opens an account only in demo mode (jiayuan.core.auth), and
# the load test runs the production settings: the accounts it logs in with get
# this one, in the bench database only.
BENCH_PASSWORD = "bench-load-Jiayuan-2026"  # noqa: S105 - a scratch database's accounts
STAFF = ("head", "caseworker", "gridworker", "gridworker2")


def setup(plan_path: str, seed: int) -> None:
    from jiayuan.core.models import User
    from jiayuan.desk.models import Case
    from jiayuan.places.models import Grid
    from jiayuan.registry.models import Person

    users = {u.username: u for u in User.objects.filter(username__in=STAFF)}
    missing = sorted(set(STAFF) - set(users))
    if missing:
        raise SystemExit(f"the bench database has no demo account {missing}")
    for user in users.values():
        if not user.check_password(BENCH_PASSWORD):
            user.set_password(BENCH_PASSWORD)
            user.save(update_fields=["password"])
    head = users["head"]
    rng = random.Random(seed)
    names = list(Person.objects.filter(household__dwelling__building__grid__community_id=(
        head.community_id)).values_list("name", flat=True)[:5000])
    cases = list(Case.objects.filter(community_id=head.community_id)
                 .values_list("ref", "public_token")[:5000])
    grid = (Grid.objects.filter(community_id=head.community_id).select_related("community")
            .order_by("code").first())
    plan = {
        "password": BENCH_PASSWORD,
        "desk": ["head", "caseworker"],
        "grid": ["gridworker", "gridworker2"],
        "names": rng.sample(names, min(400, len(names))),
        "lookups": rng.sample(cases, min(400, len(cases))),
        "import_grid": grid.code if grid else "",
        "import_community": grid.community.code if grid else "",
    }
    Path(plan_path).write_text(json.dumps(plan, ensure_ascii=False))


def counts() -> dict[str, int]:
    from jiayuan.care.models import Duty, Visit
    from jiayuan.core.models import AuditEntry
    from jiayuan.desk.models import Case, CaseEvent
    from jiayuan.registry.models import Household, Person

    return {
        "cases": Case.objects.count(),
        "portal_cases": Case.objects.filter(channel="portal").count(),
        "events_status": CaseEvent.objects.filter(kind="status").count(),
        "events_note": CaseEvent.objects.filter(kind="note").count(),
        "visits": Visit.objects.count(),
        "duties_open": Duty.objects.filter(status="open").count(),
        "audit": AuditEntry.objects.count(),
        "people": Person.objects.count(),
        "households": Household.objects.count(),
    }


def dry_import(roster: str, grid: str, community: str) -> dict:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("import_roster", roster, "--grid", grid, "--community", community,
                 "--dry-run", "--json", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return {"import_s": round(time.perf_counter() - started, 2)}


def main() -> None:
    what = sys.argv[1]
    if what == "setup":
        setup(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    elif what == "counts":
        print(json.dumps(counts()))
    elif what == "import":
        print(json.dumps(dry_import(*sys.argv[2:5])))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
