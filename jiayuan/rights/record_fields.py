"""How a person's record turns rows into readable values (jiayuan.rights.record).

A section is a dict the JSON download gives as it is and the PDF prints:
`{"title": ..., "labels": {field: label}, "rows": [{field: value, ...}]}`.
Keys are the model's field names (stable, English); titles, labels and the
values of coded fields are in the reader's language; dates are ISO
(`2026-12-06`), times station time to the minute (`2026-12-06 14:05`).
A row may hold a child section under a key of its own (a case's events).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

Value = str | int | bool | None
# A field to show: its name, or (name, label) where the model's verbose name
# is missing or says less than the record should.
Field = str | tuple[str, Any]


def when(value: date | datetime | None) -> str | None:
    """A date as ISO, a time in station time to the minute."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def related_text(obj: Any) -> str:
    """A row another row points at, as people name it."""
    if hasattr(obj, "display_name"):  # a staff account
        return str(obj.display_name)
    if obj._meta.label == "registry.Household":
        return f"№{obj.pk} · {obj.dwelling}" if obj.dwelling_id else f"№{obj.pk}"
    return str(obj)


def value_of(obj: models.Model, name: str) -> Value:
    """One field of `obj`, readable: a coded value as its label, a related row
    by its name, a date as ISO, a decimal as text."""
    field = obj._meta.get_field(name)
    raw = getattr(obj, name)
    if raw is None or raw == "":
        return None
    if getattr(field, "choices", None) and not field.is_relation:
        return str(getattr(obj, f"get_{name}_display")())
    if field.is_relation:
        return related_text(raw)
    if isinstance(raw, (date, datetime)):
        return when(raw)
    if isinstance(raw, Decimal):
        return str(raw)
    if isinstance(raw, (bool, int, str)):
        return raw
    return str(raw)


def label_of(model: type[models.Model], spec: Field) -> tuple[str, str]:
    if isinstance(spec, tuple):
        return spec[0], str(spec[1])
    field = model._meta.get_field(spec)
    return spec, str(getattr(field, "verbose_name", spec))


def section(title: Any, model: type[models.Model], fields: Sequence[Field],
            objs: Iterable[models.Model], *, extra: dict[str, Any] | None = None,
            children: Any = None, lead: Sequence[str] = ()) -> dict[str, Any]:
    """A section of `objs` showing `fields`. `extra` adds computed columns:
    name -> (label, function of the row); `children(obj)` returns a dict of
    child sections to add to each row; `lead` names the columns to show
    first (an extra column that names the row)."""
    labels = dict(label_of(model, spec) for spec in fields)
    names = [spec[0] if isinstance(spec, tuple) else spec for spec in fields]
    for name, (label, _fn) in (extra or {}).items():
        labels[name] = str(label)
    labels = {**{name: labels[name] for name in lead}, **labels}
    rows = []
    for obj in objs:
        row: dict[str, Any] = {}
        for name in names:
            row[name] = value_of(obj, name)
        for name, (_label, fn) in (extra or {}).items():
            row[name] = fn(obj)
        if children is not None:
            row.update(children(obj))
        rows.append(row)
    return {"title": str(title), "labels": labels, "rows": rows}

