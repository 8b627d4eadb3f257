"""Undo: remove what a batch wrote, unless something touched it afterwards."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.deletion import ProtectedError, RestrictedError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jiayuan.core import audit, locks
from jiayuan.core.models import AuditAction, User
from jiayuan.lib._i18n import interpolate
from jiayuan.places.models import Dwelling
from jiayuan.registry.choices import ConsentPurpose
from jiayuan.registry.models import (
    Consent,
    Household,
    HouseholdAddress,
    Membership,
    Person,
    SearchKey,
)
from jiayuan.registry.services import reindex_person
from jiayuan.sheets.importing import status
from jiayuan.sheets.importing.outcomes import RESTORE_FIELDS, UndoBlocked
from jiayuan.sheets.importing.upload import _scoped_batch
from jiayuan.sheets.importing.write import _batch_tag
from jiayuan.sheets.models import BatchStatus, ImportBatch, ImportChange

UNDO_ALLOWED = {Person, Household, HouseholdAddress, Membership, SearchKey, Consent,
                ImportChange}


def undo(*, actor: User, batch: ImportBatch) -> None:
    """Remove what `batch` wrote, restoring the people it changed, in one
    transaction (`audit.batch()`, as the commit).

    Refused, naming the records, when anything touched them after the import:
    an edit, a new member, a case, a visit, a consent recorded by hand…
    """
    _scoped_batch(actor, batch)
    with audit.batch():
        locks.hold(locks.ROSTER_IMPORT)  # not while another import plans against these people
        _undo(actor, ImportBatch.objects.select_for_update().get(pk=batch.pk))


def _undo(actor: User, batch: ImportBatch) -> None:
    try:
        status.check_move(batch, BatchStatus.UNDONE)
    except status.StatusRefused as exc:
        raise UndoBlocked(exc.message, []) from exc
    blockers = _blockers(batch)
    if blockers:
        raise UndoBlocked(ngettext(
            "This import cannot be undone: %(n)d record was changed or used after it.",
            "This import cannot be undone: %(n)d records were changed or used after it.",
            len(blockers)) % {"n": len(blockers)}, blockers[:20])
    changes = list(ImportChange.objects.filter(batch=batch).select_related("person"))
    restored = []
    for change in changes:
        person = change.person
        for f, value in change.before.items():
            setattr(person, f, Person._meta.get_field(f).to_python(value))
        person.updated_at = timezone.now()
        person.version += 1
        restored.append(person)
    Person.objects.bulk_update(restored, [*RESTORE_FIELDS, "updated_at", "version"],
                               batch_size=1000)
    for person in restored:
        reindex_person(person)
    # The consents the import recorded (for the ethnic group), on new and changed people.
    Consent.objects.filter(
        Q(person__import_batch_id=batch.pk) | Q(person__in=[c.person_id for c in changes]),
        evidence__endswith=_batch_tag(batch), purpose=ConsentPurpose.SENSITIVE).delete()
    created = Household.objects.filter(import_batch_id=batch.pk)
    created.update(head=None)
    Person.objects.filter(import_batch_id=batch.pk).delete()
    created.delete()
    for dwelling in Dwelling.objects.filter(import_batch_id=batch.pk):
        try:
            with transaction.atomic():
                dwelling.delete()
        except (ProtectedError, RestrictedError):
            pass  # someone lives there now; an empty dwelling record harms nobody
    batch.save(update_fields=status.move(batch, BatchStatus.UNDONE, actor=actor,
                                         now=timezone.now()))
    audit.record(AuditAction.UNDO_IMPORT, actor=actor, obj=batch,
                 changes={"file": batch.filename, "counts": batch.counts})


def _blockers(batch: ImportBatch) -> list[tuple[str, str]]:
    after = batch.committed_at
    out: list[tuple[str, str]] = []
    people = Person.objects.filter(import_batch_id=batch.pk)
    households = Household.objects.filter(import_batch_id=batch.pk)
    changed = Person.objects.filter(pk__in=ImportChange.objects.filter(batch=batch)
                                    .values("person_id"))
    for p in (people | changed).filter(updated_at__gt=after).order_by("pk")[:20]:
        out.append((interpolate(_("%(name)s was edited after the import"), {"name": p.name}),
                    reverse("person_detail", args=[p.pk])))
    for h in households.filter(updated_at__gt=after).select_related("dwelling")[:20]:
        out.append((interpolate(_("Household %(dwelling)s was edited after the import"),
                                {"dwelling": h.dwelling.code}),
                    reverse("household_detail", args=[h.pk])))
    for p in Person.objects.filter(household__import_batch_id=batch.pk).exclude(
            import_batch_id=batch.pk)[:20]:
        out.append((interpolate(_("%(name)s joined an imported household later"),
                                {"name": p.name}), reverse("person_detail", args=[p.pk])))
    if out:
        return out
    own_consent = _batch_tag(batch)
    for c in Consent.objects.filter(person__import_batch_id=batch.pk).exclude(
            evidence__endswith=own_consent).select_related("person")[:20]:
        out.append((interpolate(_("A consent of %(name)s was recorded after the import"),
                                {"name": c.person.name}),
                    reverse("person_detail", args=[c.person_id])))
    out.extend(_linked_records(batch))
    return out


def _linked_records(batch: ImportBatch) -> list[tuple[str, str]]:
    """Anything else that points at the batch's households or people (cases,
    visits, duties, pairings, businesses…): deleting them would delete or orphan it.
    Every reverse relation is asked, so models added later are covered too."""
    out: list[tuple[str, str]] = []
    for model in (Person, Household):
        own = model.objects.filter(import_batch_id=batch.pk).values("pk")
        for rel in model._meta.related_objects:
            if rel.related_model in UNDO_ALLOWED:
                continue
            linked = rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": own})
            out.extend((_describe(o), "") for o in linked[:5])
    return out


def _describe(obj: Any) -> str:
    return interpolate(_("%(kind)s “%(what)s” refers to an imported record"),
                       {"kind": obj._meta.verbose_name, "what": str(obj)[:80]})
