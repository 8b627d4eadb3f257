"""Taking a request: at the desk, on the hotline, on a visit, or from the portal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.desk import signals, timeline
from jiayuan.desk.choices import Channel, EventKind, Priority
from jiayuan.desk.models import Case, ServiceItem
from jiayuan.desk.services._common import (
    _event,
    _is_repeat,
    _set_caller_phone,
    check_owner,
    next_ref,
    targets,
)
from jiayuan.places.models import Community, Grid
from jiayuan.registry.models import Household, Person
from jiayuan.registry.services.common import check_not_erased

# The ways staff take a request: the portal's come through services.portal_create.
STAFF_CHANNELS = frozenset(c for c in Channel.values if c != Channel.PORTAL)


@audit.audited
def case_create(*, actor: User, item: ServiceItem, channel: str, summary: str,
                details: str = "", priority: str = Priority.NORMAL,
                person: Person | None = None, caller_name: str = "", caller_phone: str = "",
                needs_onsite: bool = False, owner: User | None = None,
                opened_at: datetime | None = None) -> Case:
    """Take a request at the desk, on the hotline or on a visit.

    The requester is a registered person (their household comes with them) or
    an unregistered caller with a name and a normalised phone number. A
    service the catalogue marks on-site (三必到) always needs someone on site,
    whatever `needs_onsite` says; the worker may ask for it for any other.
    The requester is a current resident (not one who left); the channel is a
    staff one (`STAFF_CHANNELS`: not the portal); the owner is a worker of the
    actor's community (`check_owner`)."""
    require(actor, Perm.WORK_CASES)
    if channel not in STAFF_CHANNELS:
        raise ValidationError({"channel": _("Choose how the request came in.")})
    if person is not None:
        if not in_scope(actor, person.grid_id):
            raise Http404
        check_not_erased(person)
        if person.left_on is not None:
            raise ValidationError({"person": _(
                "%(name)s has left the community: a request is filed for a current "
                "resident.") % {"name": person.name}})
        household = person.household
        community_id = Grid.objects.values_list("community_id", flat=True).get(pk=person.grid_id)
    else:
        if not caller_name.strip():
            raise ValidationError({"caller_name": _(
                "Choose a registered resident, or give the caller's name.")})
        if actor.community_id is None:
            raise ValidationError(_("Your account belongs to no community: a request from "
                                    "an unregistered caller cannot be filed. Choose a "
                                    "registered resident instead."))
        household, community_id = None, actor.community_id
    if not item.active:
        raise ValidationError({"item": _("This service is no longer offered.")})
    check_owner(actor, owner)
    return _create(item=item, channel=channel, summary=summary, details=details,
                   priority=priority, person=person, household=household,
                   community_id=community_id, caller_name=caller_name.strip(),
                   caller_phone=caller_phone, needs_onsite=needs_onsite, owner=owner,
                   opened_at=opened_at, actor=actor)


def _create(*, item: ServiceItem, channel: str, summary: str, details: str, priority: str,
            person: Person | None, household: Household | None, community_id: int,
            caller_name: str, caller_phone: str, needs_onsite: bool, owner: User | None,
            opened_at: datetime | None, actor: User | None = None, portal_source: str = "",
            extra_audit: dict[str, Any] | None = None) -> Case:
    opened_at = opened_at or timezone.now()
    prefix = Community.objects.filter(pk=community_id).values_list("code", flat=True).first()
    response_due, due = targets(item, priority, opened_at)
    case = Case(
        ref=next_ref(prefix or settings.STATION_CODE, timezone.localtime(opened_at).year),
        community_id=community_id, household=household, person=person,
        grid_id=household.grid_id if household else None, caller_name=caller_name,
        channel=channel, item=item, summary=summary.strip(), details=details.strip(),
        priority=priority, owner=owner, opened_at=opened_at, response_due=response_due,
        due=due, needs_onsite=needs_onsite or item.onsite_required,
        is_repeat=_is_repeat(household.pk if household else None, item.pk, community_id,
                             opened_at),
        created_by=actor if getattr(actor, "pk", None) else None,
        portal_source=portal_source)
    _set_caller_phone(case, caller_phone)
    case.save()
    _event(case, EventKind.CREATED, actor, public=True, at=opened_at,
           code="received", params={"item": timeline.names(item),
                                    **({} if actor else {"by": timeline.PORTAL})})
    # A portal request is audited without the sender's address: the rate limit
    # keeps only a keyed hash of it (Case.portal_source), the log keeps nothing.
    audit.record(AuditAction.CREATE, actor=actor, obj=case, username="" if actor else "portal",
                 ip=None if actor else "",
                 changes={**audit.created(audit.snapshot(case, Case.AUDIT_FIELDS),
                                          Case.SENSITIVE_FIELDS), **(extra_audit or {})})
    signals.case_created.send(sender=Case, case=case)
    return case


