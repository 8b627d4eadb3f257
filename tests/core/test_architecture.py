"""The architecture, checked by reading the source (`make lint` runs this module).

- Views and template tags read and render; writing is a service's job. They
  never open a transaction, write the audit log or write through the ORM.
- Services and selectors take `actor: User`, and services spell their keyword
  parameters out (no `**data: Any`).
- No module grows past 500 lines (demo data and migrations aside).

Each check parses the modules with `ast` (nothing is imported) and fails with
one line per violation: path, line, function, what was found and what to do.
Exceptions are never silent: they are listed in ALLOWED below, each with its
reason, and an entry that no longer matches anything fails too, so the list
cannot rot. docs/development.md ("Layers and checks") explains how to read a
failure.
"""

from __future__ import annotations

import ast
import collections
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "jiayuan"
MAX_LINES = 500

# Names that must not be referenced at all (called, used as a decorator or a
# context manager, or passed along) from views and template tags.
FORBIDDEN_NAMES = {
    "django.db.transaction.atomic": "opens a transaction: a service (@audited) owns it",
    "jiayuan.core.audit.record": "writes the audit log: the service or selector records it",
    "jiayuan.core.audit.batch": "batches service calls: only loaders, importers, jobs, tests",
}
# Methods that only the ORM has (managers, querysets, related managers).
ORM_WRITES = {"create", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}
# Methods that are ORM writes on a queryset, but common elsewhere (dict.update):
# flagged when the receiver is visibly a queryset (see _is_queryset).
QUERYSET_WRITES = {"update", "delete"}
QUERYSET_METHODS = {"objects", "all", "filter", "exclude", "select_for_update", "order_by",
                    "select_related", "prefetch_related", "annotate", "only", "defer",
                    "distinct", "none", "using", "values", "alias"}
# `.save()` and `.delete()` on anything else are model writes (a model instance,
# a ModelForm); `form.save(commit=False)` builds an unsaved instance and is fine.
INSTANCE_WRITES = {"save", "delete"}

# The explicit exceptions: (path, function, what) -> why. `what` is the text the
# violation shows after the function name (e.g. "calls .save()"). Keep it short.
ALLOWED: dict[tuple[str, str, str], str] = {}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    function: str
    what: str
    advice: str

    @property
    def app(self) -> str:
        return self.path.split("/")[1]

    def __str__(self) -> str:
        return f"{self.path}:{self.line} in {self.function}: {self.what} — {self.advice}"


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _python_files() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _is_view_or_tag(path: Path) -> bool:
    parts = path.relative_to(PACKAGE).parts
    return ("templatetags" in parts[:-1] or "views" in parts[:-1]
            or path.stem == "views" or path.stem.startswith("views_"))


def _is_service_or_selector(path: Path) -> bool:
    parts = path.relative_to(PACKAGE).parts
    api = ("services", "selectors")
    return (any(part in api for part in parts[:-1])
            or any(path.stem == name or path.stem.startswith(name + "_") for name in api))


class _Imports(ast.NodeVisitor):
    """Local name -> fully qualified name, from every import in the module
    (inside functions too)."""

    def __init__(self, module: str, is_package: bool) -> None:
        self.module = module
        self.is_package = is_package
        self.names: dict[str, str] = {}
        self.modules: set[str] = set()  # local names bound to modules

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.names[alias.asname] = alias.name
                self.modules.add(alias.asname)
            else:
                top = alias.name.split(".")[0]
                self.names[top] = top
                self.modules.add(top)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.module.split(".")
            drop = node.level - 1 if self.is_package else node.level
            base = base[: len(base) - drop] if drop else base
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        for alias in node.names:
            local = alias.asname or alias.name
            self.names[local] = f"{source}.{alias.name}"
            if alias.name[:1].islower():
                # `from jiayuan.core import audit`, `from . import services`: a
                # module, or a function; either way not a model or a queryset.
                self.modules.add(local)


def _dotted(node: ast.expr) -> list[str] | None:
    """`a.b.c` -> ["a", "b", "c"]; None for anything else."""
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    names.append(node.id)
    return names[::-1]


def _chain_names(node: ast.expr) -> Iterator[str]:
    """Every attribute and called method along a receiver chain:
    `Case.objects.filter(x=1).select_for_update()` -> select_for_update, filter,
    objects, Case."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            yield node.attr
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            if isinstance(node, ast.Name):
                yield node.id
            return


class _ViewChecker(ast.NodeVisitor):
    def __init__(self, path: Path, imports: _Imports) -> None:
        self.path = _rel(path)
        self.imports = imports
        self.function: list[str] = []
        self.querysets: set[str] = set()  # local names assigned from a queryset chain
        self.found: list[Violation] = []

    def _add(self, node: ast.AST, what: str, advice: str) -> None:
        where = ".".join(self.function) or "<module>"
        self.found.append(Violation(self.path, node.lineno, where, what, advice))

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.function.append(node.name)
        self.generic_visit(node)
        self.function.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_function

    def _qualified(self, node: ast.expr) -> str | None:
        dotted = _dotted(node)
        if not dotted or dotted[0] not in self.imports.names:
            return None
        return ".".join([self.imports.names[dotted[0]], *dotted[1:]])

    def _check_reference(self, node: ast.Name | ast.Attribute) -> None:
        qualified = self._qualified(node)
        if qualified in FORBIDDEN_NAMES:
            short = ".".join(qualified.split(".")[-2:])
            self._add(node, f"uses {short}", FORBIDDEN_NAMES[qualified])

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._check_reference(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, ast.Load) and self._qualified(node) in FORBIDDEN_NAMES:
            self._check_reference(node)
            return  # do not report `transaction` again inside `transaction.atomic`
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        if self._is_queryset(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.querysets.add(target.id)
        self.generic_visit(node)

    def _is_queryset(self, node: ast.expr) -> bool:
        names = list(_chain_names(node))
        if any(name in QUERYSET_METHODS for name in names[:-1]):
            return True
        # `qs.delete()` where `qs = Case.objects.filter(...)` earlier in the module.
        return bool(names) and names[-1] in self.querysets

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            receiver = func.value
            receiver_is_module = (isinstance(receiver, ast.Name)
                                  and receiver.id in self.imports.modules)
            method = func.attr
            if method in ORM_WRITES and not receiver_is_module:
                self._add(node, f"calls .{method}()",
                          "writing through the ORM is a service's job")
            elif method in QUERYSET_WRITES and self._is_queryset(receiver):
                self._add(node, f"calls queryset .{method}()",
                          "writing through the ORM is a service's job")
            elif method in INSTANCE_WRITES and not receiver_is_module:
                unsaved = any(k.arg == "commit" and isinstance(k.value, ast.Constant)
                              and k.value.value is False for k in node.keywords)
                if not unsaved:
                    self._add(node, f"calls .{method}()",
                              "saving or deleting a model is a service's job")
        self.generic_visit(node)


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def view_violations() -> list[Violation]:
    found: list[Violation] = []
    for path in _python_files():
        if not _is_view_or_tag(path):
            continue
        tree = _parse(path)
        imports = _Imports(_module_name(path), path.name == "__init__.py")
        imports.visit(tree)
        checker = _ViewChecker(path, imports)
        checker.visit(tree)
        found.extend(sorted(checker.found, key=lambda v: v.line))
    return found


def _annotation_text(node: ast.expr | None) -> str:
    return ast.unparse(node) if node is not None else "(none)"


def signature_violations(rel: str, tree: ast.Module, is_service: bool) -> list[Violation]:
    found: list[Violation] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        args = node.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            if arg.arg == "actor":
                text = _annotation_text(arg.annotation)
                # `User`, or `User | None` for a service also run by the system.
                if text not in ("User", "User | None", "'User'", "Optional[User]"):
                    found.append(Violation(
                        rel, arg.lineno, node.name, f"actor: {text}",
                        "annotate actor: User (from jiayuan.core.models import User)"))
        if is_service and args.kwarg is not None:
            text = _annotation_text(args.kwarg.annotation)
            found.append(Violation(rel, args.kwarg.lineno, node.name,
                                   f"**{args.kwarg.arg}: {text}",
                                   "spell the keyword parameters out"))
    return found


def api_violations() -> list[Violation]:
    """Services and selectors: `actor` is a User; services take no `**kwargs`."""
    found: list[Violation] = []
    for path in _python_files():
        if not _is_service_or_selector(path):
            continue
        parts = path.relative_to(PACKAGE).parts
        is_service = "services" in parts[:-1] or path.stem.split("_")[0] == "services"
        found.extend(signature_violations(_rel(path), _parse(path), is_service))
    return found


def long_modules() -> list[tuple[str, int]]:
    """Modules over MAX_LINES lines, outside demo data and migrations."""
    found = []
    for path in _python_files():
        if "demo" in path.relative_to(PACKAGE).parts:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            found.append((_rel(path), lines))
    return sorted(found, key=lambda item: -item[1])


def _report(title: str, violations: list[Violation]) -> str:
    per_app = collections.Counter(v.app for v in violations)
    counts = ", ".join(f"{app} {n}" for app, n in sorted(per_app.items()))
    lines = [f"{title}: {len(violations)} ({counts})", *map(str, violations)]
    return "\n".join(lines)


def _apply_allowed(violations: list[Violation]) -> tuple[list[Violation], set[tuple[str, str, str]]]:
    used: set[tuple[str, str, str]] = set()
    left = []
    for violation in violations:
        key = (violation.path, violation.function, violation.what)
        if key in ALLOWED:
            used.add(key)
        else:
            left.append(violation)
    return left, used


def _stale(used: set[tuple[str, str, str]], kind: Callable[[Path], bool]) -> list[tuple]:
    return [key for key in ALLOWED if key not in used and kind(ROOT / key[0])]


def test_it_keeps_views_and_template_tags_free_of_writes() -> None:
    left, used = _apply_allowed(view_violations())
    stale = _stale(used, _is_view_or_tag)
    if stale:
        pytest.fail(f"ALLOWED entries that match nothing any more (remove them): {stale}",
                    pytrace=False)
    if left:
        pytest.fail(_report("views and template tags that write", left), pytrace=False)


def test_it_types_actor_as_user_and_spells_service_parameters_out() -> None:
    left, used = _apply_allowed(api_violations())
    stale = _stale(used, _is_service_or_selector)
    if stale:
        pytest.fail(f"ALLOWED entries that match nothing any more (remove them): {stale}",
                    pytrace=False)
    if left:
        pytest.fail(_report("services and selectors with loose signatures", left),
                    pytrace=False)


def test_it_keeps_modules_under_500_lines() -> None:
    too_long = long_modules()
    listing = "\n".join(f"{path}: {lines} lines" for path, lines in too_long)
    if too_long:
        pytest.fail(f"{len(too_long)} modules over {MAX_LINES} lines (split them by "
                    f"sub-domain; demo data and migrations aside):\n{listing}", pytrace=False)


def test_it_places_every_app_in_a_layer() -> None:
    """An app missing from the layers contract would be checked by nothing."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")["layers"]
    listed = {name.strip(" ()").removeprefix("jiayuan.")
              for layer in layers for name in layer.replace(":", "|").split("|")}
    apps = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    missing = sorted(apps - listed)
    if missing:
        pytest.fail(f"apps in no layer of [tool.importlinter] in pyproject.toml: {missing}; "
                    "put each where it stands (docs/development.md, Layers and checks)",
                    pytrace=False)


# The checks check themselves: each rule catches what it is meant to, and no more.

def _check_source(source: str, name: str = "jiayuan/x/views.py") -> list[str]:
    tree = ast.parse(source)
    imports = _Imports("jiayuan.x.views", False)
    imports.visit(tree)
    checker = _ViewChecker(ROOT / name, imports)
    checker.visit(tree)
    return [f"{v.function}: {v.what}" for v in sorted(checker.found, key=lambda v: v.line)]


def test_it_finds_transactions_and_audit_writes_however_they_are_imported() -> None:
    source = """
from django.db import transaction
from django.db.transaction import atomic as atomically
from jiayuan.core import audit
from ..core.audit import record
import django.db.transaction as tx

@transaction.atomic
def a(request):
    with atomically():
        audit.record("x")
    record("y")
    with tx.atomic():
        audit.batch()
"""
    assert _check_source(source) == [
        "a: uses transaction.atomic", "a: uses transaction.atomic", "a: uses audit.record",
        "a: uses audit.record", "a: uses transaction.atomic", "a: uses audit.batch"]


def test_it_finds_orm_writes_but_not_dict_updates_or_unsaved_forms() -> None:
    source = """
from jiayuan.desk import services
def v(request, form, context):
    Case.objects.create(x=1)
    case.events.create(kind="x")
    Case.objects.filter(pk=1).update(x=2)
    qs = Case.objects.filter(pk=1)
    qs.delete()
    form.save()
    item.delete()
    Tag.objects.get_or_create(name="x")
    context.update({"a": 1})
    instance = form.save(commit=False)
    services.case_create(actor=request.user)
    request.session.get("x")
"""
    assert _check_source(source) == [
        "v: calls .create()", "v: calls .create()", "v: calls queryset .update()",
        "v: calls queryset .delete()", "v: calls .save()", "v: calls .delete()",
        "v: calls .get_or_create()"]


def test_it_reads_signatures_of_services_and_selectors() -> None:
    assert _is_service_or_selector(PACKAGE / "desk" / "services" / "intake.py")
    assert _is_service_or_selector(PACKAGE / "care" / "visits" / "selectors.py")
    assert _is_service_or_selector(PACKAGE / "desk" / "services_portal.py")
    assert not _is_service_or_selector(PACKAGE / "desk" / "servicesmith.py")
    assert _is_view_or_tag(PACKAGE / "care" / "visits" / "views.py")
    assert _is_view_or_tag(PACKAGE / "desk" / "views" / "cases.py")
    assert _is_view_or_tag(PACKAGE / "core" / "templatetags" / "audit_display.py")
    assert not _is_view_or_tag(PACKAGE / "desk" / "reviews.py")


def test_it_finds_loose_signatures() -> None:
    source = """
def a(*, actor: User, case: Case) -> None: ...
def b(*, actor: Any, **data: Any) -> None: ...
def c(actor, pk: int) -> None: ...
def d(*, actor: User | None = None, **extra) -> None: ...
"""
    found = [f"{v.function}: {v.what}"
             for v in signature_violations("jiayuan/x/services.py", ast.parse(source), True)]
    assert found == ["b: actor: Any", "b: **data: Any", "c: actor: (none)", "d: **extra: (none)"]
    assert [v.what for v in signature_violations(
        "jiayuan/x/selectors.py", ast.parse(source), False)] == ["actor: Any", "actor: (none)"]
