"""manage.py living_counts: check the households and people living here that
PostgreSQL keeps (jiayuan.registry.living_counts) against a count of the
registry, and with --repair rewrite them from that count.

Exit status 1 when they differ or can't be used (a trigger missing or
disabled since, a TRUNCATE): the dashboard then counts the people, so
nothing shown is wrong, only slower; --repair makes them usable again. Run it
after restoring a dump made without the triggers, or after disabling them.
With --compact, fold the days before yesterday (what `tick` does each day).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from jiayuan.registry import living_counts


class Command(BaseCommand):
    help = "Check the kept counts of households and people living here; --repair rewrites them."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--repair", action="store_true",
                            help="Rewrite the counts from the registry and mark them kept.")
        parser.add_argument("--compact", action="store_true",
                            help="Fold the days before yesterday into one row per grid.")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write("Not PostgreSQL: the figures count the people; nothing is kept.")
            return
        if options["compact"]:
            self.stdout.write(f"{living_counts.compact()} row(s) folded.")
        problems = living_counts.recount(repair=options["repair"])
        for line in problems:
            self.stdout.write(line)
        if not problems:
            self.stdout.write("The kept counts are exact and in use.")
        elif options["repair"]:
            self.stdout.write(f"{len(problems)} problem(s) found and repaired: the kept counts "
                              "are rewritten from the registry.")
        else:
            self.stdout.write(f"{len(problems)} problem(s): run `manage.py living_counts "
                              "--repair`; until then the figures count the people.")
            sys.exit(1)
