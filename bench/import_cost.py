#!/usr/bin/env python
"""What one roster upload costs a worker: upload → check → check page view.

    .venv/bin/python bench/import_cost.py                       # this tree
    .venv/bin/python bench/import_cost.py --before /tmp/jy-old  # and an older tree, with ratios
    (trees: `git archive <commit> jiayuan manage.py | tar -x -C /tmp/jy-old`)
    .venv/bin/python bench/import_cost.py --files roster --rows 50000

Two files, written with XlsxWriter (bench/roster.py's people):

  wide    WIDE_ROWS rows × 60 columns (the roster's 16 and 44 filler columns),
          about 8 MB: under the size and row limits, the file of issue 18.
  roster  an ordinary roster of --rows rows × 16 columns (bench/roster.py).

Each (tree, file) runs in two child processes on a fresh SQLite database
(migrated once per tree, with a community, a grid, the roster's buildings and a
grid worker):

  check   importing.start (the upload), then the check as the tree does it: the
          old tree's `importing.check` (what every page view ran), the new
          tree's `importing.check_request` and, when that queues it, the tick
          job that runs it in the background.
  view    a fresh process: the check page (GET /sheets/imports/<id>/) twice,
          through Django's test client, as the worker who uploaded.

Each child prints wall seconds per stage and its peak RSS (ru_maxrss, the
whole process: Python, Django and the libraries; one JSON line). A stage the
new tree refuses (the cell bound) is shown with its message.
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
PY = sys.executable
VAR = ROOT / "var" / "bench" / "import_cost"
WIDE_ROWS = 199_000  # with the header, just under the fixed MAX_CELLS (12,000,000)
WIDE_COLUMNS = 60


# --- files ---------------------------------------------------------------------------

def make_wide(path: Path, rows: int, seed: int = 1) -> dict:
    """The roster's columns, then filler columns up to WIDE_COLUMNS (codes and short
    notes a station's sheet carries along), ``rows`` people."""
    sys.path.insert(0, str(ROOT / "bench"))
    import roster as r
    import xlsxwriter

    g = r._Generator(seed)
    layout = r._layout(g.rng)
    extra = [f"备用{i}" for i in range(1, WIDE_COLUMNS - len(r.HEADER) + 1)]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("花名册")
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, r.HEADER + extra)
    n, buildings = 0, set()
    while n < rows:
        building, unit, room = next(layout)
        buildings.add(building)
        for row in g.household_rows(min(4, rows - n), building, unit, room):
            n += 1
            row[0] = n
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if hasattr(value, "year"):
                    sheet.write_datetime(n, c, value, day)
                elif isinstance(value, int | float):
                    sheet.write_number(n, c, value)
                else:
                    sheet.write_string(n, c, value)
            for j in range(len(extra)):  # codes that repeat: the file stays small
                sheet.write_number(n, len(r.HEADER) + j, j % 3)
    book.close()
    return {"path": str(path), "rows": rows, "columns": WIDE_COLUMNS,
            "buildings": sorted(buildings, key=int)}


def files(args: argparse.Namespace) -> dict[str, dict]:
    sys.path.insert(0, str(ROOT / "bench"))
    import roster as roster_mod

    VAR.mkdir(parents=True, exist_ok=True)
    out = {}
    if "wide" in args.files:
        path = VAR / f"wide-{args.wide_rows}.xlsx"
        meta = path.with_suffix(".json")
        if not (path.exists() and meta.exists()):
            meta.write_text(json.dumps(make_wide(path, args.wide_rows)))
        out["wide"] = json.loads(meta.read_text())
    if "roster" in args.files:
        ro = roster_mod.cached(VAR, args.rows, 1)
        out["roster"] = {"path": ro.path, "rows": ro.rows, "columns": len(roster_mod.HEADER),
                         "buildings": ro.buildings}
    for info in out.values():
        info["mb"] = Path(info["path"]).stat().st_size / 1e6
    return out


# --- the parent ----------------------------------------------------------------------

def _env(tree: Path, db: Path) -> dict[str, str]:
    env = {**os.environ, "JIAYUAN_LOCAL_KEYS": "1", "DJANGO_SETTINGS_MODULE": "jiayuan.settings",
           "DATABASE_URL": f"sqlite:///{db}", "ALLOWED_HOSTS": "testserver",
           "JIAYUAN_VAR_DIR": str(VAR / "keys"), "PRIVATE_MEDIA_ROOT": str(VAR / "private"),
           "BENCH_TREE": str(tree),
           # XlsxWriter's streaming mode writes every text inline, so the wide file is
           # larger than the 8 MB of issue 18 (Excel's shared strings): the size
           # limits are raised for it. What it costs is its cells, not its bytes.
           "IMPORT_MAX_BYTES": str(200 * 1024 * 1024),
           "IMPORT_MAX_UNPACKED_BYTES": str(2000 * 1024 * 1024)}
    for key in ("JIAYUAN_DEMO", "DEBUG"):
        env.pop(key, None)
    return env


def _child(tree: Path, db: Path, *argv: str) -> dict:
    out = subprocess.run([PY, str(Path(__file__).resolve()), "--one", *argv], cwd=tree,
                         env=_env(tree, db), capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-5000:])
        raise SystemExit(f"{argv[0]} failed ({out.returncode})")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(label: str, tree: Path, info: dict) -> dict:
    work = VAR / label
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    template = VAR / f"template-{label}.sqlite3"
    if not template.exists():
        subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=tree, check=True,
                       env=_env(tree, template))
    db = work / "db.sqlite3"
    shutil.copyfile(template, db)
    _child(tree, db, "setup", json.dumps(info["buildings"]))
    result = _child(tree, db, "check", info["path"])
    if result.get("batch"):
        result["view"] = _child(tree, db, "view", str(result["batch"]))
    return result


def report(name: str, info: dict, results: dict[str, dict]) -> list[str]:
    lines = [f"{name}: {info['rows']:,} rows × {info['columns']} columns, {info['mb']:.1f} MB",
             "| tree | upload s | check s | page view s (1st, 2nd) | peak RSS MB "
             "(upload+check / view) | result |", "|---|---:|---:|---:|---:|---|"]
    for label, r in results.items():
        v = r.get("view") or {}
        views = ", ".join(f"{s:.2f}" for s in v.get("views", [])) or "—"
        rss = f"{r['rss_mb']:.0f} / {v['rss_mb']:.0f}" if v else f"{r['rss_mb']:.0f}"
        lines.append(f"| {label} | {r['upload']:.1f} | {r.get('check', 0):.1f} | {views} | "
                     f"{rss} | {r.get('result', '')} |")
    if len(results) == 2:
        (_a, old), (_b, new) = results.items()
        bits = []
        if old.get("view") and new.get("view"):
            bits.append(f"page view {old['view']['views'][-1] / new['view']['views'][-1]:,.0f}× "
                        "faster")
            bits.append(f"view RSS {old['view']['rss_mb'] / new['view']['rss_mb']:.1f}× lower")
        old_total = old["upload"] + old.get("check", 0)
        new_total = new["upload"] + new.get("check", 0)
        bits.append(f"upload+check {old_total / max(new_total, 1e-3):.1f}× faster")
        bits.append(f"upload+check RSS {old['rss_mb'] / new['rss_mb']:.1f}× lower")
        lines.append("ratios (before ÷ after): " + "; ".join(bits))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", help="an older tree (jiayuan/, manage.py) to compare with")
    parser.add_argument("--after", default=str(ROOT), help="the tree to measure (this one)")
    parser.add_argument("--files", default="wide,roster")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the ordinary roster")
    parser.add_argument("--wide-rows", type=int, default=WIDE_ROWS)
    parser.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(child(*args.one), ensure_ascii=False))
        return
    args.files = args.files.split(",")
    shutil.rmtree(VAR / "private", ignore_errors=True)
    for t in VAR.glob("template-*.sqlite3"):
        t.unlink()
    trees = {"before": Path(args.before).resolve()} if args.before else {}
    trees["after"] = Path(args.after).resolve()
    print(f"{os.cpu_count()} CPUs · load average {os.getloadavg()[0]:.1f}", flush=True)
    for name, info in files(args).items():
        results = {}
        for label, tree in trees.items():
            print(f"[{name}] {label} …", flush=True)
            results[label] = measure(label, tree, info)
            print("  " + json.dumps(results[label], ensure_ascii=False), flush=True)
        print("\n".join(report(name, info, results)) + "\n", flush=True)


# --- the children --------------------------------------------------------------------

def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, arg: str) -> dict:
    sys.path.insert(0, os.environ["BENCH_TREE"])
    import django
    from django.conf import settings

    # As in tests/settings.py: no collectstatic here, static files from the finders.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    # The bench measures the import, not the login: no second factor for its worker.
    settings.MFA_REQUIRED = False
    django.setup()
    from jiayuan.core.models import User
    from jiayuan.core.roles import Role
    from jiayuan.places.models import Building, Community, Grid

    if kind == "setup":
        community = Community.objects.create(name="邹家角社区", code="BENCH")
        grid = Grid.objects.create(community=community, name="第一网格", code="G1")
        Building.objects.bulk_create([Building(grid=grid, number=n) for n in json.loads(arg)])
        worker = User.objects.create_user(username="bench-worker", password=None,
                                          role=Role.GRIDWORKER, community=community)
        worker.grids.add(grid)
        return {"setup": True}
    worker = User.objects.get(username="bench-worker")
    if kind == "check":
        return _check(worker, Grid.objects.get(code="G1"), Path(arg))
    return _view(worker, int(arg))


def _check(worker, grid, path: Path) -> dict:
    from jiayuan.sheets import importing
    from jiayuan.sheets.importing import SheetError

    data = path.read_bytes()
    out: dict = {}
    start = time.perf_counter()
    try:
        batch = importing.start(actor=worker, grid=grid, data=data, filename=path.name)
    except SheetError as exc:
        out.update(upload=time.perf_counter() - start, result=f"refused: {exc}",
                   rss_mb=_peak_mb())
        return out
    out["upload"] = time.perf_counter() - start
    start = time.perf_counter()
    if hasattr(importing, "check_request"):  # the stored, possibly background, check
        batch = importing.check_request(actor=worker, batch=batch)
        queued = batch.check_state == "queued"
        if queued:
            from django.utils import timezone

            from jiayuan.sheets.jobs import step_import_checks

            step_import_checks(timezone.now())
            batch.refresh_from_db()
        out["result"] = (f"{'background' if queued else 'inline'} check: "
                         f"{batch.check_state}, {batch.check_counts}")
    else:
        report = importing.check(actor=worker, batch=batch)
        out["result"] = f"check: {report.counts}"
    out.update(check=time.perf_counter() - start, batch=batch.pk, rss_mb=_peak_mb())
    return out


def _view(worker, pk: int) -> dict:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(worker)
    views = []
    for _i in range(2):
        start = time.perf_counter()
        response = client.get(reverse("import_detail", args=[pk]), secure=True)
        views.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return {"views": views, "rss_mb": _peak_mb(), "bytes": len(response.content)}


if __name__ == "__main__":
    main()
