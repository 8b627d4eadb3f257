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
from django.utils.translation import gettext_lazy

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
            children: Any = None, lead: Sequence[str] = (),
            shared: Any = None) -> dict[str, Any]:
    """A section of `objs` showing `fields`. `extra` adds computed columns:
    name -> (label, function of the row); `children(obj)` returns a dict of
    child sections to add to each row; `lead` names the columns to show
    first (an extra column that names the row). `shared(obj)` is true for a
    row the person shares with others: its columns outside the model's
    SHARED allow-list are left out (see below)."""
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
        if shared is not None and shared(obj):
            _leave_out(model, row)
        if children is not None:
            row.update(children(obj))
        rows.append(row)
    return {"title": str(title), "labels": labels, "rows": rows}



# --- rows the person shares with others -----------------------------------------
#
# A person's record holds what is about them: their own rows whole; a row they
# share (their household, its visits, a dispute with other parties, a request
# of the household, a pairing) only with the columns that concern them or the
# household as such. SHARED is the allow-list of each such model: the columns a
# shared row keeps. Every other column of a shared row (free text written about
# the household or the matter, which may be about another member or party;
# other people's names) is left out and says so (LEFT_OUT), so the resident
# knows there is more and may ask at the station, where a person reads it
# first. Names of other people in the columns kept are replaced by a neutral
# role in record.py (`another member`, `another party`). Keys are the record's
# column names (model fields and computed columns).
SHARED: dict[str, frozenset[str]] = {
    # The dwelling, dates and coded facts are the household's as such; `head`
    # is kept but names another member only as a role; `note` is free text.
    "registry.Household": frozenset({
        "dwelling", "grid", "residency", "moved_in", "moved_out", "head",
        "household_number", "festivals"}),
    # A circumstance of the whole household (no member): its kind and dates are
    # the household's; its note may tell of one member.
    "registry.Circumstance": frozenset({"person", "kind", "started", "ended"}),
    # A visit: when, how, why, who of the staff, the next one. What was found,
    # the needs, the sensitive note and the volunteers' names may be about
    # another member or, for a visit to several households, another household.
    "care.Visit": frozenset({"visited_at", "mode", "purpose", "next_visit", "created_by",
                             "visitors"}),
    # A must-visit duty: dates and worker. Its reason (a rule such as "serious
    # illness") may disclose another member's circumstance.
    "care.Duty": frozenset({"raised_on", "due", "status", "closed_on", "assignee"}),
    # A dispute with other parties: what kind, where it stands, its dates and
    # outcome. The summary, details, notes and agreement text tell of the other
    # parties too.
    "care.Dispute": frozenset({
        "ref", "kind", "source", "status", "opened_on", "closed_on", "outcome",
        "escalated_on", "agreement_on", "followup_on", "followup_holding"}),
    # Each party by role; the party is named only when it is the person (or
    # their household, or their business).
    "care.DisputeParty": frozenset({"party", "role"}),
    # A mediation session: when and where; who came and the notes are others'.
    "care.MediationSession": frozenset({"held_at", "place"}),
    # A pairing of the household (or one where the person is the helper):
    # dates, status, the kind of helper; the goals describe the household's
    # needs (another household's, for the helper).
    "care.Pairing": frozenset({"household", "helper_kind", "started", "ended",
                               "planned_end", "status", "last_contact", "helper"}),
    "care.CheckIn": frozenset({"on", "mode"}),
    # A request of the household not tied to one member: the service, channel,
    # dates, status, outcome and owner; what was asked (summary, details), the
    # caller and the notes may be another member's.
    "desk.Case": frozenset({
        "ref", "household", "item", "channel", "priority", "status", "opened_at", "due",
        "resolved_at", "closed_at", "outcome", "caller_name", "caller_phone_mask",
        "owner"}),
    "desk.CaseEvent": frozenset({"at", "kind", "who"}),
    "desk.Referral": frozenset({"department", "status", "sent_at", "sent_by",
                                "share_contact", "answered_at", "answered_by"}),
    "desk.FollowUp": frozenset({"at", "by", "reached", "satisfaction"}),
    "desk.CaseDocument": frozenset({"uploaded_at", "uploaded_by"}),
}
LEFT_OUT = gettext_lazy("(left out: it may be about other people; ask at the station)")


def _leave_out(model: type[models.Model], row: dict[str, Any]) -> None:
    keep = SHARED[model._meta.label]
    for name, value in row.items():
        if name not in keep and value not in (None, ""):
            row[name] = str(LEFT_OUT)


def neutral(mine: bool, name: Any, role: Any) -> str:
    """`name` when it is the person's own, else the neutral `role`."""
    return str(name) if mine else str(role)
