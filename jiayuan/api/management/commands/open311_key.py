"""Issue, list or revoke Open311 client keys (the key is printed once)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiayuan.api.models import Open311Key
from jiayuan.api.open311.keys import issue_key, revoke_key


class Command(BaseCommand):
    help = "Open311 keys: --issue NAME prints a new key once; --revoke PREFIX; no option lists."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--issue", metavar="NAME")
        parser.add_argument("--revoke", metavar="PREFIX")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["issue"]:
                key, secret = issue_key(name=options["issue"])
                self.stdout.write(f"{key.prefix} {key.name}\n{secret}")
                return
            if options["revoke"]:
                key = revoke_key(prefix=options["revoke"])
                self.stdout.write(f"revoked {key.prefix} {key.name}")
                return
        except ValidationError as err:
            raise CommandError(" ".join(err.messages)) from err
        for key in Open311Key.objects.all():
            state = "revoked" if key.revoked_at else "active"
            self.stdout.write(f"{key.prefix} {state:<8} {key.name} (last used: "
                              f"{key.last_used_at or 'never'})")
