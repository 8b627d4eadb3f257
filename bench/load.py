#!/usr/bin/env python
"""Load test (not a test): gunicorn on the district's PostgreSQL database, driven by locust.

    make bench-load                                   # district scale (loads it once: ~8 min)
    make bench-load BENCH_ARGS="--scale station"      # quicker data
    make bench-load BENCH_ARGS="--duration 60 --users 10,25,50 --workers 3"
    JIAYUAN_LOCAL_KEYS=1 .venv/bin/python bench/load.py --scale station --duration 20

The data is `make bench`'s (bench/run.py `prepare`): the database
`jiayuan_bench_<scale>_<seed>` on BENCH_PG, loaded with the demo when missing
and reused otherwise (--fresh reloads it). The load test's own writes (cases,
notes, status moves, visits) stay in it, as a station's would.

gunicorn (sync workers, as docs/deployment.md runs it) serves jiayuan.wsgi on
loopback with the production settings: DEBUG off, collected static files,
secure-request checks on, BEHIND_PROXY=1 as behind nginx (the load client sends
X-Forwarded-Proto and one X-Real-IP per simulated person). Three things differ
from a deployment, all for the client's sake: cookies are not marked Secure
(the client speaks plain HTTP to gunicorn), the second factor is off
(MFA_REQUIRED=0: several simulated people share each demo account, and a TOTP
code is accepted once), and the demo accounts get a bench password
(bench/load_db.py; the demo password opens nothing outside demo mode).

Who does what is bench/locustfile.py: staff at the desk (queue, case page, a
status move, a note, search as you type, household file, dashboard), grid
workers (duty list, a visit logged, visit diary, search), residents on the
portal (a request sent, its status page, lookups by reference and code), and
one probe that GETs the login page without a session twice a second: the
baseline, measured under the same load, against which every page's p95 is
given as a ratio. With --import-rows, each step also runs a dry run of a
generated roster import (bench/roster.py; writes nothing) in the background.

Steps: --users (default 10, 25, 50) at --workers (default 3, the deployment's),
then the largest number of users at each of --worker-sweep (default 1, 2, 4).
Each step starts its people at --login-rate a second (each logs in: a password
hash, deliberately slow), then measures --duration seconds from the end of the
last login: the figures are those of the requests started in that window
(logins are reported from the whole step). After each step: the rows written are checked against the
writes the client saw succeed, and `manage.py verify_audit` runs. Prints a table
per step, a summary, then one JSON line. Goal (issue 19): 50 users, no errors,
p95 ≤ 250 ms on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PY = sys.executable
BIN = Path(PY).parent
OUT = ROOT / "var" / "bench" / "load"
GOAL_USERS, GOAL_P95_MS = 50, 250
SETTLE = 5  # seconds after the ramp before the background import starts (the logins' end)
BASELINE = "baseline: GET /login/ (no session)"
LOGIN = ("GET /login/", "POST /login/")
# The writes the client counts, and the rows each must leave (bench/load_db.py counts).
WRITES = {"POST /portal/request/": "cases", "POST /desk/cases/<id>/action/": "events_status",
          "POST /desk/cases/<id>/note/": "events_note", "POST /care/visits/new/": "visits"}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def child(env: dict[str, str], *args: str) -> dict:
    out = subprocess.run([PY, str(BENCH / "load_db.py"), *args], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1]) if out.strip() else {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def collect_static(env: dict[str, str]) -> None:
    manifest = Path(env["STATIC_ROOT"]) / "staticfiles.json"
    newest = max(p.stat().st_mtime for p in (ROOT / "jiayuan" / "static").rglob("*")
                 if p.is_file())
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        print("collecting static files …", flush=True)
        subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                       check=True)


class Server:
    """gunicorn with `workers` sync workers on loopback; stderr to a log file."""

    def __init__(self, env: dict[str, str], workers: int) -> None:
        self.port = free_port()
        self.workers = workers
        self.log = OUT / f"gunicorn-{workers}w.log"
        self.log_file = open(self.log, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "jiayuan.wsgi:application", "--workers", str(workers),
             "--bind", f"127.0.0.1:{self.port}", "--timeout", "180", "--graceful-timeout", "10"],
            cwd=ROOT, env=env, stdout=self.log_file, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            if self.get("/login/") == 200:
                break
            time.sleep(0.2)
        else:
            self.stop()
            raise SystemExit(f"gunicorn did not answer; see {self.log}")
        for _ in range(6 * workers):  # every worker loads templates and translations
            for path in ("/login/", "/portal/", "/portal/request/"):
                self.get(path)

    def get(self, path: str) -> int:
        request = urllib.request.Request(self.url + path, headers={  # noqa: S310 - loopback
            "X-Forwarded-Proto": "https", "X-Real-IP": "10.255.0.1"})
        try:
            with urllib.request.urlopen(request, timeout=30) as r:  # noqa: S310 - loopback
                return r.status
        except OSError:
            return 0

    def errors(self) -> list[str]:
        """The tracebacks and error lines gunicorn and Django wrote so far."""
        text = self.log.read_text(errors="replace")
        return [block for block in text.split("\n\n") if "Traceback" in block or "ERROR" in block]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log_file.close()


def verify_audit(env: dict[str, str]) -> dict:
    """`manage.py verify_audit --json`: ok, entries checked, the first break's reason."""
    done = subprocess.run([PY, "manage.py", "verify_audit", "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {
        "ok": False, "reason": done.stderr[-300:]}


def background_import(env: dict[str, str], plan: dict, roster: str, delay: float,
                      result: dict) -> threading.Thread:
    def run() -> None:
        time.sleep(delay)
        try:
            result.update(child(env, "import", roster, plan["import_grid"],
                                plan["import_community"]))
        except subprocess.CalledProcessError as e:
            result["import_error"] = (e.stderr or "")[-300:]

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def step(env: dict[str, str], server: Server, plan_path: Path, plan: dict, users: int,
         args: argparse.Namespace, roster: str | None) -> dict:
    samples_path = OUT / f"samples-{users}u-{server.workers}w.jsonl"
    before = child(env, "counts")
    imported: dict = {}
    rate = args.login_rate
    ramp = users / rate
    thread = background_import(env, plan, roster, ramp + SETTLE, imported) if roster else None
    subprocess.run(
        [str(BIN / "locust"), "-f", str(BENCH / "locustfile.py"), "--headless", "--only-summary",
         "-u", str(users + 1), "-r", f"{rate:.2f}", "-t",
         f"{round(4 * ramp + SETTLE + args.duration + 300)}s",  # a guard: it stops itself
         "--stop-timeout", "20", "--host", server.url, "--loglevel", "ERROR",
         "--exit-code-on-error", "0"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
        stderr=open(OUT / "locust.log", "a"),  # noqa: SIM115 - the child holds it
        env={**os.environ, "JY_LOAD_PLAN": str(plan_path), "JY_LOAD_OUT": str(samples_path),
             "JY_LOAD_DURATION": str(args.duration)})
    if thread:
        thread.join(timeout=600)
    after = child(env, "counts")
    audit_ok = verify_audit(env)
    rows = [json.loads(line) for line in samples_path.read_text().splitlines()]
    proofs = next((int(r[2]) for r in rows if r[0] == "#proofs"), 0)
    sent = next((r[3] for r in rows if r[0] == "#sent"), {})
    ready = next((r[1] for r in rows if r[0] == "#ready"), 0)
    rows = [r for r in rows if not r[0].startswith("#")]
    return summarise(rows, users, server, ramp, ready, args.duration, before, after, audit_ok,
                     imported, proofs, sent)


def summarise(rows: list, users: int, server: Server, ramp: float, ready: float,
              duration: float, before: dict, after: dict, audit: dict, imported: dict,
              proofs: int, sent: dict) -> dict:
    """Per page, the requests started in the `duration` seconds after everyone has
    logged in (`ready`: the locustfile stops the step that long after it); logins
    from the whole step."""
    t0 = min(r[1] for r in rows)
    start = ready or t0 + ramp
    steady = [r for r in rows if start <= r[1] < start + duration]
    window = duration
    pages: dict[str, list] = {}
    for r in rows:
        if r[0] in LOGIN or start <= r[1] < start + duration:
            pages.setdefault(r[0], []).append(r)
    table = []
    for name, rs in sorted(pages.items()):
        ms = [r[2] for r in rs]
        errors = [r[3] for r in rs if r[3]]
        table.append({"page": name, "n": len(rs), "errors": len(errors),
                      "error_kinds": sorted(set(errors))[:3], "p50": statistics.median(ms),
                      "p95": pct(ms, 95), "p99": pct(ms, 99)})
    work = [r for r in steady if r[0] != BASELINE and r[0] not in LOGIN]
    ms = [r[2] for r in work] or [0.0]
    base = [r[2] for r in steady if r[0] == BASELINE] or [float("nan")]
    succeeded = {name: sum(1 for r in rows if r[0] == name and not r[3]) for name in WRITES}
    deltas = {k: after[k] - before[k] for k in after}
    # (answered, in the database, sent): answered ≤ in the database ≤ sent.
    checks = {f"{name} → {field}": (succeeded[name], deltas[field], sent.get(name, 0))
              for name, field in WRITES.items()}
    checks["people, households unchanged"] = (0, deltas["people"] + deltas["households"], 0)
    return {
        "users": users, "workers": server.workers, "window_s": round(window, 1),
        "requests": len(work), "rps": len(work) / window if window else 0.0,
        "errors": sum(1 for r in rows if r[3]),
        "p50": statistics.median(ms), "p95": pct(ms, 95), "p99": pct(ms, 99),
        "baseline_p50": statistics.median(base), "baseline_p95": pct(base, 95),
        "pages": table, "deltas": deltas, "checks": checks,
        "consistent": all(a <= b <= max(a, c) for a, b, c in checks.values()),
        "ramp_s": round(ramp, 1), "measured_from_s": round(start - t0, 1),
        "audit_ok": bool(audit.get("ok")), "audit_checked": audit.get("checked"),
        "audit_reason": audit.get("reason"),
        "server_errors": server.errors(), "proofs_solved": proofs, **imported,
    }


def print_step(s: dict) -> None:
    print(f"\n== {s['users']} users · {s['workers']} gunicorn workers · logins over "
          f"{s['ramp_s']} s, all in by {s['measured_from_s']} s · then {s['window_s']} s "
          f"measured · {s['requests']} requests · {s['rps']:.1f} req/s · {s['errors']} errors")
    print(f"{'page':<42} {'n':>5} {'err':>4} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'p95/base':>8}")
    for p in s["pages"]:
        ratio = p["p95"] / s["baseline_p95"] if s["baseline_p95"] else 0
        print(f"{p['page'][:42]:<42} {p['n']:>5} {p['errors']:>4} {p['p50']:>7.0f} "
              f"{p['p95']:>7.0f} {p['p99']:>7.0f} {ratio:>7.1f}x")
        for kind in p["error_kinds"]:
            print(f"    error: {kind}")
    print(f"{'all pages (logins and baseline apart)':<42} {s['requests']:>5} {'':>4} "
          f"{s['p50']:>7.0f} {s['p95']:>7.0f} {s['p99']:>7.0f} "
          f"{s['p95'] / s['baseline_p95']:>7.1f}x")
    for name, (seen, rows, sent) in s["checks"].items():
        mark = "ok" if seen <= rows <= max(seen, sent) else "MISMATCH"
        late = f" (sent {sent}: {sent - seen} unanswered at the end)" if sent > seen else ""
        print(f"  rows: {name}: client {seen}, database {rows}{late}  {mark}")
    print(f"  audit: {s['deltas']['audit']} entries added; verify_audit: "
          f"{'intact' if s['audit_ok'] else 'BROKEN'} ({s['audit_checked']} entries)"
          + ("" if s["audit_ok"] else f": {s['audit_reason']}"))
    if "import_s" in s:
        print(f"  background roster import (dry run): {s['import_s']} s")
    if s.get("import_error"):
        print(f"  background roster import failed: {s['import_error']}")
    if s["proofs_solved"]:
        print(f"  portal proofs of work solved by the client: {s['proofs_solved']}")
    for block in s["server_errors"][:2]:
        print("  server log:\n    " + "\n    ".join(block.splitlines()[-12:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="district", choices=["tiny", "station", "district"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="drop and reload the database")
    parser.add_argument("--database", help="PostgreSQL database name (default: make bench's "
                                           "jiayuan_bench_<scale>_<seed>)")
    parser.add_argument("--users", default="10,25,50", help="concurrent users, per step")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers for --users")
    parser.add_argument("--worker-sweep", default="1,2,4",
                        help="worker counts tried with the largest number of users ('' : none)")
    parser.add_argument("--duration", type=float, default=30, help="seconds measured per step")
    parser.add_argument("--login-rate", type=float, default=2,
                        help="people starting (logging in) per second during the ramp")
    parser.add_argument("--import-rows", type=int, default=2000,
                        help="rows of the background roster import (dry run); 0: none")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # gunicorn is stopped on the way
    sys.path.insert(0, str(BENCH))
    import run  # bench/run.py

    OUT.mkdir(parents=True, exist_ok=True)
    env = run.prepare("postgres", args.scale, args.seed, reuse=not args.fresh,
                      name=args.database)
    env = {**env, "DJANGO_SETTINGS_MODULE": "jiayuan.settings", "DEBUG": "0",
           "JIAYUAN_LOCAL_KEYS": "1", "ALLOWED_HOSTS": "127.0.0.1", "BEHIND_PROXY": "1",
           "SECURE_COOKIES": "0", "MFA_REQUIRED": "0",
           "STATIC_ROOT": str(ROOT / "var" / "bench" / "static")}
    plan_path = OUT / "plan.json"
    child(env, "setup", str(plan_path), str(args.seed))
    plan = json.loads(plan_path.read_text())
    collect_static(env)
    before = verify_audit(env)
    print(f"verify_audit before the load: {'intact' if before.get('ok') else 'BROKEN'} "
          f"({before.get('checked')} entries) {before.get('reason') or ''}", flush=True)
    roster = None
    if args.import_rows:
        import roster as roster_mod  # bench/roster.py

        roster = roster_mod.cached(OUT, rows=args.import_rows, seed=args.seed).path
    users = [int(u) for u in args.users.split(",") if u]
    plan_steps = [(u, args.workers) for u in users]
    plan_steps += [(max(users), int(w)) for w in args.worker_sweep.split(",") if w
                   and int(w) != args.workers]
    results = []
    for workers in dict.fromkeys(w for _u, w in plan_steps):
        server = Server(env, workers)
        try:
            for u, w in plan_steps:
                if w == workers:
                    print(f"[{args.scale}] {u} users on {w} workers …", flush=True)
                    results.append(step(env, server, plan_path, plan, u, args, roster))
                    print_step(results[-1])
        finally:
            server.stop()
    print_summary(results, args)


def print_summary(results: list[dict], args: argparse.Namespace) -> None:
    print(f"\nJiayuan load test · scale={args.scale} seed={args.seed} · {args.duration:.0f} s "
          f"per step after the logins ({args.login_rate:g}/s) · PostgreSQL · gunicorn sync "
          "workers")
    header = (f"{'users':>5} {'workers':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
              f"{'p99 ms':>7} {'errors':>6} {'base p95':>8} {'ratio':>6} {'rows':>5} "
              f"{'audit':>6}")
    print(header)
    print("-" * len(header))
    for s in results:
        print(f"{s['users']:>5} {s['workers']:>7} {s['rps']:>7.1f} {s['p50']:>7.0f} "
              f"{s['p95']:>7.0f} {s['p99']:>7.0f} {s['errors']:>6} {s['baseline_p95']:>8.0f} "
              f"{s['p95'] / s['baseline_p95']:>5.1f}x {'ok' if s['consistent'] else 'BAD':>5} "
              f"{'ok' if s['audit_ok'] else 'BAD':>6}")
    goal = [s for s in results if s["users"] >= GOAL_USERS and s["workers"] == args.workers]
    met = bool(goal) and all(s["errors"] == 0 and s["p95"] <= GOAL_P95_MS for s in goal)
    print(f"Goal: {GOAL_USERS} users, 0 errors, p95 ≤ {GOAL_P95_MS} ms (all pages, "
          f"{args.workers} workers): {'met' if met else 'NOT met'}. ratio = p95 of all pages "
          "over the baseline's p95 (the login page without a session), same step.")
    print(json.dumps({"bench": "load", "scale": args.scale, "steps": [
        {k: v for k, v in s.items() if k not in {"server_errors"}} for s in results]},
        ensure_ascii=False))


if __name__ == "__main__":
    main()
