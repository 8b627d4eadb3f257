"""`manage.py tick`: the station's scheduled work, run by a timer every few minutes
(docs/deployment.md). Idempotent and safe to kill: see jiayuan/desk/tick.py."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jiayuan.desk import tick

logger = logging.getLogger(__name__)


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


class Command(BaseCommand):
    help = ("Run the scheduled work: flag missed service targets, raise residence-permit "
            "reminders, raise and lapse must-visit duties, send the daily digest e-mails. One line per step: its name and the "
            "number of rows it wrote (0 when there was nothing to do).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true", help="print nothing unless a step fails")
        parser.add_argument("--only", metavar="STEP",
                            help="run this step only: " + ", ".join(n for n, _f in tick.STEPS))
        parser.add_argument("--now", metavar="ISO",
                            help="act as if it were this time (testing and demos)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = parse_now(options["now"]) if options["now"] else timezone.now()
        steps = tick.STEPS
        if options["only"]:
            steps = [(n, f) for n, f in tick.STEPS if n == options["only"]]
            if not steps:
                raise CommandError(f"There is no step {options['only']!r}; the steps are: "
                                   + ", ".join(n for n, _f in tick.STEPS) + ".")
        quiet = options["quiet"]
        with tick.run_lock() as got:
            if not got:
                if not quiet:
                    self.stdout.write("tick: another run holds the lock; nothing done.")
                return
            failed = self._run(steps, now, quiet)
        if failed:
            raise CommandError("tick: " + "; ".join(failed) + ". The rest was done; the next "
                               "run retries what failed.")

    def _run(self, steps: list, now: datetime, quiet: bool) -> list[str]:
        """Run every step even when one fails: they are independent."""
        failed: list[str] = []
        for name, step in steps:
            try:
                line = f"{name}: {step(now)}"
            except tick.StepIncomplete as exc:
                line = f"{name}: {exc.done} ({exc.failed} failed)"
                failed.append(f"{name}: {exc.failed} failed")
            except Exception as exc:
                logger.exception("tick: step %s failed", name)
                line = f"{name}: failed ({exc.__class__.__name__})"
                failed.append(f"{name} failed ({exc})")
            if not quiet:
                self.stdout.write(line)
        return failed
