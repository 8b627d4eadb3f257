#!/usr/bin/env python
"""Benchmark (not a test): search, the dashboard and a report read from a
streaming read replica, against the same reads on the primary (issue 19).

    make bench-replica                                   # station scale
    JIAYUAN_LOCAL_KEYS=1 .venv/bin/python bench/replica.py --runs 30
    JIAYUAN_LOCAL_KEYS=1 .venv/bin/python bench/replica.py --scale district   # `make bench`'s data

What it does, on the PostgreSQL server at BENCH_PG (default
postgres://postgres@127.0.0.1:5432, the superuser, trust authentication):

1. the demo at --scale in `jiayuan_replica_<scale>_<seed>`, this bench's own
   database (loaded once, then reused);
2. checks the server can feed a standby without a restart: wal_level replica
   or logical, a free WAL sender, the role's REPLICATION attribute. pg_hba.conf
   must admit a replication connection from 127.0.0.1: if it does not, one line
   (`host replication <user> 127.0.0.1/32 trust`, marked) is added and the
   configuration reloaded (pg_reload_conf, no restart), and removed again at
   the end. Anything needing a restart is reported, and the bench stops;
3. a second cluster: pg_basebackup -R of the server into a temporary
   directory, started as a hot standby on a free port from 5433, run by the
   `postgres` user when this runs as root;
4. a child process with DATABASE_REPLICA_URL pointing at the standby: it
   confirms the router (jiayuan.core.dbrouter) sends search's, the
   dashboard's and the report's reads to the replica and writes to the primary,
   that the replica refuses a write, and how long a write on the primary takes
   to be read through the router (replication lag, polled); then times each
   read --runs times with the replica off and on, interleaved, and prints the
   p50s and their ratio (replica / primary: on one machine the two servers
   share the CPUs, so about 1 is the expected answer; the gain of a replica is
   the primary's load it takes away, on another machine);
5. stops the standby, deletes its directory and restores pg_hba.conf.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HBA_MARK = "# jiayuan bench/replica.py: temporary, removed when the bench ends"


# --- the parent: the standby -------------------------------------------------------

def psql(url: str, sql: str) -> str:
    return subprocess.run(["psql", url, "-XtAc", sql], capture_output=True, text=True,
                          check=True).stdout.strip()


def pg_bin(version: str, name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/{version}/bin/{name}"))
    if not found:
        sys.exit(f"No {name} for PostgreSQL {version} under /usr/lib/postgresql/*/bin.")
    return found[-1]


def free_port(start: int = 5433) -> int:
    for port in range(start, start + 100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    sys.exit("No free port from 5433 on.")


def as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: the standby runs as `postgres`."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def replication_refusal(server: str) -> str:
    """Why the server cannot feed a standby without a restart ("" if it can)."""
    wal_level = psql(server, "SHOW wal_level")
    senders = int(psql(server, "SHOW max_wal_senders"))
    used = int(psql(server, "SELECT count(*) FROM pg_stat_replication"))
    role = psql(server, "SELECT rolreplication OR rolsuper FROM pg_roles "
                        "WHERE rolname = current_user")
    if wal_level not in ("replica", "logical"):
        return (f"wal_level is {wal_level}: a standby needs replica (ALTER SYSTEM SET "
                "wal_level = replica, then a restart of the server)")
    if senders <= used:
        return (f"max_wal_senders is {senders} with {used} in use: raise it (ALTER SYSTEM, "
                "then a restart of the server)")
    if role != "t":
        return "the role has no REPLICATION attribute (ALTER ROLE … REPLICATION)"
    return ""


def admit_replication(server: str) -> tuple[Path, str] | None:
    """Make pg_hba.conf admit a replication connection from 127.0.0.1, with a
    reload; (the file, its old text) to restore, or None if nothing changed."""
    rules = psql(server, "SELECT count(*) FROM pg_hba_file_rules WHERE error IS NULL AND "
                         "type = 'host' AND 'replication' = ANY(database) AND "
                         "(address IS NULL OR address = '127.0.0.1' OR address = 'all')")
    if int(rules):
        return None
    hba = Path(psql(server, "SHOW hba_file"))
    user = psql(server, "SELECT current_user")
    try:
        old = hba.read_text()
        hba.write_text(f"{old.rstrip()}\n{HBA_MARK}\nhost replication {user} 127.0.0.1/32 trust\n")
    except OSError as exc:
        sys.exit(f"pg_hba.conf ({hba}) admits no replication connection from 127.0.0.1 and "
                 f"cannot be changed from here ({exc}): add `host replication {user} "
                 "127.0.0.1/32 trust` and reload (SELECT pg_reload_conf()), no restart needed.")
    psql(server, "SELECT pg_reload_conf()")
    print(f"pg_hba.conf: a replication line added for the bench ({hba}), reloaded", flush=True)
    return hba, old


class StandbyNotReady(Exception):
    pass


def start_standby(server: str, version: str, port: int, wait: int) -> Path:
    """A hot standby of `server` on `port`, readable (its directory); else
    StandbyNotReady saying why, with the standby stopped and removed."""
    data = Path(tempfile.mkdtemp(prefix="jiayuan-replica-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    data.chmod(0o700)
    user = psql(server, "SELECT current_user")
    host, server_port = "127.0.0.1", server.rsplit(":", 1)[-1].split("/")[0]
    backup_at = psql(server + "/postgres", "SELECT now()")
    begun = time.perf_counter()
    subprocess.run(as_postgres([pg_bin(version, "pg_basebackup"), "-h", host, "-p", server_port,
                                "-U", user, "-D", str(data), "-R", "-X", "stream",
                                "-c", "fast", "--no-sync"]), check=True)
    copied = time.perf_counter() - begun
    # Debian keeps postgresql.conf and pg_hba.conf in /etc: the copy gets its own.
    # A hot standby needs these at least as high as the primary's; a scratch copy
    # needs no fsync (nor the sync of the whole copy at its start).
    same = "".join(f"{name} = {psql(server + '/postgres', f'SHOW {name}')}\n"
                   for name in ("max_connections", "max_worker_processes", "max_wal_senders",
                                "max_prepared_transactions", "max_locks_per_transaction"))
    conf = {"postgresql.conf": (f"port = {port}\nlisten_addresses = '127.0.0.1'\n"
                                f"unix_socket_directories = '/tmp'\nhot_standby = on\n"
                                "shared_buffers = 64MB\nfsync = off\n"
                                f"hba_file = '{data}/pg_hba.conf'\n"
                                f"ident_file = '{data}/pg_ident.conf'\n" + same),
            "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
            "pg_ident.conf": ""}
    for name, text in conf.items():
        (data / name).write_text(text)
        if os.geteuid() == 0:
            shutil.chown(data / name, "postgres", "postgres")
    started = subprocess.run(as_postgres([pg_bin(version, "pg_ctl"), "-D", str(data), "-l",
                                          str(data / "standby.log"), "-w", "-t", str(wait),
                                          "start"]), stdout=subprocess.DEVNULL)
    if started.returncode:
        log = (data / "standby.log").read_text(errors="replace").strip().splitlines()[-3:]
        # A hot standby opens once it has a snapshot of the primary's running
        # transactions; one with more than 64 subtransactions (savepoints) makes
        # that snapshot incomplete, and the standby waits for it to end.
        older = psql(server + "/postgres", "SELECT string_agg(format('pid %s on %s, open %s', "
                     "pid, datname, date_trunc('second', now() - xact_start)), '; ') "
                     f"FROM pg_stat_activity WHERE xact_start < '{backup_at}' "
                     "AND backend_xid IS NOT NULL")
        stop_standby(version, data)
        raise StandbyNotReady(
            f"not readable after {wait} s (it waits for a complete snapshot of the "
            "primary's running transactions: those open since before the copy must end"
            + (f"; open then and still: {older}" if older else "") + "). Its log ends: "
            + " | ".join(log))
    print(f"standby: pg_basebackup in {copied:.1f} s, hot standby on 127.0.0.1:{port}",
          flush=True)
    return data


def stop_standby(version: str, data: Path) -> None:
    subprocess.run(as_postgres([pg_bin(version, "pg_ctl"), "-D", str(data), "-m", "fast",
                                "-w", "stop"]), stdout=subprocess.DEVNULL)
    shutil.rmtree(data, ignore_errors=True)


def prepare(server: str, scale: str, seed: int) -> tuple[dict[str, str], str]:
    """The demo at `scale` in a database of this bench's own (other benches
    drop and reload theirs), loaded once and reused: (the environment, its name)."""
    name = f"jiayuan_replica_{scale}_{seed}"
    env = {**os.environ, "JIAYUAN_LOCAL_KEYS": "1", "DJANGO_SETTINGS_MODULE": "jiayuan.settings",
           "DATABASE_URL": f"{server}/{name}", "JIAYUAN_VAR_DIR": str(ROOT / "var" / "bench")}
    for unset in ("JIAYUAN_DEMO", "DATABASE_REPLICA_URL"):
        env.pop(unset, None)
    if not psql(server + "/postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
        psql(server + "/postgres", f'CREATE DATABASE "{name}"')
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env,
                   check=True)
    print(f"[{name}] the demo --scale {scale} --seed {seed} (loaded once) …", flush=True)
    subprocess.run([PY, "manage.py", "demo", "--scale", scale, "--seed", str(seed),
                    "--if-empty"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return env, name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="station", choices=["tiny", "station", "district"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--queries", type=int, default=40, help="search queries per run")
    parser.add_argument("--primary", default="local", choices=["local", "own"],
                        help="local: the standby copies BENCH_PG; own: a scratch primary "
                             "(a copy of the bench database) and its standby, both removed "
                             "after (also the fallback when the local one cannot serve)")
    parser.add_argument("--wait", type=int, default=90,
                        help="seconds the standby may take to become readable")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    server = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    env, name = prepare(server, args.scale, args.seed)
    version = psql(server + "/postgres", "SHOW server_version").split(".")[0]
    result: dict[str, Any] | None = None
    if args.primary == "local":
        refusal = replication_refusal(server + "/postgres")
        if refusal:
            print(f"The server at {server} cannot feed a standby without a restart: {refusal}.")
        else:
            restore = admit_replication(server + "/postgres")
            try:
                result = measured(server, version, env, name, args)
            except StandbyNotReady as exc:
                print(f"The standby of {server}: {exc}", flush=True)
            finally:
                if restore is not None:
                    restore[0].write_text(restore[1])
                    psql(server + "/postgres", "SELECT pg_reload_conf()")
                    print("pg_hba.conf restored and reloaded", flush=True)
    if result is None:
        print("Measuring on a scratch primary instead (a copy of the bench database).",
              flush=True)
        result = measured_on_own_primary(server, version, env, name, args)
    report(result)


def measured(server: str, version: str, env: dict[str, str], name: str,
             args: argparse.Namespace) -> dict[str, Any]:
    """The child's figures, with a standby of `server` as the replica."""
    port = free_port()
    data = start_standby(server, version, port, args.wait)
    try:
        user = psql(server + "/postgres", "SELECT current_user")
        env = {**env, "DATABASE_REPLICA_URL": f"postgres://{user}@127.0.0.1:{port}/{name}",
               "PYTHONPATH": str(ROOT)}
        out = subprocess.run([PY, __file__, "--child", "--runs", str(args.runs),
                              "--queries", str(args.queries), "--seed", str(args.seed)],
                             cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True)
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))
    finally:
        stop_standby(version, data)


def measured_on_own_primary(server: str, version: str, env: dict[str, str], name: str,
                            args: argparse.Namespace) -> dict[str, Any]:
    """A scratch primary (initdb, replication allowed) holding a copy of the
    bench database (pg_dump | psql), and the child's figures with its standby."""
    data = Path(tempfile.mkdtemp(prefix="jiayuan-primary-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    port = free_port()
    subprocess.run(as_postgres([pg_bin(version, "initdb"), "-D", str(data), "-U", "postgres",
                                "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
                   check=True, stdout=subprocess.DEVNULL)
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(f"port = {port}\nlisten_addresses = '127.0.0.1'\n"
                   f"unix_socket_directories = '/tmp'\nfsync = off\nwal_level = replica\n")
    with (data / "pg_hba.conf").open("a") as hba:
        hba.write("host replication all 127.0.0.1/32 trust\n")
    subprocess.run(as_postgres([pg_bin(version, "pg_ctl"), "-D", str(data), "-l",
                                str(data / "primary.log"), "-w", "-t", "60", "start"]),
                   check=True, stdout=subprocess.DEVNULL)
    own = f"postgres://postgres@127.0.0.1:{port}"
    try:
        psql(own + "/postgres", f'CREATE DATABASE "{name}"')
        dump = subprocess.Popen([pg_bin(version, "pg_dump"), "--no-owner", "--no-privileges",
                                 f"{server}/{name}"], stdout=subprocess.PIPE)
        subprocess.run(["psql", "-Xq", "-v", "ON_ERROR_STOP=1", f"{own}/{name}"],
                       stdin=dump.stdout, check=True, stdout=subprocess.DEVNULL)
        dump.wait()
        psql(f"{own}/{name}", "ANALYZE")
        result = measured(own, version, {**env, "DATABASE_URL": f"{own}/{name}"}, name, args)
        result["scratch"] = True
        return result
    finally:
        subprocess.run(as_postgres([pg_bin(version, "pg_ctl"), "-D", str(data), "-m", "fast",
                                    "-w", "stop"]), stdout=subprocess.DEVNULL)
        shutil.rmtree(data, ignore_errors=True)


def report(r: dict[str, Any]) -> None:
    where = ("a scratch primary and its standby" if r.get("scratch")
             else "the local server and its standby")
    print(f"\nOn {where}: {r['people']} people; replica in recovery: {r['replica_in_recovery']}, "
          f"primary in recovery: {r['primary_in_recovery']}")
    print(f"a write through the router went to the primary: {r['write_on_primary']}; "
          f"the replica refuses writes: {r['replica_refuses_writes']}")
    print(f"a write on the primary read through the router after {r['lag_ms']:.0f} ms "
          f"({r['lag_polls']} polls)")
    print(f"\n{'read':<12}{'queries on replica':>20}{'on primary':>12}"
          f"{'p50 primary':>14}{'p50 replica':>14}{'ratio':>8}")
    for name, row in r["reads"].items():
        print(f"{name:<12}{row['replica_queries']:>20}{row['primary_queries']:>12}"
              f"{row['primary_ms']:>11.1f} ms{row['replica_ms']:>11.1f} ms"
              f"{row['ratio']:>8.2f}")
    print("\nratio = p50 with the replica / p50 on the primary, measured in the same run, "
          "interleaved.")
    print(json.dumps(r))


def p50(values: list[float]) -> float:
    return statistics.median(values)


# --- the child: measured with DATABASE_REPLICA_URL set -------------------------------

def child(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import DatabaseError, connections
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from jiayuan.core import dbrouter
    from jiayuan.core.metrics import Period, Place
    from jiayuan.core.models import User
    from jiayuan.core.roles import Role
    from jiayuan.registry.models import Person
    from jiayuan.registry.search import search
    from jiayuan.reports.dashboard import dashboard
    from jiayuan.reports.report import Params, build

    sys.path.insert(0, str(ROOT / "bench"))
    from measure import query_mix  # bench/measure.py: the search benchmark's mix

    primary, replica = connections["default"], connections["replica"]

    def in_recovery(conn: Any) -> bool:
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            return bool(cursor.fetchone()[0])

    out: dict[str, Any] = {"people": Person.objects.count(),
                           "replica_in_recovery": in_recovery(replica),
                           "primary_in_recovery": in_recovery(primary)}
    try:
        with replica.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY SEQUENCE jiayuan_bench_probe")
        out["replica_refuses_writes"] = False
    except DatabaseError:
        out["replica_refuses_writes"] = True

    # A write made inside use_replica() goes to the primary; then the same row
    # is read through the router (on the replica) until it has arrived.
    settings.DATABASE_REPLICA_ALIAS = "replica"
    head, _ = User.objects.get_or_create(username="bench-district-head",
                                         defaults={"role": Role.HEAD})
    token = f"probe{time.time_ns() % 10**9}"
    dbrouter.new_request()
    with dbrouter.use_replica():
        User.objects.filter(pk=head.pk).update(last_name=token)
    out["write_on_primary"] = User.objects.using("default").filter(last_name=token).exists()
    started, polls = time.perf_counter(), 0
    while time.perf_counter() - started < 60:
        polls += 1
        dbrouter.new_request()
        with dbrouter.use_replica():
            if User.objects.filter(pk=head.pk, last_name=token).exists():
                break
        time.sleep(0.002)
    out["lag_ms"], out["lag_polls"] = (time.perf_counter() - started) * 1000, polls

    today = timezone.localdate()
    q = (today.month - 1) // 3
    year, quarter = (today.year, q) if q else (today.year - 1, 4)
    params = Params(Period.quarter(year, quarter, today=today), Place.district(), "quarter")
    mix = [text for _kind, text in query_mix(args.queries, args.seed)]

    def fresh() -> Any:
        return User.objects.using("default").get(pk=head.pk)

    reads = {
        f"search x{len(mix)}": lambda user: [search(user, text) for text in mix],
        "dashboard": lambda user: dashboard(user, Place.district(), today),
        "report": lambda user: build(user, params),
    }
    out["reads"] = {}
    for name, read in reads.items():
        dbrouter.new_request()
        user = fresh()
        with CaptureQueriesContext(replica) as on_replica, \
                CaptureQueriesContext(primary) as on_primary:
            read(user)
        times: dict[str, list[float]] = {"": [], "replica": []}
        for run in range(args.runs + 1):
            for alias in (("", "replica") if run % 2 else ("replica", "")):
                settings.DATABASE_REPLICA_ALIAS = alias
                dbrouter.new_request()
                user = fresh()
                start = time.perf_counter()
                read(user)
                if run:  # the first round warms both up
                    times[alias].append((time.perf_counter() - start) * 1000)
        primary_ms, replica_ms = p50(times[""]), p50(times["replica"])
        out["reads"][name] = {
            "replica_queries": len(on_replica.captured_queries),
            "primary_queries": len(on_primary.captured_queries),
            "primary_ms": primary_ms, "replica_ms": replica_ms,
            "ratio": replica_ms / primary_ms if primary_ms else 0.0}
        settings.DATABASE_REPLICA_ALIAS = "replica"
    print(json.dumps(out))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
