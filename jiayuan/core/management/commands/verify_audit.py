from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jiayuan.core.audit import BREAK_KINDS, VerifyResult, verify_chain


def _report(result: VerifyResult) -> str:
    """The operator's report: the first break, then every break in order."""
    lines = [f"Audit log broken at entry {result.first_broken}: {result.reason} "
             f"({result.checked} entries verified before it)."]
    lines += [f"  entry {b.seq}: {BREAK_KINDS[b.kind]}: {b.reason}" for b in result.breaks]
    lines.append(f"{len(result.breaks)} break(s); {result.verified} entries verify on their own.")
    return "\n".join(lines)


class Command(BaseCommand):
    help = ("Verify the audit log's hash chain; list every entry that does not verify "
            "(edited, unlinked, missing, not keyed), first to last.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if options["json"]:
            self.stdout.write(json.dumps({"ok": result.ok, "checked": result.checked,
                                          "first_broken": result.first_broken,
                                          "reason": result.reason,
                                          "breaks": [asdict(b) for b in result.breaks],
                                          "unkeyed_until": result.unkeyed_until}))
        if result.ok:
            if not options["json"]:
                self.stdout.write(self.style.SUCCESS(
                    f"Audit log intact: {result.checked} entries verified."))
                if result.unkeyed_until:
                    self.stdout.write(
                        f"Entries 1 to {result.unkeyed_until} predate the audit key and are "
                        f"verified by plain SHA-256; set AUDIT_UNKEYED_UNTIL="
                        f"{result.unkeyed_until} so that no later entry may be.")
            return
        raise CommandError(_report(result))
