#!/usr/bin/env python
"""Import benchmark: a generated roster (bench/roster.py) on SQLite and PostgreSQL.

    make bench BENCH_ARGS="--only imports"                        # 100k rows, both databases
    make bench BENCH_ARGS="--only imports --rows 20000 --db sqlite"
    .venv/bin/python bench/imports.py [--rows 100000] [--db both] [--die-rows 5000]

Every measurement runs in its own child process (`bench/imports.py --one KIND …`,
printing one JSON line), so its peak RSS is its own (ru_maxrss of that process,
Django and the libraries included), on a FRESH scratch database: a template is
migrated once and given a community, a grid, the roster's buildings and one
station-head account, then copied for each measurement (SQLite files under
var/bench/imports/, PostgreSQL databases jiayuan_bench_import* made with
CREATE DATABASE … TEMPLATE on the server named by BENCH_PG). The district demo
databases are not touched.

BENCH_PROFILE=/tmp/p writes each measurement's cProfile statistics to /tmp/p.<kind>
(times are then inflated by the profiler).

BENCH_IMPORTER=/path/to/importing/ measures that package in place of
jiayuan/sheets/importing/ (to try a change before making it).

  ours      importing.start + importing.commit on the whole file, with consent
            evidence given so the 民族 column is imported too. Split: read (the
            file read once, at start, surveying every sheet for its header row
            and keeping the parse; at commit the stored parse read back; an
            older tree reads the file again), plan (normalise,
            check, match, group), write, the rest (storing the file, audit,
            transaction).
  reimport  the same file again, as a new batch, on the database `ours` left:
            must write nothing (asserted: no new people, households, members,
            search keys, consents).
  d-i-e     django-import-export 4.x, a ModelResource for Person loaded the way
            d-i-e loads xlsx (tablib/openpyxl, title row skipped); it looks up or
            creates the dwelling and the household by 楼栋/单元/房号 per row,
            maps 性别, 与户主关系, 民族 and 人员类别 onto the model's choices,
            parses the date formats, validates and encrypts the ID and phone
            numbers with jiayuan.lib (so the registry's identifiers are usable),
            matches people by (household, name), and sets each new household's
            head at the end. It does NOT: check the ID against sex and birth date,
            fold full-width names, de-duplicate within the file or by ID number,
            require one head per household, create memberships, address history,
            consents, pinyin or search keys, store the file as a batch that can
            be undone, or audit. Rows d-i-e rejects are skipped (its "invalid
            rows"); the rest is committed. Run on a prefix of --die-rows rows
            (the whole file is still loaded) and extrapolated linearly: the load
            time is measured on the whole file, the import time is multiplied by
            rows/prefix; its RSS is that of the prefix run (a lower bound).
            Two variants: d-i-e's defaults (a save and a diff per row), and
            d-i-e "fast" (use_bulk, skip_diff: its documented speed settings).
  raw       the floor: the same reader (reading.read_sheet, python-calamine),
            then one dwelling per distinct (楼栋, 单元, 房号) text, one household
            and one person per data row, cell values cut to the column sizes and
            nothing else (no normalisation, validation, de-duplication,
            encryption, search keys), bulk_create and COPY in one transaction.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import imports_kinds  # noqa: E402 (bench/imports_kinds.py: the other kinds, found via the path above)

PY = sys.executable
VAR = ROOT / "var" / "bench" / "imports"
PG_NAME = "jiayuan_bench_import"
KINDS = ("ours", "reimport", "die", "die-fast", "raw")
LABELS = {"ours": "ours (start + commit)", "reimport": "ours: re-import, writes nothing",
          "die": "django-import-export (defaults)",
          "die-fast": "django-import-export (use_bulk, skip_diff)",
          "raw": "raw floor (read + bulk insert)"}
CONSENT = "登记表签字同意 (bench)"


# --- the parent: databases, children, the table ----------------------------------

def _env(db: str, name: str) -> dict[str, str]:
    env = {**os.environ, "JIAYUAN_LOCAL_KEYS": "1", "DJANGO_SETTINGS_MODULE": "jiayuan.settings",
           "JIAYUAN_VAR_DIR": str(VAR), "PRIVATE_MEDIA_ROOT": str(VAR / "private")}
    for key in ("JIAYUAN_DEMO", "DEBUG"):
        env.pop(key, None)
    if db == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{VAR / (name + '.sqlite3')}"
    else:
        env["DATABASE_URL"] = f"{_pg_server()}/{name}"
    return env


def _pg_server() -> str:
    return os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def _psql(sql: str) -> None:
    subprocess.run(["psql", f"{_pg_server()}/postgres", "-v", "ON_ERROR_STOP=1", "-c", sql],
                   check=True, capture_output=True)


def _drop(db: str, name: str) -> None:
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{VAR / (name + '.sqlite3')}{suffix}").unlink(missing_ok=True)
    else:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _copy(db: str, template: str, name: str) -> dict[str, str]:
    """A fresh copy of the template database."""
    _drop(db, name)
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{VAR / (template + '.sqlite3')}{suffix}")
            if source.exists():
                shutil.copyfile(source, f"{VAR / (name + '.sqlite3')}{suffix}")
    else:
        _psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return _env(db, name)


def _template(db: str, meta: Path) -> str:
    """Migrate a new template database and set up the community, grid, buildings
    and head account in it."""
    import run as bench_run  # bench/run.py

    name = f"{PG_NAME}_tpl" if db == "postgres" else "template"
    _drop(db, name)
    if db == "postgres":
        _psql(f'CREATE DATABASE "{name}"')
    env = _env(db, name)
    print(f"[{db}] migrating a fresh database …", flush=True)
    bench_run.run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    bench_run.run([PY, "bench/imports.py", "--one", "setup", "--meta", str(meta)], env)
    return name


def _child(kind: str, env: dict[str, str], args: argparse.Namespace, meta: Path) -> dict:
    cmd = [PY, "bench/imports.py", "--one", kind, "--meta", str(meta),
           "--die-rows", str(args.die_rows)]
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-5000:])
        raise SystemExit(f"{kind} failed ({out.returncode})")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_database(db: str, args: argparse.Namespace, meta: Path) -> list[dict]:
    template = _template(db, meta)
    results = []
    ours = f"{PG_NAME}" if db == "postgres" else "ours"
    for kind in args.kinds:
        if kind == "reimport":
            if "ours" not in args.kinds:
                continue
            env = _env(db, ours)  # on what `ours` wrote
        else:
            env = _copy(db, template, ours if kind == "ours" else
                        f"{PG_NAME}_{kind.replace('-', '_')}" if db == "postgres" else kind)
        print(f"[{db}] {LABELS[kind]} …", flush=True)
        result = _child(kind, env, args, meta)
        result["db"] = db
        results.append(result)
        print(f"  {result['wall']:.1f} s, peak RSS {result['rss_mb']:.0f} MB "
              f"{json.dumps(result.get('counts', {}), ensure_ascii=False)}", flush=True)
    if not args.keep:
        for name in {ours, *(f"{PG_NAME}_{k.replace('-', '_')}" if db == "postgres" else k
                             for k in KINDS)}:
            _drop(db, name)
        _drop(db, template)
    return results


def table(results: list[dict], rows: int) -> str:
    lines = ["| database | method | rows | wall s | rows/s | peak RSS MB | wall vs ours |",
             "|---|---|---:|---:|---:|---:|---:|"]
    ours = {r["db"]: r["wall"] for r in results if r["kind"] == "ours"}
    for r in results:
        star = "*" if r.get("extrapolated") else ""
        base = ours.get(r["db"])
        ratio = f"{r['wall'] / base:.2f}×" if base else ""
        rss = f"{'≥' if r.get('extrapolated') else ''}{r['rss_mb']:.0f}"
        lines.append(f"| {r['db']} | {LABELS[r['kind']]}{star} | {r['rows']:,} | "
                     f"{r['wall']:.1f} | {r['rows'] / r['wall']:,.0f} | {rss} | {ratio} |")
    return "\n".join(lines)


def goals(results: list[dict]) -> list[str]:
    """Issue 19's goals: per 100k rows, the import ≤ 20 s and the re-import ≤ 10 s,
    peak RSS ≤ 400 MB (scaled to --rows; the RSS bound is not)."""
    out = []
    scale = results[0]["rows"] / 100_000 if results else 1
    for db in dict.fromkeys(r["db"] for r in results):
        by = {r["kind"]: r for r in results if r["db"] == db}
        if "ours" not in by:
            continue
        ours = by["ours"]
        checks = [f"wall {ours['wall']:.1f} s ≤ {20 * scale:.0f} s: "
                  f"{'yes' if ours['wall'] <= 20 * scale else 'NO'}",
                  f"peak RSS {ours['rss_mb']:.0f} MB ≤ 400 MB: "
                  f"{'yes' if ours['rss_mb'] <= 400 else 'NO'}"]
        if "reimport" in by:
            again = by["reimport"]
            checks.append(f"re-import {again['wall']:.1f} s ≤ {10 * scale:.0f} s: "
                          f"{'yes' if again['wall'] <= 10 * scale else 'NO'}")
        for kind in ("die", "die-fast"):
            if kind in by:
                x = by[kind]["wall"] / ours["wall"]
                checks.append(f"{kind} ÷ ours {x:.1f}× ≥ 10×: {'yes' if x >= 10 else 'NO'}")
        if "raw" in by:
            x = ours["wall"] / by["raw"]["wall"]
            checks.append(f"ours ÷ raw {x:.1f}× ≤ 3×: {'yes' if x <= 3 else 'NO'}")
        out.append(f"{db}: " + "; ".join(checks))
    return out


def notes(results: list[dict]) -> list[str]:
    out = []
    for r in results:
        bits = [f"{k} {v:.1f} s" for k, v in r.get("parts", {}).items()]
        if r.get("peaks"):
            bits.append("peak RSS MB after " + ", ".join(f"{k} {v:.0f}"
                                                         for k, v in r["peaks"].items()))
        if r.get("counts"):
            bits.append("outcomes " + ", ".join(f"{k} {v:,}" for k, v in r["counts"].items()))
        if r.get("written"):
            bits.append("rows written " + ", ".join(f"{k} {v:,}" for k, v in
                                                    r["written"].items()))
        if r.get("note"):
            bits.append(r["note"])
        out.append(f"- {r['db']} {r['kind']}: base RSS {r['base_mb']:.0f} MB; " + "; ".join(bits))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", default="both", choices=["sqlite", "postgres", "both"])
    parser.add_argument("--die-rows", type=int, default=5000,
                        help="run django-import-export on this prefix and extrapolate "
                             "(0: the whole file)")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help=f"comma-separated subset of {','.join(KINDS)}")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--meta", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(child_main(args.one, args), ensure_ascii=False))
        return
    args.kinds = [k for k in args.kinds.split(",") if k]
    unknown = set(args.kinds) - set(KINDS)
    if unknown:
        parser.error(f"unknown kinds: {', '.join(sorted(unknown))}")
    import roster as roster_mod  # bench/roster.py

    VAR.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(VAR / "private", ignore_errors=True)
    started = time.perf_counter()
    roster = roster_mod.cached(VAR, args.rows, args.seed)
    meta = VAR / f"roster-{args.rows}-{args.seed}.json"
    print(f"roster: {roster.rows:,} rows, {roster.households:,} households, "
          f"{len(roster.buildings)} buildings, {roster.bad_rows} bad rows "
          f"(expect ≈{roster.expected_rejected} rejected), {roster.messy_cells:,} messy cells, "
          f"{roster.without_id:,} without ID · {Path(roster.path).stat().st_size / 1e6:.1f} MB "
          f"({time.perf_counter() - started:.0f} s)", flush=True)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = []
    for db in dbs:
        results.extend(measure_database(db, args, meta))
    print()
    print(f"Roster import · {roster.rows:,} rows · seed {args.seed} · "
          f"{os.cpu_count()} CPUs · load average {os.getloadavg()[0]:.1f}"
          + (f" · importer {os.environ['BENCH_IMPORTER']}" if os.environ.get("BENCH_IMPORTER")
             else ""))
    print()
    print(table(results, roster.rows))
    print()
    if any(r.get("extrapolated") for r in results):
        print(f"* measured on the first {args.die_rows:,} rows and extrapolated linearly to "
              f"{roster.rows:,} (the file load is measured whole); RSS is the prefix run's.")
    print("\n".join(notes(results)))
    print()
    print("Goals (ours, issue 19): ≤ 20 s per 100k rows, re-import ≤ 10 s per 100k rows, "
          "peak RSS ≤ 400 MB, ≥ 10× django-import-export, within 3× of the raw floor.")
    print("\n".join(goals(results)))


# --- the child: one measurement -----------------------------------------------------

def _rss_now_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _candidate_importer(path: str) -> None:
    """Measure another version of the importer package, jiayuan/sheets/importing/
    (BENCH_IMPORTER=its directory), without touching the tree: it is loaded in
    its place, before anything imports the real one, and its stages
    (``jiayuan.sheets.importing.plan``…) are found in that directory."""
    import importlib.util

    import jiayuan.sheets

    init = Path(path) / "__init__.py"
    spec = importlib.util.spec_from_file_location(
        "jiayuan.sheets.importing", init, submodule_search_locations=[str(Path(path))])
    module = importlib.util.module_from_spec(spec)
    sys.modules["jiayuan.sheets.importing"] = module
    spec.loader.exec_module(module)
    jiayuan.sheets.importing = module


def child_main(kind: str, args: argparse.Namespace) -> dict:
    import django

    django.setup()
    if os.environ.get("BENCH_IMPORTER"):
        _candidate_importer(os.environ["BENCH_IMPORTER"])
    meta = json.loads(Path(args.meta).read_text())
    if kind == "setup":
        return imports_kinds._setup(meta)
    base = _rss_now_mb()
    data = Path(meta["path"]).read_bytes()
    measure = {"ours": _ours, "reimport": _ours, "die": imports_kinds._die,
               "die-fast": imports_kinds._die, "raw": imports_kinds._raw}[kind]
    if os.environ.get("BENCH_PROFILE"):  # cProfile statistics of the measurement, to a file
        import cProfile

        with cProfile.Profile() as profile:
            result = measure(kind, data, meta, args)
        profile.dump_stats(f"{os.environ['BENCH_PROFILE']}.{kind}")
    else:
        result = measure(kind, data, meta, args)
    result.update(kind=kind, base_mb=base, rss_mb=_peak_mb())
    return result


def _ours(kind: str, data: bytes, meta: dict, args: argparse.Namespace) -> dict:
    from jiayuan.sheets import importing
    from jiayuan.sheets.importing import plan, upload, write

    parts = {"read": 0.0, "plan": 0.0, "write": 0.0}
    peaks: dict[str, float] = {}  # the process's peak RSS when each stage last ended

    def timed(part, fn):
        def wrapper(*a, **kw):
            start = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                parts[part] += time.perf_counter() - start
                peaks[part] = _peak_mb()
        return wrapper

    # Instrumentation only: the same functions, timed.
    upload.read_sheet = timed("read", upload.read_sheet)
    upload.survey = timed("read", upload.survey)  # at start: every sheet's header
    upload.read_sheets = timed("read", upload.read_sheets)  # at commit: the chosen
    if hasattr(upload, "read_stored"):  # at commit: the upload's stored parse, read back
        upload.read_stored = timed("read", upload.read_stored)
    plan._Planner.plan = timed("plan", plan._Planner.plan)
    write._Writer.write = timed("write", write._Writer.write)
    head, grid = imports_kinds._actors()
    before = imports_kinds._written()
    start = time.perf_counter()
    batch = importing.start(actor=head, grid=grid, data=data, filename="roster.xlsx")
    batch.consent_evidence = CONSENT
    batch.save(update_fields=["consent_evidence"])
    report = importing.commit(actor=head, batch=batch)
    wall = time.perf_counter() - start
    after = imports_kinds._written()
    parts["rest"] = wall - sum(parts.values())
    written = {k: after[k] - before[k] for k in after}
    note = f"columns mapped: {len(batch.mapping)}"
    if report.notices:
        note += "; notices: " + " | ".join(map(str, report.notices))
    if kind == "reimport":
        assert not any(written.values()), f"the re-import wrote {written}"
        note += "; wrote nothing (checked)"
    counts = {k: v for k, v in report.counts.items() if v}
    if kind == "ours":
        note += f"; the generator made {meta['bad_rows']} bad rows, expects ≈" \
                f"{meta['expected_rejected']} rejected"
    peaks["commit"] = _peak_mb()
    return {"rows": meta["rows"], "wall": wall, "parts": parts, "counts": counts,
            "peaks": peaks, "written": {k: v for k, v in written.items() if v}, "note": note}


if __name__ == "__main__":
    main()
