"""`manage.py retention --report`: what the retention rules (jiayuan.rights.retention)
will do at the next `tick` and within the next 30 days, per rule: counts and the
oldest dates, never a name. Nothing is changed: `tick` (or `tick --only retention`)
applies the rules."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jiayuan.core.management.commands.tick import parse_now
from jiayuan.rights import retention


class Command(BaseCommand):
    help = ("Report what the retention rules will archive or delete at the next tick and "
            "within the next days (counts and oldest dates only). Changes nothing.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--report", action="store_true",
                            help="print the report (the only thing this command does)")
        parser.add_argument("--days", type=int, default=retention.REPORT_DAYS,
                            help="how far ahead to look (default %(default)s)")
        parser.add_argument("--now", metavar="ISO",
                            help="report as if it were this time (testing)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["report"]:
            raise CommandError("Say --report: this command only reports; `manage.py tick "
                               "--only retention` applies the rules.")
        if options["days"] < 1:
            raise CommandError("--days must be 1 or more.")
        now = parse_now(options["now"]) if options["now"] else timezone.now()
        days = options["days"]
        self.stdout.write(f"Retention report at {timezone.localtime(now):%Y-%m-%d %H:%M %Z}")
        for line in retention.report(now, days=days):
            self.stdout.write(
                f"{line.name}: {line.label}, {line.action} after {line.period}. "
                f"Next run: {line.due_now}{_since(line.oldest)}; within {days} days: "
                f"{line.due_soon}{_since(line.soon_oldest)}.")


def _since(day: Any) -> str:
    return f" (oldest {day.isoformat()})" if day else ""
