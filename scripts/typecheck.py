#!/usr/bin/env python
"""The type check `make lint` runs: mypy (configured in pyproject.toml, with
django-stubs) on lib, core and places whole, and on every app's services and
selectors wherever they live — `services.py`, `services_*.py`, a `services/`
package, and the same for selectors, at any depth (`care/visits/services.py`).

Run from the repository root:

    JIAYUAN_LOCAL_KEYS=1 .venv/bin/python scripts/typecheck.py          # check, count per app
    JIAYUAN_LOCAL_KEYS=1 .venv/bin/python scripts/typecheck.py --list   # only list the modules

Modules outside the list are still read for their types (follow_imports =
"silent") but their own errors are not reported. The exit status is mypy's.
"""

from __future__ import annotations

import collections
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "jiayuan"
# Checked whole: the layers everything else stands on.
WHOLE = ("lib", "core", "places")
# In every other app: the domain API (writes and reads), however it is split.
API_NAMES = ("services", "selectors")


def _is_api(path: Path, app_dir: Path) -> bool:
    parts = path.relative_to(app_dir).parts
    if "migrations" in parts or "tests" in parts:
        return False
    # A package named services/ or selectors/ (anything below it counts) ...
    if any(part in API_NAMES for part in parts[:-1]):
        return True
    # ... or a module services.py, services_intake.py, selectors.py, ...
    stem = path.stem
    return any(stem == name or stem.startswith(name + "_") for name in API_NAMES)


def targets() -> list[str]:
    """What mypy checks, as paths relative to the repository root."""
    found = [f"jiayuan/{app}" for app in WHOLE if (PACKAGE / app).is_dir()]
    for app_dir in sorted(p for p in PACKAGE.iterdir() if p.is_dir()):
        if app_dir.name in WHOLE or not (app_dir / "__init__.py").exists():
            continue
        for path in sorted(app_dir.rglob("*.py")):
            if _is_api(path, app_dir):
                found.append(str(path.relative_to(ROOT)))
    return found


ERROR = re.compile(r"^jiayuan/(?P<app>[^/:]+)/[^:]*:\d+: error:")


def main(argv: list[str]) -> int:
    paths = targets()
    if "--list" in argv:
        print("\n".join(paths))
        return 0
    print(f"mypy on {len(paths)} paths: {', '.join(f'jiayuan/{a}' for a in WHOLE)} whole, "
          "and every app's services and selectors (--list shows them)", flush=True)
    run = subprocess.run([sys.executable, "-m", "mypy", *paths], cwd=ROOT,  # noqa: S603
                         capture_output=True, text=True)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    per_app: collections.Counter[str] = collections.Counter()
    for line in run.stdout.splitlines():
        match = ERROR.match(line)
        if match:
            per_app[match["app"]] += 1
    if per_app:
        print("errors per app: " + ", ".join(f"{app} {n}" for app, n in sorted(per_app.items())))
    return run.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
