"""The service catalogue and the departments, edited by the station head.

Catalogue entries are never deleted (cases point at them): they are retired
with `active`. Every save is audited with the per-language fields it changed.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
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


# The most a target may be: a first response within a month, a resolution within a year.
MAX_RESPONSE_HOURS = 720
MAX_RESOLUTION_DAYS = 365


def check_targets(hours: int | None, days: int | None) -> dict[str, str]:
    """What is wrong with a service's targets, by field (the edit form shows
    the same messages): 1 to 720 hours to the first response, 1 to 365 days to
    the resolution, and the first response due before the resolution."""
    errors: dict[str, str] = {}
    if hours is not None and hours < 1:
        errors["response_hours"] = _("The first response needs at least 1 hour.")
    elif hours is not None and hours > MAX_RESPONSE_HOURS:
        errors["response_hours"] = _("At most %(limit_value)s hours (30 days): longer is "
                                     "not a response target.") % {
            "limit_value": MAX_RESPONSE_HOURS}
    if days is not None and days < 1:
        errors["resolution_days"] = _("Resolution needs at least 1 day.")
    elif days is not None and days > MAX_RESOLUTION_DAYS:
        errors["resolution_days"] = _("At most %(limit_value)s days (a year).") % {
            "limit_value": MAX_RESOLUTION_DAYS}
    if hours and days and not errors and hours > days * 24:
        errors["response_hours"] = _(
            "The first response (%(hours)d hours) would be due after the resolution "
            "(%(days)d days).") % {"hours": hours, "days": days}
    return errors


def _check(instance: ServiceItem | ServiceCategory | Department,
           stored: ServiceItem | ServiceCategory | Department | None) -> None:
    """The catalogue's rules, whoever saves (the edit forms check them first,
    with the same messages): the model's own field rules (full_clean), the code
    chosen once, a service's targets, and its department one still in use (or
    the one it already had)."""
    errors: dict[str, Any] = {}
    if stored is not None and instance.code != stored.code:
        errors["code"] = _("The code cannot be changed.")
    if isinstance(instance, ServiceItem):
        errors.update(check_targets(instance.response_hours, instance.resolution_days))
        kept = stored is not None and instance.department_id == getattr(
            stored, "department_id", None)
        if instance.department_id is not None and not kept and not Department.objects.filter(
                pk=instance.department_id, active=True).exists():
            errors["department"] = _("This department or partner is no longer active.")
    try:
        instance.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)


@audit.audited
def catalogue_save(*, actor: User, instance: ServiceItem | ServiceCategory | Department
                   ) -> bool:
    """Save a service, category or department whose fields the edit form has
    filled in, checked again here (`_check`: ValidationError by field), and audit it: the whole record on creation, the
    changed fields on update. False when nothing changed (nothing is written)."""
    require(actor, Perm.MANAGE_CATALOGUE)
    model = type(instance)
    fields = audit_fields(model)
    if instance.pk is None:
        _check(instance, None)
        instance.save()
        audit.record(AuditAction.CREATE, actor=actor, obj=instance,
                     changes=audit.created(_snapshot(instance, fields)))
        return True
    # The form has already copied its input onto `instance`: compare with the row.
    stored = model._default_manager.select_for_update().get(pk=instance.pk)
    _check(instance, stored)
    changes = audit.diff(_snapshot(stored, fields), _snapshot(instance, fields))
    if not changes:
        return False
    instance.save()
    audit.record(AuditAction.UPDATE, actor=actor, obj=instance, changes=changes)
    return True
