"""Writing visits: logging one, and linking a desk request opened from it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.care.choices import QUALIFYING_MODES
from jiayuan.care.duties.engine import close_by_visit
from jiayuan.care.models import Visit
from jiayuan.care.pairing.services import pairing_checkins
from jiayuan.care.scoping import check_scope as _check_scope
from jiayuan.care.scoping import community_of as _community_of
from jiayuan.care.scoping import require_visible
from jiayuan.care.visits.selectors import visit_staff, visits_for
from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.desk import services as desk_services
from jiayuan.desk.choices import Channel, Priority
from jiayuan.desk.models import Case, ServiceItem
from jiayuan.registry.models import Business, Household, Person
from jiayuan.registry.services.common import check_not_erased

# A visit dated this far in the future is a typing mistake, not clock skew.
FUTURE_SLACK = timedelta(hours=1)


def _resent(actor: User, idempotency_key: UUID | None) -> Visit | None:
    """The visit a form with this key saved already (another's key: 404)."""
    if idempotency_key is None:
        return None
    existing = Visit.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None and existing.created_by_id != actor.pk:
        raise Http404
    return existing


@audit.audited
def visit_log(*, actor: User, households: Iterable[Household] = (),
              business: Business | None = None,
              visited_at: datetime | None = None, mode: str, purpose: str,
              found: str = "", needs: str = "", next_visit: date | None = None,
              sensitive_note: str = "", visitors: Iterable[User] = (), volunteers: str = "",
              with_resident_helper: bool = False,
              idempotency_key: UUID | None = None) -> tuple[Visit, bool]:
    """Record a visit; returns (visit, created). The same `idempotency_key`
    again returns the first visit and writes nothing (a form resubmitted after
    the connection dropped). `with_resident_helper`: the households' paired
    resident helpers came along, so their pairings get a check-in too."""
    require(actor, Perm.LOG_VISITS)
    existing = _resent(actor, idempotency_key)
    if existing is not None:
        return existing, False
    households = list(households)
    if not households and business is None:
        raise ValidationError(_("Choose the household or the business you visited."))
    if households and business is not None:
        raise ValidationError(_("A visit is to households or to a business, not both: "
                                "record them separately."))
    for household in households:
        _check_scope(actor, household.grid_id, _("Household %(h)s") % {"h": household})
        if household.moved_out is not None:
            raise ValidationError(_("Household %(h)s has moved out.") % {"h": household})
    if len({h.grid_id for h in households}) > 1:
        # A visit is filed under one grid and read by that grid's workers: one
        # visit per grid keeps each household's visits with its own grid.
        raise ValidationError(_("These households are in different grids: record the visit "
                                "once for each grid."))
    if business is not None:
        _check_scope(actor, business.grid_id, _("Business %(b)s") % {"b": business.name})
    now = timezone.now()
    visited_at = visited_at or now
    if visited_at > now + FUTURE_SLACK:
        raise ValidationError({"visited_at": _("The visit is in the future: check the date.")})
    if next_visit is not None and next_visit < timezone.localdate(visited_at):
        raise ValidationError({"next_visit": _("The next visit is before this one.")})
    if sensitive_note.strip() and not actor.has(Perm.VIEW_SENSITIVE):
        raise ValidationError({"sensitive_note": _(
            "Your role may not record sensitive notes.")})
    visitor_list = list(visitors) or [actor]
    allowed = set(visit_staff(actor).filter(pk__in=[u.pk for u in visitor_list])
                  .values_list("pk", flat=True))
    for user in visitor_list:
        if user.pk not in allowed:
            raise ValidationError({"visitors": _(
                "%(name)s may not log visits here: choose active staff of the community "
                "who go on visits.") % {"name": user.display_name}})
    # Exactly one of the two was given (checked above).
    grid_id = business.grid_id if business is not None else households[0].grid_id
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                community_id=_community_of(grid_id), grid_id=grid_id, business=business,
                visited_at=visited_at, mode=mode, purpose=purpose, found=found.strip(),
                needs=needs.strip(), next_visit=next_visit,
                sensitive_note=sensitive_note.strip(), volunteers=volunteers.strip(),
                created_by=actor, idempotency_key=idempotency_key)
    except IntegrityError:
        # The same form resent while the first was still being saved: the
        # insert waited for it, and its visit is the answer.
        existing = _resent(actor, idempotency_key)
        if existing is None:
            raise
        return existing, False
    if households:
        visit.households.set(households)
    visit.visitors.set(visitor_list)
    day = timezone.localdate(visited_at)
    household_ids = [h.pk for h in households]
    closed = 0
    if household_ids and mode in QUALIFYING_MODES:
        closed = close_by_visit(visit, household_ids, day)
    pairing_checkins(visit, household_ids, [u.pk for u in visitor_list], day, actor,
                     with_resident_helper)
    changes = audit.created(audit.snapshot(visit, Visit.AUDIT_FIELDS), Visit.AUDIT_SENSITIVE)
    changes["households"] = household_ids
    if closed:
        changes["duties_closed"] = closed
    audit.record(AuditAction.CREATE, actor=actor, obj=visit, changes=changes)
    return visit, True


@audit.audited
def visit_link_case(*, actor: User, visit: Visit, case: Case) -> None:
    require(actor, Perm.LOG_VISITS)
    require_visible(visits_for(actor), visit)
    visit.cases.add(case)
    audit.record(AuditAction.UPDATE, actor=actor, obj=visit, changes={"case": case.ref})


@audit.audited
def visit_case_open(*, actor: User, visit: Visit, person: Person, item: ServiceItem,
                    summary: str, details: str = "", priority: str = Priority.NORMAL,
                    needs_onsite: bool = False, owner: User | None = None) -> Case:
    """A desk request opened from what a visit found, and linked to the visit:
    both or neither (a request the visit does not know of is lost work). The
    requester lives in a household the visit was to. Whether someone must go
    on site is the desk's rule (`case_create`, from the service item)."""
    require(actor, Perm.LOG_VISITS)
    require_visible(visits_for(actor), visit)
    check_not_erased(person)
    if not visit.households.filter(pk=person.household_id).exists():
        raise ValidationError({"person": _(
            "%(name)s is not of a household this visit was to.") % {"name": person.name}})
    case = desk_services.case_create(
        actor=actor, person=person, item=item, channel=Channel.HOME_VISIT, summary=summary,
        details=details, priority=priority, needs_onsite=needs_onsite, owner=owner)
    visit_link_case(actor=actor, visit=visit, case=case)
    return case
