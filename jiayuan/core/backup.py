"""Encrypted backups of the whole station, and restoring them (docs/deployment.md §9).

A backup is one file: a header, then a tar archive encrypted in chunks with
AES-256-GCM in the STREAM construction. The archive holds `manifest.json`, the
database (SQLite: a copy made with sqlite3's online backup API; PostgreSQL:
`pg_dump --format=custom` of one snapshot) and the private files directory
(uploaded case documents), taken after the database so every document row has
its file.

The file key is derived (HKDF-SHA256) from settings.BACKUP_KEY and a random salt
in the header; the header also carries a check value of the derived key, so a
wrong key is told apart from a damaged file. Each chunk's nonce is a random
prefix and the chunk's counter; its associated data is the whole header, the
counter and a "last chunk" flag. Reordered, removed, appended or edited chunks,
a cut file and an edited header all fail authentication. The key is never
written into the backup.

A restore decrypts the whole file into a private temporary directory and
checks every chunk before it writes anything, refuses a target database that
is not empty or is of another vendor, and afterwards compares the row counts
and the audit chain's tip with the manifest and verifies the chain.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from jiayuan.core import audit
from jiayuan.core.models import AuditAction, AuditTip

MAGIC = b"JYBACKUP"
FORMAT_VERSION = 1
CHUNK_SIZE = 1 << 20  # plaintext bytes per chunk; each adds a 16-byte tag
TAG_SIZE = 16
# magic, format version, chunk size, salt, nonce prefix, key check
HEADER = struct.Struct(">8sBI16s8s32s")
MAX_CHUNK_SIZE = 64 << 20
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database/db.sqlite3", "postgresql": "database/db.pgdump"}
PRIVATE = "private"
# libpq environment variables for the connection options a DATABASE_URL may carry
_PG_OPTION_ENV = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
                  "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "sslcrl": "PGSSLCRL"}


class BackupError(Exception):
    """A refusal, with the message an operator reads."""


# --- the key -------------------------------------------------------------------

def new_key() -> str:
    """A fresh BACKUP_KEY: 32 random bytes, URL-safe base64 (44 characters)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def backup_key() -> bytes:
    raw = str(getattr(settings, "BACKUP_KEY", "") or "").strip()
    if not raw:
        raise BackupError(
            "BACKUP_KEY is not set. Generate one (docs/deployment.md, 'Backups'), keep a copy "
            "apart from the database and the backups, and set BACKUP_KEY or BACKUP_KEY_FILE.")
    try:
        key = base64.urlsafe_b64decode(raw.encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise BackupError("BACKUP_KEY must be 32 bytes in URL-safe base64 (44 characters, "
                          "as docs/deployment.md generates it).")
    return key


def _derive(key: bytes, salt: bytes) -> tuple[bytes, bytes]:
    """(the file's AES-256 key, the check value the header carries)."""
    okm = HKDF(algorithm=hashes.SHA256(), length=64, salt=salt,
               info=b"jiayuan backup v1").derive(key)
    return okm[:32], okm[32:]


def _aad(header: bytes, counter: int, last: bool) -> bytes:
    return header + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def _nonce(prefix: bytes, counter: int) -> bytes:
    return prefix + counter.to_bytes(4, "big")


class EncryptingWriter:
    """A write-only file object: what is written goes out in encrypted chunks.
    `finish()` writes the last chunk (possibly empty), flagged as the last."""

    def __init__(self, out: IO[bytes], key: bytes, chunk_size: int = CHUNK_SIZE) -> None:
        salt, self._prefix = os.urandom(16), os.urandom(8)
        file_key, check = _derive(key, salt)
        self._header = HEADER.pack(MAGIC, FORMAT_VERSION, chunk_size, salt, self._prefix, check)
        self._aead, self._out, self._size = AESGCM(file_key), out, chunk_size
        self._buffer, self._counter = bytearray(), 0
        out.write(self._header)

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) > self._size:  # keep one chunk back: it may be the last
            self._emit(bytes(self._buffer[:self._size]), last=False)
            del self._buffer[:self._size]
        return len(data)

    def finish(self) -> None:
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _emit(self, chunk: bytes, *, last: bool) -> None:
        if self._counter >= 2**32:
            raise BackupError("The backup is too large for one file.")
        self._out.write(self._aead.encrypt(_nonce(self._prefix, self._counter), chunk,
                                           _aad(self._header, self._counter, last)))
        self._counter += 1


def decrypt_file(source: Path, out: IO[bytes], key: bytes) -> None:
    """Decrypt `source` into `out`, authenticating every chunk and the end.
    Raises BackupError naming what is wrong; `out` is then to be thrown away."""
    with source.open("rb") as fh:
        header = fh.read(HEADER.size)
        if len(header) < HEADER.size or not header.startswith(MAGIC):
            raise BackupError(f"{source} is not a Jiayuan backup (or its start is cut off).")
        _, version, chunk_size, salt, prefix, check = HEADER.unpack(header)
        if version != FORMAT_VERSION:
            raise BackupError(f"{source} is a backup in format {version}; this version of "
                              f"Jiayuan reads format {FORMAT_VERSION}.")
        if not 0 < chunk_size <= MAX_CHUNK_SIZE:
            raise BackupError(f"{source} has a damaged header; nothing was restored.")
        file_key, expected = _derive(key, salt)
        if not hmac.compare_digest(check, expected):
            raise BackupError("Wrong key: BACKUP_KEY is not the key this backup was made with "
                              "(or the file's header is damaged). Nothing was restored.")
        aead, block, counter = AESGCM(file_key), chunk_size + TAG_SIZE, 0
        current = fh.read(block)
        while True:
            following = fh.read(block)
            last = not following
            try:
                out.write(aead.decrypt(_nonce(prefix, counter), current,
                                       _aad(header, counter, last)))
            except InvalidTag:
                raise BackupError(
                    f"The backup {source} is damaged, cut short or was altered (chunk "
                    f"{counter} fails authentication). Nothing was restored.") from None
            if last:
                return
            current, counter = following, counter + 1


# --- reading a database ----------------------------------------------------------

Query = Callable[[str], list[tuple[Any, ...]]]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(query: Query, vendor: str) -> list[str]:
    if vendor == "sqlite":
        sql = ("SELECT name FROM sqlite_master WHERE type = 'table' "
               "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    else:
        sql = ("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
               "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', "
               "'information_schema') AND n.nspname NOT LIKE 'pg\\_%' ORDER BY c.relname")
    return [row[0] for row in query(sql)]


def _facts(query: Query, vendor: str) -> dict[str, Any]:
    """Row counts per table, the latest applied migration per app, the audit tip."""
    tables = _tables(query, vendor)
    # Names come from the catalogue, quoted: nothing here comes from a user.
    counts = {t: int(query(f"SELECT COUNT(*) FROM {_quote(t)}")[0][0])  # noqa: S608
              for t in tables}
    migrations: dict[str, str] = {}
    if "django_migrations" in counts:
        for app, name in query("SELECT app, name FROM django_migrations ORDER BY id"):
            migrations[app] = name
    tip: dict[str, Any] = {"seq": 0, "digest": audit.GENESIS}
    table = AuditTip._meta.db_table
    if table in counts:
        rows = query(f"SELECT last_seq, last_hash FROM {_quote(table)} WHERE id = 1")  # noqa: S608
        if rows:
            tip = {"seq": int(rows[0][0]), "digest": rows[0][1]}
    return {"row_counts": counts, "migrations": migrations, "audit_tip": tip}


def _sqlite_query(conn: sqlite3.Connection) -> Query:
    return lambda sql: conn.execute(sql).fetchall()


def _django_query(sql: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def current_facts() -> dict[str, Any]:
    """The facts of the database Django is connected to (after a restore)."""
    return _facts(_django_query, connection.vendor)


def _pg_command(program: str) -> tuple[list[str], dict[str, str]]:
    """The program with the connection from settings; the password only in the
    environment (PGPASSWORD), never on the command line."""
    db = connection.settings_dict
    args = [program, "--no-password"]
    if db.get("HOST"):
        args.append(f"--host={db['HOST']}")
    if db.get("PORT"):
        args.append(f"--port={db['PORT']}")
    if db.get("USER"):
        args.append(f"--username={db['USER']}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    for option, variable in _PG_OPTION_ENV.items():
        if db.get("OPTIONS", {}).get(option):
            env[variable] = str(db["OPTIONS"][option])
    return args, env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(f"{args[0]} is not installed (the PostgreSQL client tools are "
                          f"needed to {what}).") from None
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise BackupError(f"{args[0]} failed to {what}:\n{tail}")


def _dump_sqlite(target: Path) -> dict[str, Any]:
    connection.ensure_connection()
    source = connection.connection
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # the online backup API: a consistent copy while the app runs
        return _facts(_sqlite_query(copy), "sqlite")
    finally:
        copy.close()


def _dump_postgresql(target: Path) -> dict[str, Any]:
    """pg_dump of one exported snapshot; the counts are read in the same snapshot."""
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]

            def query(sql: str) -> list[tuple[Any, ...]]:
                cursor.execute(sql)
                return list(cursor.fetchall())

            facts = _facts(query, "postgresql")
            args, env = _pg_command("pg_dump")
            _run([*args, "--format=custom", f"--snapshot={snapshot}", f"--file={target}",
                  f"--dbname={connection.settings_dict['NAME']}"], env, "dump the database")
        raw.rollback()
    finally:
        raw.close()
    return facts


# --- making a backup -------------------------------------------------------------

@contextmanager
def _scratch() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="jiayuan-backup-"))  # mode 0700
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _vendor() -> str:
    if connection.vendor not in DB_MEMBER:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    return connection.vendor


def _private_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def create_backup(output: Path) -> dict[str, Any]:
    """Write the encrypted backup to `output` (a new file, mode 0600); return the manifest."""
    key = backup_key()
    vendor = _vendor()
    if connection.in_atomic_block:
        raise BackupError("A backup is taken outside any transaction (it must see, and "
                          "record, only committed data).")
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{output} already exists: a backup never overwrites a file. "
                          "Choose a new name.") from None
    except OSError as exc:
        raise BackupError(f"Cannot create {output}: {exc.strerror}.") from None
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out, _scratch() as tmp:
            # Recorded before the dump, so the backup holds the entry that
            # records it and its manifest's tip is that entry.
            audit.record(AuditAction.EXPORT, object_type="core.backup", object_repr="backup",
                         changes={"file": output.name, "database": vendor},
                         username="manage.py backup")
            database = tmp / "database"
            facts = (_dump_sqlite if vendor == "sqlite" else _dump_postgresql)(database)
            private_root = Path(settings.PRIVATE_MEDIA_ROOT)
            files = _private_files(private_root)  # after the dump: every row has its file
            manifest = {"format": FORMAT_VERSION, "vendor": vendor,
                        "created_at": timezone.now().isoformat(), **facts,
                        "private_files": len(files)}
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
            writer = EncryptingWriter(out, key)
            with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
                tar.add(tmp / MANIFEST, arcname=MANIFEST)
                tar.add(database, arcname=DB_MEMBER[vendor])
                for path in files:
                    tar.add(path, arcname=f"{PRIVATE}/{path.relative_to(private_root)}")
            writer.finish()
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        output.unlink(missing_ok=True)
        raise
    return manifest


# --- restoring -------------------------------------------------------------------

@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    audit_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _open_archive(path: Path, key: bytes, tmp: Path) -> tuple[dict[str, Any], Path]:
    """Decrypt and unpack into `tmp`; return the manifest and the unpacked directory."""
    plain = tmp / "backup.tar"
    with plain.open("wb") as out:
        decrypt_file(path, out, key)
    unpacked = tmp / "unpacked"
    unpacked.mkdir()
    try:
        with tarfile.open(plain, mode="r:") as tar:
            for member in tar.getmembers():
                top = member.name.split("/", 1)[0]
                if top not in {MANIFEST, "database", PRIVATE} or not (member.isfile()
                                                                     or member.isdir()):
                    raise BackupError(f"The backup holds an unexpected entry {member.name!r}.")
            tar.extractall(unpacked, filter="data")
        manifest = json.loads((unpacked / MANIFEST).read_text())
    except (tarfile.TarError, OSError, ValueError) as exc:
        raise BackupError(f"The backup's contents cannot be read ({exc}).") from None
    finally:
        plain.unlink(missing_ok=True)
    if manifest.get("format") != FORMAT_VERSION or manifest.get("vendor") not in DB_MEMBER:
        raise BackupError("The backup's manifest is not one this version of Jiayuan reads.")
    if not (unpacked / DB_MEMBER[manifest["vendor"]]).is_file():
        raise BackupError("The backup holds no database.")
    return manifest, unpacked


def _refuse_unless_empty(vendor: str) -> None:
    tables = _tables(_django_query, vendor)
    if tables:
        db = connection.settings_dict["NAME"]
        how = ("point DATABASE_URL (or JIAYUAN_VAR_DIR) at a database file that does not "
               "exist yet" if vendor == "sqlite" else
               "create an empty one, e.g. createdb --template=template0 NEW_NAME, and point "
               "DATABASE_URL at it")
        raise BackupError(f"The target database {db} is not empty ({len(tables)} tables): a "
                          f"restore only goes into a fresh, empty database. To make one, {how}. "
                          "Nothing was restored.")
    private = Path(settings.PRIVATE_MEDIA_ROOT)
    if _private_files(private):
        raise BackupError(f"The private files directory {private} is not empty: restore into "
                          "an empty PRIVATE_MEDIA_ROOT. Nothing was restored.")


def _restore_database(vendor: str, database: Path) -> None:
    if vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(database)
        try:
            source.backup(connection.connection)  # one step: all or nothing
        except sqlite3.Error as exc:
            raise BackupError(f"SQLite could not restore the database ({exc}).") from None
        finally:
            source.close()
        return
    args, env = _pg_command("pg_restore")
    _run([*args, "--no-owner", "--single-transaction", "--exit-on-error",
          f"--dbname={connection.settings_dict['NAME']}", str(database)],
         env, "restore the database")


def _compare(report: RestoreReport, restored_files: int) -> None:
    manifest, now = report.manifest, current_facts()
    expected: dict[str, int] = manifest["row_counts"]
    for table in sorted(set(expected) | set(now["row_counts"])):
        want, got = expected.get(table), now["row_counts"].get(table)
        if want != got:
            report.problems.append(f"table {table}: {got} rows restored, the backup "
                                   f"recorded {want}")
    if now["audit_tip"] != manifest["audit_tip"]:
        report.problems.append(f"audit tip: restored {now['audit_tip']}, the backup recorded "
                               f"{manifest['audit_tip']}")
    if now["migrations"] != manifest["migrations"]:
        report.problems.append("the restored migration state differs from the manifest's")
    if restored_files != manifest.get("private_files", 0):
        report.problems.append(f"private files: {restored_files} restored, the backup "
                               f"recorded {manifest.get('private_files', 0)}")
    result = audit.verify_chain()
    report.audit_checked = result.checked
    if not result.ok:
        report.problems.append(f"audit chain broken at entry {result.first_broken}: "
                               f"{result.reason}")
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = sorted(f"{app}.{name}" for app, name in manifest["migrations"].items()
                     if (app, name) not in known)
    if unknown:
        report.notes.append("the backup has migrations this code does not know (made by a "
                            "newer version?): " + ", ".join(unknown))


def restore_backup(path: Path) -> RestoreReport:
    """Restore `path` into the (empty) database and private directory of settings."""
    key = backup_key()
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file.")
    vendor = _vendor()
    with _scratch() as tmp:
        manifest, unpacked = _open_archive(path, key, tmp)
        if manifest["vendor"] != vendor:
            names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
            raise BackupError(f"This is a backup of a {names[manifest['vendor']]} database; "
                              f"the target is {names[vendor]}. Restore it into a "
                              f"{names[manifest['vendor']]} database. Nothing was restored.")
        _refuse_unless_empty(vendor)
        _restore_database(vendor, unpacked / DB_MEMBER[vendor])
        files = 0
        if (unpacked / PRIVATE).is_dir():
            target = Path(settings.PRIVATE_MEDIA_ROOT)
            target.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.copytree(unpacked / PRIVATE, target, dirs_exist_ok=True)
            files = len(_private_files(target))
    report = RestoreReport(manifest)
    _compare(report, files)
    return report
