"""manage.py load_catalogue: the starting catalogue for a station's first setup.

    manage.py load_catalogue            # create missing services and departments
    manage.py load_catalogue --update   # also reset existing ones to the shipped texts

Without --update, rows the station head has edited are left as they are. Rows
are matched by their code; nothing is ever deleted. Contact details and
whether a row is active are the station's own and never overwritten.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jiayuan.core import audit
from jiayuan.core.models import AuditAction
from jiayuan.desk.demo.catalogue import load_catalogue

LABELS = (("category", "categories"), ("item", "services"),
          ("department", "departments and partners"))


class Command(BaseCommand):
    help = "Load the starting catalogue of services, departments and partners."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--update", action="store_true",
                            help="Also overwrite the names, descriptions, documents and "
                                 "targets of existing rows with the shipped ones.")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_catalogue(update=options["update"])
        changed = sum(c["created"] + c["updated"] for c in counts.values())
        if changed:
            audit.record(AuditAction.CREATE if not options["update"] else AuditAction.UPDATE,
                         object_type="desk.catalogue", object_repr="starting catalogue",
                         changes=counts, username="manage.py load_catalogue")
        width = max(len(label) for _k, label in LABELS)
        self.stdout.write(f"  {'':<{width}}  {'created':>8} {'updated':>8} {'kept':>8}")
        for key, label in LABELS:
            c = counts[key]
            self.stdout.write(f"  {label:<{width}}  {c['created']:>8} {c['updated']:>8} "
                              f"{c['kept']:>8}")
        if not options["update"] and sum(c["kept"] for c in counts.values()):
            self.stdout.write("Existing rows were kept as they are; --update overwrites "
                              "their texts and targets.")
