"""manage.py demo: load invented residents, households, shops and desk cases for a demo.

    manage.py demo --scale station --seed 1            # refuse if data exists
    manage.py demo --scale station --seed 1 --reset    # replace earlier demo data
    manage.py demo --scale station --seed 1 --if-empty # skip quietly if loaded
    manage.py demo --scale tiny --seed 1 --today 2028-02-29  # a year up to that day

The demo's year is counted back from the start of `--today` (default: the real
today, station time): the same scale, seed and day give the same data.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from jiayuan.core.auth import DEMO_PASSWORD
from jiayuan.demo.loader import has_data, load, reset
from jiayuan.places.models import Community
from jiayuan.registry.demo.generator import REFERENCE_DATE, SCALES
from jiayuan.registry.models import Household

SUMMARY = (("community", "communities"), ("grid", "grids"), ("dwelling", "dwellings"),
           ("household", "households"), ("person", "people"), ("business", "businesses"),
           ("search_key", "search keys"), ("consent", "consents"),
           ("circumstance", "circumstances"), ("case", "desk cases"),
           ("case_event", "case timeline entries"), ("referral", "referrals"),
           ("follow_up", "follow-up calls"), ("visit", "visits"),
           ("duty", "must-visit duties"), ("dispute", "disputes"), ("pairing", "pairings"),
           ("checkin", "pairing check-ins"), ("care_account", "other communities' accounts"),
           ("meeting", "meetings"), ("decision", "decisions"), ("suggestion", "suggestions"),
           ("project", "improvement projects"), ("volunteer", "volunteers"),
           ("hours_entry", "volunteer hours entries"), ("activity", "activities"),
           ("signup", "activity sign-ups"), ("post", "policy column posts"),
           ("card_batch", "contact card batches"))


def anchor_day(value: str) -> date:
    """--today: an ISO date (argparse shows the message and exits 2 otherwise)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date: write it as YYYY-MM-DD, e.g. 2028-02-29.") from None


class Command(BaseCommand):
    help = "Load deterministic, invented demo data (registry, places, staff accounts)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="station",
                            help="tiny (tests), station (one community) or district (60).")
        parser.add_argument("--seed", type=int, default=1,
                            help="Same scale and seed give the same data.")
        parser.add_argument("--today", type=anchor_day, default=None, metavar="YYYY-MM-DD",
                            help="The day the demo is anchored on: its year of cases, "
                                 "visits and duties ends the evening before (default: "
                                 "today). Same scale, seed and day give the same data.")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--reset", action="store_true",
                          help="Delete earlier demo data (visits, duties, disputes, pairings, "
                               "desk cases, registry, places, "
                               "demo staff accounts; never the audit log nor the catalogue "
                               "of services) before loading.")
        mode.add_argument("--if-empty", action="store_true",
                          help="Do nothing if a community exists already.")

    def handle(self, *args: Any, **options: Any) -> None:
        scale, seed = options["scale"], options["seed"]
        today = options.get("today") or timezone.localdate()
        if isinstance(today, str):  # call_command(today="2028-02-29")
            try:
                today = anchor_day(today)
            except argparse.ArgumentTypeError as exc:
                raise CommandError(str(exc)) from None
        if today < REFERENCE_DATE:
            raise CommandError(
                f"--today {today.isoformat()} is before {REFERENCE_DATE.isoformat()}, the "
                "day the demo's residents are dated on (births, moves, permits): choose "
                "that day or a later one.")
        started = time.perf_counter()
        if options["if_empty"] and Community.objects.exists():
            if options["verbosity"] > 1:
                self.stdout.write("Demo data already loaded; nothing to do.")
                call_command("demo_logins", stdout=self.stdout)
            return
        with transaction.atomic():
            if options["reset"]:
                deleted = reset()
                if any(deleted.values()):
                    self.stdout.write(f"Deleted earlier demo data: {deleted.get('person', 0):,} "
                                      f"people, {deleted.get('household', 0):,} households, "
                                      f"{deleted.get('case', 0):,} desk cases.")
            elif has_data():
                raise CommandError(
                    f"The database already holds data ({Community.objects.count()} "
                    f"communities, {Household.objects.count()} households). Use --reset to "
                    "replace it with demo data, or --if-empty to skip.")
            result = load(scale, seed, today,
                          progress=lambda line: self.stdout.write(line))
        if connection.vendor == "postgresql":
            # Fresh statistics, or the planner guesses with empty-table estimates
            # until autovacuum gets round to it (seen: 85 ms instead of 18 ms for
            # the household file).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        result.seconds = time.perf_counter() - started  # including the commit
        self._summary(scale, seed, result)

    def _summary(self, scale: str, seed: int, result: Any) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS(f"Demo data loaded: scale {scale}, seed {seed}, "
                                     f"in {result.seconds:.1f} s."))
        width = max(len(label) for _k, label in SUMMARY)
        for key, label in SUMMARY:
            out.write(f"  {label:<{width}}  {result.counts.get(key, 0):>10,}")
        out.write("")
        out.write("Demo logins:")
        out.write(f"  {'username':<12} {'role':<12} scope")
        for username, role, scope in result.staff:
            out.write(f"  {username:<12} {role:<12} {scope}")
        if settings.DEMO_MODE:
            out.write(f"Password for every demo login: {DEMO_PASSWORD}")
        else:
            out.write("The demo logins have no usable password: load the demo with "
                      "JIAYUAN_DEMO=1 to sign in with them.")
