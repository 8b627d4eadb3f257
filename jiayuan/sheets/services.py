"""Writes of the import pages that are not stages of the import itself: a draft's
column mapping and the station's column templates. (Upload, sheet choice,
commit and undo are `jiayuan.sheets.importing`.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jiayuan.core import audit, locks
from jiayuan.core.access import require
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.lib._i18n import interpolate
from jiayuan.sheets.columns import FIELDS, template_columns
from jiayuan.sheets.importing import checking, status
from jiayuan.sheets.importing.upload import _scoped_batch
from jiayuan.sheets.models import ImportBatch, MappingTemplate


@dataclass
class MappingSaved:
    batch: ImportBatch
    template: MappingTemplate | None = None
    template_created: bool = False


# --- the rules of a mapping (the mapping form applies them too) ---------------------

def duplicate_fields(mapping: dict[int, str]) -> list[tuple[int, str, int]]:
    """(column, field key, earlier column) for each column mapped to a field an
    earlier column already has: each field comes from one column only."""
    seen: dict[str, int] = {}
    found = []
    for index, key in sorted(mapping.items()):
        if not key:
            continue
        if key in seen:
            found.append((index, key, seen[key]))
        else:
            seen[key] = index
    return found


def duplicate_message(key: str, other: str) -> str:
    return interpolate(
        _("“%(field)s” is already the field of column “%(other)s”. Map each field to one "
          "column only, and set the other to “do not import”."),
        {"field": FIELDS[key].label if key in FIELDS else key, "other": other})


def no_name_message() -> str:
    return _("Choose the column that holds the name (姓名): without it no row can be "
             "imported.")


def template_taken(actor: User, name: str) -> MappingTemplate | None:
    """A colleague's template of the station already named ``name`` (one may
    update only one's own)."""
    return (MappingTemplate.objects.filter(community=actor.community_id, name=name)
            .exclude(created_by=actor).select_related("created_by").first())


def template_taken_message(taken: MappingTemplate, name: str) -> str:
    return interpolate(
        _("%(user)s already saved a template named “%(name)s”. Choose another name, or "
          "choose that template when you upload."),
        {"user": taken.created_by.username, "name": name})


def check_mapping(actor: User, mapping: dict[int, str], template_name: str,
                  header: Sequence[Any]) -> None:
    """Raise ValidationError for a mapping the form refuses: a field mapped from
    two columns (on ``col_<index>``), no name column, a template name a colleague
    already uses (on ``template_name``)."""
    errors: dict[str, list[str]] = {}
    for index, key, other in duplicate_fields(mapping):
        label = str(header[other]) if other < len(header) and header[other] else str(other + 1)
        errors.setdefault(f"col_{index}", []).append(duplicate_message(key, label))
    if template_name:
        taken = template_taken(actor, template_name)
        if taken is not None:
            errors["template_name"] = [template_taken_message(taken, template_name)]
    if errors:
        raise ValidationError(errors)
    if "name" not in mapping.values():
        raise ValidationError(no_name_message(), code="no_name")


@audit.audited
def mapping_save(*, actor: User, batch: ImportBatch, mapping: dict[int, str],
                 consent_evidence: str, template_name: str = "",
                 header: list[Any] | None = None) -> MappingSaved:
    """Save a draft's column mapping (column index -> field key) and how its
    people consented to their ethnic group being recorded; with ``template_name``,
    also save the mapping as the station's template of that name (``header``: the
    sheet's header cells, which the template matches by text). A batch already
    imported is refused (ValidationError), and so is a mapping the form refuses
    (`check_mapping`): a colleague's template is never overwritten.

    Two saves at once take turns, and each checks once it has its turn: the
    station's templates under a named lock (two colleagues saving one name at
    once: the later is refused, as a moment later), the draft under its row's
    lock (the later save's mapping stands, as a moment later)."""
    _scoped_batch(actor, batch)
    if consent_evidence.strip() and "ethnicity" in mapping.values():
        # Recording the ethnic group under a consent: as in the registry.
        require(actor, Perm.VIEW_SENSITIVE)
    template_name = template_name.strip()
    if template_name:
        locks.hold(locks.per_community(locks.MAPPING_TEMPLATES, actor.community_id or 0))
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    check_mapping(actor, mapping, template_name, header or [])
    try:
        status.check_draft(batch)
    except status.StatusRefused as exc:
        raise ValidationError(exc.message, code=exc.code) from exc
    batch.mapping = {str(i): key for i, key in sorted(mapping.items())}
    batch.consent_evidence = consent_evidence
    batch.save(update_fields=["mapping", "consent_evidence", *checking.forget(batch)])
    saved = MappingSaved(batch)
    if template_name:
        columns = template_columns(header or [], mapping)
        saved.template, saved.template_created = MappingTemplate.objects.update_or_create(
            community_id=actor.community_id, name=template_name,
            defaults={"columns": columns}, create_defaults={
                "columns": columns, "created_by": actor})
    return saved
