"""`manage.py tick`: the station's scheduled work, run by a timer every few minutes
(docs/deployment.md). It runs the jobs the apps register in their `jobs.py`
(jiayuan.core.scheduler); each is idempotent and safe to kill."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jiayuan.core import scheduler


def parse_now(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(
            f"--now must be an ISO date or date-time such as 2026-03-01T08:00 or "
            f"2026-03-01T08:00+08:00, not {raw!r}.") from exc
    if timezone.is_naive(value):
        value = timezone.make_aware(value)  # the station's TIME_ZONE
    return value


def _names(jobs: list[scheduler.Job]) -> str:
    return ", ".join(job.name for job in jobs)


class Command(BaseCommand):
    help = ("Run the scheduled work: flag missed service targets, raise residence-permit "
            "reminders, raise and lapse must-visit duties, send the daily digest e-mails. One line per step: its name and the "
            "number of rows it wrote (0 when there was nothing to do).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true", help="print nothing unless a step fails")
        parser.add_argument("--only", metavar="STEP",
                            help="run this step only: " + _names(scheduler.jobs()))
        parser.add_argument("--now", metavar="ISO",
                            help="act as if it were this time (testing and demos)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = parse_now(options["now"]) if options["now"] else timezone.now()
        jobs = scheduler.jobs()
        if options["only"]:
            jobs = [job for job in jobs if job.name == options["only"]]
            if not jobs:
                raise CommandError(f"There is no step {options['only']!r}; the steps are: "
                                   + _names(scheduler.jobs()) + ".")
        quiet = options["quiet"]
        with scheduler.run_lock() as got:
            if not got:
                if not quiet:
                    self.stdout.write("tick: another run holds the lock; nothing done.")
                return
            failed = []
            for outcome in scheduler.run(jobs, now):
                if not quiet:
                    self.stdout.write(outcome.line)
                if not outcome.ok:
                    failed.append(outcome.problem)
        if failed:
            raise CommandError("tick: " + "; ".join(failed) + ". The rest was done; the next "
                               "run retries what failed.")
