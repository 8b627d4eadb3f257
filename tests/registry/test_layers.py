"""The registry and the directory import nothing of the apps built on them,
not even inside a function: higher apps react through registry.signals and
add to its pages through registry.panels. (The project-wide contracts are
the lead's; this pins what this part of the layout promises.)"""

from __future__ import annotations

import ast
from pathlib import Path

import jiayuan

ROOT = Path(jiayuan.__file__).parent
HIGHER = {
    "registry": ("jiayuan.desk", "jiayuan.care", "jiayuan.sheets", "jiayuan.demo"),
    "directory": ("jiayuan.registry", "jiayuan.desk", "jiayuan.care", "jiayuan.sheets",
                  "jiayuan.demo"),
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
    return found


def test_the_registry_and_the_directory_import_no_higher_app() -> None:
    wrong = []
    for app, higher in HIGHER.items():
        for path in sorted((ROOT / app).rglob("*.py")):
            for line, module in imported_modules(path):
                if module.startswith(higher):
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert wrong == []
