from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jiayuan.core.models import User
from jiayuan.registry.search import search


class Command(BaseCommand):
    help = "Search people and households as a given staff account would."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("query")
        parser.add_argument("--as", dest="username", required=True, help="staff username")
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active staff account {options['username']!r}.")
        hits = search(user, options["query"], limit=options["limit"])
        rows = []
        for hit in hits:
            household = hit.household
            rows.append({
                "kind": hit.kind,
                "score": hit.score,
                "person_id": hit.person.pk if hit.person else None,
                "name": hit.person.name if hit.person else None,
                "household_id": household.pk if household else None,
                "dwelling": household.dwelling.code if household else None,
                "phone": hit.person.phone_mask if hit.person else None,
            })
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("No results.")
        for row in rows:
            who = row["name"] or f"household {row['household_id']}"
            self.stdout.write(f"{row['score']:>4}  {row['kind']:<9} {who:<16} "
                              f"{row['dwelling'] or ''}  (household {row['household_id']})")
