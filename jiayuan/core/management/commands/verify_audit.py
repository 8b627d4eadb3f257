from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jiayuan.core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; name the first broken entry."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if options["json"]:
            self.stdout.write(json.dumps({"ok": result.ok, "checked": result.checked,
                                          "first_broken": result.first_broken,
                                          "reason": result.reason}))
        if result.ok:
            if not options["json"]:
                self.stdout.write(self.style.SUCCESS(
                    f"Audit log intact: {result.checked} entries verified."))
            return
        raise CommandError(f"Audit log broken at entry {result.first_broken}: {result.reason} "
                           f"({result.checked} entries verified before it).")
