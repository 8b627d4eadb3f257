"""What the desk's services share: references, targets, timeline entries,
the access check and the case's optimistic lock."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.core import versioning
from jiayuan.core.access import require
from jiayuan.core.crypto import encrypt, lookup_hash
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.staff import staff_with
from jiayuan.desk.choices import Priority, Status
from jiayuan.desk.models import Case, CaseDocument, CaseEvent, RefCounter, ServiceItem
from jiayuan.desk.selectors import can_see, repeat_threshold
from jiayuan.lib.phone import mask_phone


def check_owner(actor: User, owner: User | None) -> None:
    """An owner the actor may give a case to: an active account allowed to work
    cases, of the actor's community (core.staff.staff_with, as the forms offer).
    The owner sees the case: one of another community would see past its scope."""
    if owner is None:
        return
    if not (owner.is_active and owner.has(Perm.WORK_CASES)):
        raise ValidationError({"owner": _("%(name)s cannot work on cases.")
                               % {"name": owner.display_name}})
    if not staff_with(actor, Perm.WORK_CASES).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("%(name)s works for another community: choose "
                                          "an owner of yours.")
                               % {"name": owner.display_name}})


def next_ref(prefix: str, year: int) -> str:
    """The next reference of a station's year, e.g. ZJJ-2026-00123. Runs inside
    the caller's transaction: the counter row is locked until it commits, so two
    desks never hand out the same number."""
    RefCounter.objects.get_or_create(prefix=prefix, year=year)
    counter = RefCounter.objects.select_for_update().get(prefix=prefix, year=year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    return f"{prefix}-{year}-{counter.last:05d}"


def targets(item: ServiceItem, priority: str, opened_at: datetime) -> tuple[datetime, datetime]:
    """(first response due, resolution due) from the catalogue's targets. Urgent
    and green-channel requests get the urgent first-response target and half the
    resolution time."""
    hours, days = item.response_hours, item.resolution_days
    if priority == Priority.URGENT or item.green_channel:
        hours = min(hours, settings.DESK_URGENT_RESPONSE_HOURS)
        days = max(1, math.ceil(days / 2))
    return opened_at + timedelta(hours=hours), opened_at + timedelta(days=days)


def _event(case: Case, kind: str, actor: User | None = None, *, text: str = "", public: bool = False,
           from_status: str = "", to_status: str = "", actor_name: str = "",
           document: CaseDocument | None = None, at: datetime | None = None,
           code: str = "", params: dict[str, Any] | None = None) -> CaseEvent:
    """A timeline entry. What the system says is `code` and `params`, rendered
    in the reader's language (jiayuan.desk.timeline); `text` is what a person typed."""
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=actor if getattr(actor, "pk", None) else None,
        actor_name=actor_name, text=text, public=public, from_status=from_status,
        to_status=to_status, document=document, at=at or timezone.now(), code=code,
        params=params or {})


def _check(actor: User, case: Case, perm: Perm = Perm.WORK_CASES) -> None:
    require(actor, perm)
    if not can_see(actor, case):
        raise Http404


def _claim(case: Case, version: int | None) -> Case:
    """The case's row, locked, at the version the worker saw (None: no form
    behind the call, e.g. the follow-up call or a department's link). The
    next version is claimed: a later save writes it with the other fields.

    The caller's object is left as it was (claim is handed a stand-in): when
    the service then refuses and the transaction rolls back, the caller still
    holds the version on record and may try again."""
    return versioning.claim(Case(pk=case.pk, version=case.version), version,
                            _("this case (%(ref)s)") % {"ref": case.ref})


def _save(case: Case, fields: list[str]) -> None:
    case.save(update_fields=list(dict.fromkeys([*fields, "version", "updated_at"])))


def _set_caller_phone(case: Case, phone: str) -> None:
    case.caller_phone_enc = encrypt(phone) if phone else ""
    case.caller_phone_hash = lookup_hash("phone", phone) if phone else ""
    case.caller_phone_mask = mask_phone(phone) if phone else ""


def _is_repeat(household_id: int | None, item_id: int, community_id: int | None,
               opened_at: datetime) -> bool:
    """The household asked for the same service within the community's repeat
    window (selectors.repeat_threshold), cancelled requests not counting."""
    if household_id is None:
        return False
    since = opened_at - timedelta(days=repeat_threshold(community_id).days)
    return Case.objects.filter(household_id=household_id, item_id=item_id,
                               opened_at__gte=since).exclude(status=Status.CANCELLED).exists()
