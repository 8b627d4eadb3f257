"""Writes of the import pages that are not stages of the import itself: a draft's
column mapping and the station's column templates. (Upload, sheet choice,
commit and undo are `jiayuan.sheets.importing`.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from jiayuan.core import audit
from jiayuan.core.models import User
from jiayuan.sheets.columns import template_columns
from jiayuan.sheets.importing import status
from jiayuan.sheets.importing.upload import _scoped_batch
from jiayuan.sheets.models import ImportBatch, MappingTemplate


@dataclass
class MappingSaved:
    batch: ImportBatch
    template: MappingTemplate | None = None
    template_created: bool = False


@audit.audited
def mapping_save(*, actor: User, batch: ImportBatch, mapping: dict[int, str],
                 consent_evidence: str, template_name: str = "",
                 header: list[Any] | None = None) -> MappingSaved:
    """Save a draft's column mapping (column index -> field key) and how its
    people consented to their ethnic group being recorded; with ``template_name``,
    also save the mapping as the station's template of that name (``header``: the
    sheet's header cells, which the template matches by text). A batch already
    imported is refused (ValidationError)."""
    _scoped_batch(actor, batch)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    try:
        status.check_draft(batch)
    except status.StatusRefused as exc:
        raise ValidationError(exc.message, code=exc.code) from exc
    batch.mapping = {str(i): key for i, key in sorted(mapping.items())}
    batch.consent_evidence = consent_evidence
    batch.save(update_fields=["mapping", "consent_evidence"])
    saved = MappingSaved(batch)
    if template_name:
        columns = template_columns(header or [], mapping)
        saved.template, saved.template_created = MappingTemplate.objects.update_or_create(
            community_id=actor.community_id, name=template_name,
            defaults={"columns": columns}, create_defaults={
                "columns": columns, "created_by": actor})
    return saved
