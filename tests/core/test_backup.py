"""Backups that restore (docs/deployment.md, "Backups").

The drill backs up the test database (SQLite or PostgreSQL, whichever
DATABASE_URL gives the suite), restores it with `manage.py restore` in a
separate process into a scratch database that nothing else uses (a new SQLite
file, or a new PostgreSQL database `jyt_bkp_drill_<random>` dropped after),
and runs `manage.py verify_audit` there, as an operator would. The other tests
damage a backup and check that it is refused before anything is written.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from jiayuan.core import backup
from jiayuan.core.backup import BackupError, EncryptingWriter, create_backup, decrypt_file
from jiayuan.core.models import AuditAction, AuditEntry

ROOT = Path(__file__).resolve().parents[2]
KEY = backup.new_key()


@dataclass
class Target:
    """A scratch database (and var directory) for a restore in another process."""

    url: str
    var: Path
    facts: Callable[[], dict[str, Any]]

    def env(self, key: str = KEY) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items()
                if not k.startswith(("JIAYUAN_", "DJANGO_", "PG")) and k not in {
                    "DATABASE_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "FIELD_HASH_KEY",
                    "BACKUP_KEY", "PRIVATE_MEDIA_ROOT", "AUDIT_KEY", "AUDIT_KEY_FILE"}}
        return {**keep, "DATABASE_URL": self.url, "JIAYUAN_VAR_DIR": str(self.var),
                "JIAYUAN_LOCAL_KEYS": "0", "DJANGO_SETTINGS_MODULE": "jiayuan.settings",
                "PRIVATE_MEDIA_ROOT": str(self.var / "private"),
                # the station's keys travel with the restore, not with the backup
                "SECRET_KEY": settings.SECRET_KEY, "FIELD_HASH_KEY": settings.FIELD_HASH_KEY,
                "FIELD_ENCRYPTION_KEY": ",".join(settings.FIELD_ENCRYPTION_KEYS),
                "AUDIT_KEY": ",".join(settings.AUDIT_KEYS), "BACKUP_KEY": key}

    def manage(self, *args: str, key: str = KEY) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT,
                              env=self.env(key), capture_output=True, text=True, timeout=120)

    def private_files(self) -> list[Path]:
        root = self.var / "private"
        return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _sqlite_facts(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"row_counts": {}}
    conn = sqlite3.connect(path)
    try:
        return backup._facts(lambda sql: conn.execute(sql).fetchall(), "sqlite")
    finally:
        conn.close()


def _pg_connect(dbname: str) -> Any:
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(dbname=dbname, host=db["HOST"] or None, port=db["PORT"] or None,
                           user=db["USER"] or None, password=db["PASSWORD"] or None,
                           autocommit=True)


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Target]:
    var = tmp_path / "target"
    var.mkdir()
    if connection.vendor == "sqlite":
        path = var / "restored.sqlite3"
        yield Target(f"sqlite:///{path}", var, lambda: _sqlite_facts(path))
        return
    name = f"jyt_bkp_drill_{secrets.token_hex(4)}"
    with _pg_connect("postgres") as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')

    def facts() -> dict[str, Any]:
        with _pg_connect(name) as conn, conn.cursor() as cursor:
            def query(sql: str) -> list[tuple[Any, ...]]:
                cursor.execute(sql)
                return list(cursor.fetchall())
            return backup._facts(query, "postgresql")

    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="") + (
        ":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
    try:
        yield Target(f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}",
                     var, facts)
    finally:
        with _pg_connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def committed(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Requested before `django_db_serialized_rollback` and `transactional_db`
    (so it is torn down after them): the backup reads committed data, so these
    tests commit and the database is flushed after them. The flush (serialized
    rollback) leaves it empty, and this puts back what the migrations wrote
    (content types, the festival calendar, the default suggestion statuses) for
    the tests that follow on this worker.

    A transactional test before these on the worker (a journey, a live server)
    was flushed, and post_migrate made the content types again, in its own order
    and so under other ids than the migrations gave them: the serialized
    rollback would then put the migrations' rows back beside them and clash on
    (app_label, model). They are cleared first, and come back with their ids."""
    with django_db_blocker.unblock():
        ContentType.objects.all().delete()  # and the permissions that point at them
        ContentType.objects.clear_cache()
    yield
    with django_db_blocker.unblock():
        connection.creation.deserialize_db_from_string(
            connection._test_serialized_contents)  # type: ignore[attr-defined]


@pytest.fixture
def private_root(tmp_path: Path, settings: Any) -> Path:
    root = tmp_path / "private"
    document = root / "case-documents" / "2026" / "12" / "scan.pdf"
    document.parent.mkdir(parents=True)
    document.write_bytes(b"%PDF-1.4 an uploaded scan\x00\xff")
    settings.PRIVATE_MEDIA_ROOT = str(root)
    settings.BACKUP_KEY = KEY
    return root


# --- the drill -------------------------------------------------------------------

def test_restore_drill_backup_destroy_restore_counts_and_audit_chain(
        committed: None, django_db_serialized_rollback: None,
        transactional_db: Any, household: Any, household_b: Any, private_root: Path,
        target: Target,
        tmp_path: Path) -> None:
    file = tmp_path / "station.jyb"
    manifest = create_backup(file)

    assert manifest["vendor"] == connection.vendor
    assert manifest["row_counts"]["registry_person"] >= 2
    assert manifest["private_files"] == 1
    # the backup's own audit entry is in the backup: the manifest's tip is it
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None and entry.object_type == "core.backup"
    assert entry.action == AuditAction.EXPORT
    assert manifest["audit_tip"] == {"seq": entry.seq, "digest": entry.hash}
    assert target.facts()["row_counts"] == {}  # destroyed: the target is empty

    restored = target.manage("restore", str(file))
    assert restored.returncode == 0, restored.stderr
    assert "every table's row count equals the backup's" in restored.stdout

    facts = target.facts()  # read independently of the command
    assert facts["row_counts"] == manifest["row_counts"]
    assert facts["audit_tip"] == manifest["audit_tip"]
    assert facts["migrations"] == manifest["migrations"]
    [document] = target.private_files()
    assert document.read_bytes() == b"%PDF-1.4 an uploaded scan\x00\xff"
    verified = target.manage("verify_audit")
    assert verified.returncode == 0, verified.stderr
    assert f"{entry.seq} entries verified" in verified.stdout

    # a second restore into the now non-empty database is refused, nothing changes
    again = target.manage("restore", str(file))
    assert again.returncode != 0
    assert "is not empty" in again.stderr and "Nothing was restored" in again.stderr
    assert target.facts()["row_counts"] == manifest["row_counts"]


# --- refusals ------------------------------------------------------------------------

@pytest.fixture
def made(committed: None, django_db_serialized_rollback: None,
        transactional_db: Any, household: Any, private_root: Path, tmp_path: Path) -> Path:
    file = tmp_path / "station.jyb"
    create_backup(file)
    return file


def test_a_byte_flipped_in_the_middle_is_refused_and_the_target_untouched(
        made: Path, target: Target, tmp_path: Path) -> None:
    data = bytearray(made.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged = tmp_path / "damaged.jyb"
    damaged.write_bytes(bytes(data))

    result = target.manage("restore", str(damaged))

    assert result.returncode != 0
    assert "fails authentication" in result.stderr and "Nothing was restored" in result.stderr
    assert target.facts()["row_counts"] == {}
    assert target.private_files() == []


@pytest.mark.parametrize("keep", [0.5, 0.999])
def test_a_truncated_backup_is_refused(made: Path, tmp_path: Path, keep: float) -> None:
    data = made.read_bytes()
    cut = tmp_path / "cut.jyb"
    cut.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(BackupError, match="damaged, cut short or was altered"):
        backup.restore_backup(cut)


def test_a_wrong_key_is_refused(made: Path, settings: Any) -> None:
    settings.BACKUP_KEY = backup.new_key()
    with pytest.raises(BackupError, match="Wrong key"):
        backup.restore_backup(made)


def test_a_backup_of_the_other_vendor_is_refused(private_root: Path, tmp_path: Path,
                                                 db: Any) -> None:
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    file = tmp_path / "other.jyb"
    manifest = json.dumps({"format": 1, "vendor": other}).encode()
    with file.open("wb") as out:
        writer = EncryptingWriter(out, backup.backup_key())
        with tarfile.open(fileobj=writer, mode="w|") as tar:  # type: ignore[call-overload]
            for name, content in (("manifest.json", manifest),
                                  (backup.DB_MEMBER[other], b"not restored")):
                info = tarfile.TarInfo(name)
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
        writer.finish()
    with pytest.raises(BackupError, match="Restore it into a"):
        backup.restore_backup(file)


# --- the file --------------------------------------------------------------------

def test_the_file_is_private_new_and_holds_no_key(made: Path, tmp_path: Path) -> None:
    assert made.stat().st_mode & 0o777 == 0o600
    data = made.read_bytes()
    assert data.startswith(backup.MAGIC)
    raw = backup.backup_key()
    assert KEY.encode() not in data and raw not in data
    assert b"registry_person" not in data  # encrypted, manifest included
    before = made.read_bytes()
    with pytest.raises(BackupError, match="never overwrites"):
        create_backup(made)
    assert made.read_bytes() == before


def test_backup_refuses_without_a_key(committed: None, django_db_serialized_rollback: None,
        transactional_db: Any, settings: Any, tmp_path: Path) -> None:
    settings.BACKUP_KEY = ""
    with pytest.raises(BackupError, match="BACKUP_KEY is not set"):
        create_backup(tmp_path / "none.jyb")
    assert not (tmp_path / "none.jyb").exists()


def _stream(plain: bytes, chunk_size: int = 64) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, backup.backup_key(), chunk_size=chunk_size)
    writer.write(plain)
    writer.finish()
    return out.getvalue()


def _decrypt(data: bytes, tmp_path: Path) -> bytes:
    path = tmp_path / "stream.jyb"
    path.write_bytes(data)
    out = io.BytesIO()
    decrypt_file(path, out, backup.backup_key())
    return out.getvalue()


@pytest.fixture
def key(settings: Any) -> None:
    settings.BACKUP_KEY = KEY


@pytest.mark.usefixtures("key")
def test_the_stream_round_trips_and_detects_reordering_truncation_and_edits(
        tmp_path: Path) -> None:
    plain = bytes(range(256)) * 2  # 512 bytes: 8 chunks of 64, the eighth flagged last
    data = _stream(plain)
    assert _decrypt(data, tmp_path) == plain
    head, block = backup.HEADER.size, 64 + backup.TAG_SIZE
    chunks = [data[head + i:head + i + block] for i in range(0, len(data) - head, block)]
    assert len(chunks) == 8
    damaged = {
        "swapped": data[:head] + chunks[1] + chunks[0] + b"".join(chunks[2:]),
        "cut at a chunk boundary": data[:head] + b"".join(chunks[:4]),
        "last chunk removed": data[:head] + b"".join(chunks[:-1]),
        "chunk appended": data + chunks[3],
        "header edited": data[:9] + b"\x00\x00\x00\x41" + data[13:],
        "nothing after the header": data[:head],
    }
    for name, variant in damaged.items():
        with pytest.raises(BackupError, match="fails authentication|not a Jiayuan|damaged|"
                                              "Wrong key"):
            _decrypt(variant, tmp_path)
            pytest.fail(name)
    # two backups of the same data share no ciphertext (fresh salt and nonce prefix)
    assert _stream(plain)[head:] != data[head:]


def test_the_check_after_a_restore_names_what_disagrees(household: Any) -> None:
    facts = backup.current_facts()
    report = backup.RestoreReport({**facts, "private_files": 0})
    backup._compare(report, 0)
    assert report.ok, report.problems
    assert report.audit_checked == facts["audit_tip"]["seq"] > 0

    counts = facts["row_counts"]
    report = backup.RestoreReport({**facts, "private_files": 0,
                                   "row_counts": {**counts,
                                                  "registry_person": counts["registry_person"] + 1},
                                   "audit_tip": {"seq": 999, "digest": "0" * 64}})
    backup._compare(report, 1)
    assert not report.ok
    assert [p.split(":")[0] for p in report.problems] == [
        "table registry_person", "audit tip", "private files"]
