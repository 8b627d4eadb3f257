from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jiayuan.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = ("Restore a backup made by `manage.py backup` into a fresh, empty database (and "
            "an empty PRIVATE_MEDIA_ROOT), then check it against the backup's manifest.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("backup", help="the backup file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = restore_backup(Path(options["backup"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = report.manifest
        self.stdout.write(
            f"Restored the backup made at {manifest['created_at']}: "
            f"{len(manifest['row_counts'])} tables, {manifest['private_files']} private files.")
        for note in report.notes:
            self.stdout.write(self.style.WARNING(f"Note: {note}"))
        if not report.ok:
            raise CommandError("The restored data does not match the backup:\n  "
                               + "\n  ".join(report.problems))
        self.stdout.write(self.style.SUCCESS(
            f"Checked: every table's row count equals the backup's; the audit log is intact "
            f"({report.audit_checked} entries verified, tip {manifest['audit_tip']['seq']})."))
