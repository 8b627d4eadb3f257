from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jiayuan.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = ("Write one encrypted file (key: BACKUP_KEY) holding the whole database, the "
            "private files and a manifest. Never overwrites a file.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("output", help="path of the new backup file (must not exist)")

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        try:
            manifest = create_backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(self.style.SUCCESS(
            f"Backup written to {output}: {manifest['vendor']} database, "
            f"{len(manifest['row_counts'])} tables, {rows} rows, "
            f"{manifest['private_files']} private files, audit log up to entry "
            f"{manifest['audit_tip']['seq']}."))
