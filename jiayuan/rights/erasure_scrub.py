"""The person's numbers, in every table; their name, in the rows they reach.

Erasure (jiayuan.rights.erasure) blanks the rows it knows are about the person
(their own row, their consents, their cases' caller columns...). They are also
named in text typed about others. The person's ID-card number and phone number
(and their keyed hashes) are theirs alone: `scrub` walks every model Django
knows, every text and JSON column, and replaces each occurrence with MARK (the
"no trace in any table" guarantee). Their name and the masks of their numbers
(138****5678 is many people's) are not theirs alone: `scrub_names` replaces
them only in the rows reachable from them (jiayuan.rights.erasure_reach), so
a namesake's text, or that of someone whose phone shares the mask, stays. Unique
columns, columns that hold identifiers of *other* people (hashes, masks,
ciphertexts, coded choices) and the tables the erasure handles itself are left
out. Stored files are matched by the numbers only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from jiayuan.rights.erasure_reach import Reached

#: What replaces a name or number: two crosses, as Chinese documents write a
#: withheld name (张××); no words in any language, never longer than a name.
MARK = "××"

# Column names whose values identify *other* rows' people (or are tokens): never
# rewritten by a substring match. The erasure clears the person's own copies by
# their hash, key or link instead.
_SKIP_SUFFIXES = ("_enc", "_hash", "_mask", "_last4", "token", "nonce", "_sha256")


def needles(*, name: str, id_number: str, phone: str, extra: Iterable[str] = ()) -> list[str]:
    """The strings to find: the name (two characters or more: one would match
    half the station), the ID number in both cases of its check letter, the
    phone number as digits and as people write it (138 1234 5678, 138-1234-5678),
    and `extra` (the keyed hashes, the masks)."""
    found = []
    if len(name.strip()) >= 2:
        found.append(name.strip())
    if id_number:
        found += [id_number, id_number.lower(), id_number.upper()]
    if phone:
        found.append(phone)
        if len(phone) == 11:
            found += [f"{phone[:3]} {phone[3:7]} {phone[7:]}", f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"]
    found += [x for x in extra if x and len(x) >= 6]
    return sorted(set(found), key=lambda s: (-len(s), s))


def _replace(value: Any, found: list[str]) -> Any:
    if isinstance(value, str):
        for needle in found:
            if needle in value:
                value = value.replace(needle, MARK)
        return value
    if isinstance(value, list):
        return [_replace(v, found) for v in value]
    if isinstance(value, dict):
        return {_replace(k, found): _replace(v, found) for k, v in value.items()}
    return value


def _text_columns(model: type[models.Model]) -> list[models.Field]:
    """The columns a number is looked for in. Never a unique column (a
    username, a code: rewriting two alike would collide) nor a coded one."""
    out: list[models.Field] = []
    for field in model._meta.concrete_fields:
        if (field.primary_key or field.unique or field.choices
                or field.name.endswith(_SKIP_SUFFIXES)):
            continue
        if isinstance(field, (models.CharField, models.TextField, models.JSONField)):
            out.append(field)
    return out


def _matching(model: type[models.Model], field: models.Field,
              found: list[str], qs: models.QuerySet | None = None) -> models.QuerySet:
    qs = model._base_manager.all() if qs is None else qs
    if isinstance(field, models.JSONField):
        # As text: jsonb prints characters as they are, SQLite keeps the JSON
        # Django wrote (non-ASCII as \\uXXXX escapes), so look for both forms.
        qs = qs.annotate(_erasure_text=Cast(field.name, TextField()))
        forms = set(found) | {json.dumps(n)[1:-1] for n in found}
        cond = Q()
        for text in forms:
            cond |= Q(_erasure_text__contains=text)
        return qs.filter(cond)
    cond = Q()
    for text in found:
        cond |= Q(**{f"{field.name}__contains": text})
    return qs.filter(cond)


def _rewrite(model: type[models.Model], field: models.Field, rows: models.QuerySet,
             found: list[str], changed: dict[str, int]) -> None:
    for pk, value in _matching(model, field, found, rows).values_list("pk", field.attname):
        new = _replace(value, found)
        if new != value:
            model._base_manager.filter(pk=pk).update(**{field.attname: new})
            changed[model._meta.label] = changed.get(model._meta.label, 0) + 1


def scrub(found: list[str], *, skip: Iterable[type[models.Model]]) -> dict[str, int]:
    """Replace `found` (the person's own numbers and keyed hashes: nobody else's;
    never a mask, which others share)
    in every text and JSON column of every model but `skip`. Returns {model
    label: rows changed}. Rows are rewritten with `update()`, so no model's
    save() logic (timestamps, versions, signals) runs: this is not an edit by a
    person."""
    if not found:
        return {}
    skipped = set(skip)
    changed: dict[str, int] = {}
    for model in apps.get_models():
        if model in skipped or not model._meta.managed or model._meta.proxy:
            continue
        for field in _text_columns(model):
            _rewrite(model, field, model._base_manager.all(), found, changed)
    return changed


def scrub_names(reached: Iterable[Reached], names: list[str]) -> dict[str, int]:
    """Replace `names` (the name, the masks) in the listed fields of the rows reached from the person
    (erasure_reach), and nowhere else: a namesake's rows are not reached."""
    names = [n for n in names if n]
    changed: dict[str, int] = {}
    if not names:
        return changed
    for line in reached:
        if not line.pks:
            continue
        rows = line.model._base_manager.filter(pk__in=line.pks)
        for name in line.fields:
            field = line.model._meta.get_field(name)
            assert isinstance(field, models.Field)
            _rewrite(line.model, field, rows, names, changed)
    return changed


def delete_after_commit(stored: Any) -> None:
    """Delete a stored file once the erasure is committed (a rolled-back erasure
    must leave the file where it was)."""
    if stored:
        name, storage = stored.name, stored.storage
        transaction.on_commit(lambda: storage.delete(name))


def file_columns(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def scrub_files(found: list[str], *, skip: Iterable[type[models.Model]]) -> dict[str, int]:
    """A stored file whose path names the person (an upload keeps its file name):
    the file is deleted and the column emptied (the row stays)."""
    if not found:
        return {}
    skipped = set(skip)
    changed: dict[str, int] = {}
    for model in apps.get_models():
        if model in skipped or not model._meta.managed or model._meta.proxy:
            continue
        for field in file_columns(model):
            cond = Q()
            for text in found:
                cond |= Q(**{f"{field.name}__contains": text})
            for obj in model._base_manager.filter(cond):
                delete_after_commit(getattr(obj, field.name))
                model._base_manager.filter(pk=obj.pk).update(**{field.attname: ""})
                changed[model._meta.label] = changed.get(model._meta.label, 0) + 1
    return changed
