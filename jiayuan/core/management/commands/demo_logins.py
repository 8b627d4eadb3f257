from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from jiayuan.core.models import User

DEMO_USERNAMES = ("head", "caseworker", "gridworker", "gridworker2", "mediator", "coordinator",
                  "auditor", "admin")


class Command(BaseCommand):
    help = "Print the demo logins (demo mode only shows the password)."

    def handle(self, *args: Any, **options: Any) -> None:
        users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)
                 .prefetch_related("grids")}
        out = self.stdout
        out.write("")
        out.write(f"{'username':<13} {'role':<12} scope")
        for name in DEMO_USERNAMES:
            user = users.get(name)
            if user is None:
                continue
            grids = [g.name for g in user.grids.all()]
            scope = ", ".join(grids) if grids else (
                user.community.name if user.community else "all communities")
            out.write(f"{name:<13} {user.role:<12} {scope}")
        if settings.DEMO_MODE:
            out.write("password for every demo login: jiayuan-demo")
        out.write("")
