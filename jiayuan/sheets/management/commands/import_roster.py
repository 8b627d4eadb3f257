"""Import a roster from the command line: the same checks as the web page.

    manage.py import_roster FILE --grid CODE [--community CODE] [--user NAME]
                            [--dry-run] [--json] [--consent-evidence TEXT]

Exit status 0 when the check (or import) ran, 1 when the file was refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Case, When
from django.http import Http404
from django.utils import translation

from jiayuan.core.access import as_id
from jiayuan.core.models import User
from jiayuan.core.roles import Perm, roles_with
from jiayuan.lib._i18n import LibError
from jiayuan.places.models import Grid
from jiayuan.sheets import importing
from jiayuan.sheets.importing import Report
from jiayuan.sheets.report import error_report


class Command(BaseCommand):
    help = "Check (--dry-run) or import a roster (.xlsx, .xls, .csv) into a grid."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--grid", required=True, help="code of the grid")
        parser.add_argument("--community", help="community code (if several have the grid)")
        parser.add_argument("--user", help="the account the import is recorded under "
                                           "(default: the first station head)")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--errors", help="write the rows to fix to this .xlsx file")
        parser.add_argument("--consent-evidence", default="",
                            help="how the people consented to their ethnic group being "
                                 "recorded; without it that column is ignored")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE,
                            help="language of the messages (zh-hans, zh-hant, en)")
        parser.add_argument("--sheet", action="append", default=[],
                            help="a sheet to read (repeat it for several sheets with the same "
                                 "header); by default the first sheet with a header row")
        parser.add_argument("--accept", default="",
                            help="row numbers of possible duplicates to import anyway, e.g. 12,40")

    def handle(self, *args: Any, **opts: Any) -> None:
        translation.activate(opts["language"])
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        grids = Grid.objects.filter(code=opts["grid"]).select_related("community")
        if opts.get("community"):
            grids = grids.filter(community__code=opts["community"])
        found = grids.count()
        if found != 1:
            raise CommandError(f"Grid {opts['grid']!r}: {found} found; "
                               "give --community to choose.")
        grid = grids.get()
        actor = self._actor(opts.get("user"), grid)
        try:
            batch = importing.start(actor=actor, grid=grid, data=path.read_bytes(),
                                    filename=path.name,
                                    consent_evidence=opts["consent_evidence"][:200])
            if opts["sheet"]:
                batch = importing.choose_sheets(actor=actor, batch=batch, names=opts["sheet"])
            accepted = [n for n in map(as_id, opts["accept"].split(",")) if n]
            if opts["dry_run"]:
                batch.accepted = accepted  # only for the dry run, which writes nothing
                report = importing.check(actor=actor, batch=batch)
            else:
                report = importing.commit(actor=actor, batch=batch, accepted=accepted)
        except LibError as exc:
            raise CommandError(str(exc)) from exc
        except Http404 as exc:
            raise CommandError(f"{actor.username} does not work in grid {grid.code}.") from exc
        if opts.get("errors"):
            Path(opts["errors"]).write_bytes(error_report(report))
        self._print(report, batch.pk, opts)

    def _actor(self, username: str | None, grid: Grid) -> User:
        users = User.objects.filter(community=grid.community, is_active=True,
                                    role__in=roles_with(Perm.IMPORT_ROSTER))
        if username:
            users = users.filter(username=username)
        # The station head first, then the others who may import.
        preference = Case(*(When(role=role, then=i) for i, role in
                            enumerate(roles_with(Perm.IMPORT_ROSTER))), default=99)
        user = users.order_by(preference, "pk").first()
        if user is None:
            raise CommandError("No active account of this community may import rosters"
                               + (f" named {username!r}" if username else "") + ".")
        return user

    def _print(self, report: Report, batch_id: int, opts: dict[str, Any]) -> None:
        if opts["json"]:
            self.stdout.write(json.dumps({
                "batch": batch_id, "dry_run": opts["dry_run"], "counts": report.counts,
                "notices": report.notices, "sheets": report.sheets,
                "problems": [{"row": r.number, "sheet": r.sheet, "outcome": r.outcome,
                              "note": r.note,
                              "problems": [{"column": p.column, "reason": p.reason}
                                           for p in r.problems]}
                             for r in report.problems()],
            }, ensure_ascii=False, indent=1, default=str))
            return
        c = report.counts
        verb = "Checked" if opts["dry_run"] else "Imported"
        sheets = ("sheets " if len(report.sheets) > 1 else "sheet ") \
            + importing.sheet_list(report.sheets)
        self.stdout.write(f"{verb} (batch {batch_id}, {sheets}): "
                          + ", ".join(f"{k} {c[k]}" for k in c))
        for notice in report.notices:
            self.stdout.write(f"! {notice}")
        for row in report.problems():
            for p in row.problems:
                self.stdout.write(f"{row.sheet} row {row.number}: {p.column}: {p.reason}")
            if not row.problems:
                self.stdout.write(f"{row.sheet} row {row.number}: {row.note}")
