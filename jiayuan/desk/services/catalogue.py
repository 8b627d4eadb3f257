"""The service catalogue and the departments, edited by the station head.

Catalogue entries are never deleted (cases point at them): they are retired
with `active`. Every save is audited with the per-language fields it changed.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from modeltranslation.translator import translator

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.desk.models import Department, ServiceCategory, ServiceItem
from jiayuan.desk.translation import localized

CATEGORY_AUDIT_FIELDS = ("code", "name", "order")


def audit_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The model's audited fields, translated ones spelled out per language."""
    base = getattr(model, "AUDIT_FIELDS", CATEGORY_AUDIT_FIELDS)
    # `fields` is a class attribute (declared on the options' metaclass).
    translated = set(type(translator.get_options_for_model(model)).fields)
    out: list[str] = []
    for name in base:
        out.extend(localized(name) if name in translated else [name])
    return tuple(out)


def _snapshot(instance: models.Model, fields: tuple[str, ...]) -> dict[str, Any]:
    # An untranslated text is stored as NULL or "" depending on how it was
    # written; both mean "missing", so neither counts as a change.
    snap = audit.snapshot(instance, fields)
    return {k: "" if v is None and k not in ("category_id", "department_id") else v
            for k, v in snap.items()}


@audit.audited
def catalogue_save(*, actor: User, instance: ServiceItem | ServiceCategory | Department
                   ) -> bool:
    """Save a service, category or department whose fields the edit form has
    filled in (validated), and audit it: the whole record on creation, the
    changed fields on update. False when nothing changed (nothing is written)."""
    require(actor, Perm.MANAGE_CATALOGUE)
    model = type(instance)
    fields = audit_fields(model)
    if instance.pk is None:
        instance.save()
        audit.record(AuditAction.CREATE, actor=actor, obj=instance,
                     changes=audit.created(_snapshot(instance, fields)))
        return True
    # The form has already copied its input onto `instance`: compare with the row.
    stored = model._default_manager.select_for_update().get(pk=instance.pk)
    changes = audit.diff(_snapshot(stored, fields), _snapshot(instance, fields))
    if not changes:
        return False
    instance.save()
    audit.record(AuditAction.UPDATE, actor=actor, obj=instance, changes=changes)
    return True
