"""Reading cases: every query for cases goes through here with the acting user.

A case is in an account's scope when its household's grid is, when the account
owns it, or — for requests not yet matched to the registry — when it belongs to
the account's community (someone has to triage them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiayuan.core import audit, together
from jiayuan.core.access import as_id, get_for, require
from jiayuan.core.columns import of
from jiayuan.core.compiled import Shape, actor_key
from jiayuan.core.crypto import decrypt
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import ALL, filter_by_grid, grid_ids
from jiayuan.desk.choices import OPEN_STATUSES, Channel, Status
from jiayuan.desk.models import (
    Case,
    CaseDocument,
    Department,
    DeskSettings,
    Referral,
    Reminder,
    ServiceCategory,
    ServiceItem,
)
from jiayuan.desk.translation import localized
from jiayuan.registry.models import Household, Person


def cases_for(actor: User) -> QuerySet[Case]:
    if not (actor.is_authenticated and actor.has(Perm.VIEW_CASES)):
        return Case.objects.none()
    ids = grid_ids(actor)
    if ids is ALL:
        return Case.objects.all()
    visible = Q(grid_id__in=ids) | Q(owner_id=actor.pk)
    if actor.community_id:
        visible |= Q(grid__isnull=True, community_id=actor.community_id)
    return Case.objects.filter(visible)


def can_see(actor: User, case: Case) -> bool:
    if not (actor.is_authenticated and actor.has(Perm.VIEW_CASES)):
        return False
    ids = grid_ids(actor)
    if ids is ALL or case.owner_id == actor.pk:
        return True
    if case.grid_id is None:
        return case.community_id == actor.community_id
    return case.grid_id in ids


def get_case_for(actor: User, pk: Any, *, perm: Perm = Perm.VIEW_CASES) -> Case:
    """The case a page opens: the permission (403), then the scope (404)."""
    return get_for(actor, perm, cases_for(actor).select_related(
        "item", "item__department", "owner", "person", "household", "household__dwelling",
        "duplicate_of"), pk)


def document_for(actor: User, case: Case, pk: Any) -> CaseDocument:
    """A document of a case the actor opened (get_case_for), to download:
    recorded in the audit log as an export."""
    ident = as_id(pk)
    document = (CaseDocument.objects.filter(case=case, pk=ident).first()
                if ident is not None else None)
    if document is None:
        raise Http404
    audit.record(AuditAction.EXPORT, actor=actor, obj=case, changes={"document": document.name})
    return document


def caller_phone_of(actor: User, case: Case) -> str:
    """The whole phone number of an unregistered caller, for roles that may
    see it; recorded in the audit log like any reveal."""
    require(actor, Perm.REVEAL_PHONE)
    if not can_see(actor, case):
        raise Http404
    phone = decrypt(case.caller_phone_enc) if case.caller_phone_enc else ""
    audit.record(AuditAction.REVEAL, actor=actor, obj=case, changes={"field": "caller_phone"})
    return phone


def get_referral_for(actor: User, pk: Any, *, perm: Perm = Perm.REFER) -> Referral:
    """A referral whose case is in the actor's scope: 403 without `perm`, else 404."""
    return get_for(actor, perm, Referral.objects.filter(
        case__in=cases_for(actor)).select_related(
        "case", "case__item", "case__person", "case__community", "department", "sent_by",
        "consent"), pk)


def requester_contact(referral: Referral) -> tuple[str, str]:
    """(name, phone in clear) when the referral shares them, else ("", "")."""
    if not referral.share_contact:
        return "", ""
    case = referral.case
    if case.person is not None:
        return case.person.name, decrypt(case.person.phone_enc)
    return case.caller_name, decrypt(case.caller_phone_enc)


def reply_page_contact(referral: Referral, *, opened: bool) -> tuple[str, str]:
    """The requester's contact as the department's reply page shows it; the
    page being opened (`opened`, a GET) is recorded in the audit log as a
    view of sensitive details by the department."""
    name, phone = requester_contact(referral)
    if opened:
        audit.record(AuditAction.VIEW_SENSITIVE, obj=referral,
                     username=f"dept:{referral.department.code}",
                     changes={"reply_page": True, "contact_shown": bool(name or phone)})
    return name, phone


def get_item_for(actor: User, pk: Any, *, perm: Perm = Perm.MANAGE_CATALOGUE) -> ServiceItem:
    """A catalogue service to edit (the catalogue is the station's, not a grid's)."""
    return get_for(actor, perm, ServiceItem.objects.all(), pk)


def get_category_for(actor: User, pk: Any, *,
                     perm: Perm = Perm.MANAGE_CATALOGUE) -> ServiceCategory:
    return get_for(actor, perm, ServiceCategory.objects.all(), pk)


def get_department_for(actor: User, pk: Any, *,
                       perm: Perm = Perm.MANAGE_CATALOGUE) -> Department:
    return get_for(actor, perm, Department.objects.all(), pk)


def reminders_for(actor: User) -> QuerySet[Reminder]:
    """Open reminders in the actor's grids, soonest first."""
    require(actor, Perm.VIEW_CASES)
    return (filter_by_grid(Reminder.objects.filter(done_at__isnull=True), actor)
            .select_related("person", "grid").order_by("due", "id"))


def get_reminder_for(actor: User, pk: Any, *, perm: Perm = Perm.WORK_CASES) -> Reminder:
    return get_for(actor, perm, filter_by_grid(Reminder.objects.all(), actor), pk)


def _today_bounds(now: datetime) -> tuple[datetime, datetime]:
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


@dataclass(frozen=True)
class Queue:
    code: str
    label: Any


QUEUES = (
    Queue("mine", _("Mine")),
    Queue("unassigned", _("Unassigned")),
    Queue("due_today", _("Due today")),
    Queue("overdue", _("Overdue")),
    Queue("waiting", _("Waiting on departments")),
    Queue("portal", _("Portal requests to triage")),
    Queue("follow_up", _("Follow-up calls due")),
    Queue("open", _("All open")),
    Queue("all", _("All")),
)
QUEUE_CODES = {q.code for q in QUEUES}


def queue(actor: User, code: str, now: datetime | None = None) -> QuerySet[Case]:
    """The cases of one work queue, most urgent first."""
    now = now or timezone.now()
    qs = cases_for(actor)
    open_q = Q(status__in=OPEN_STATUSES)
    if code == "mine":
        qs = qs.filter(open_q, owner_id=actor.pk)
    elif code == "unassigned":
        qs = qs.filter(open_q, owner__isnull=True)
    elif code == "due_today":
        start, end = _today_bounds(now)
        qs = qs.filter(open_q, due__gte=max(start, now), due__lt=end)
    elif code == "overdue":
        qs = qs.filter(open_q, due__lt=now)
    elif code == "waiting":
        qs = qs.filter(status=Status.WAITING_DEPARTMENT)
    elif code == "portal":
        qs = qs.filter(channel=Channel.PORTAL, person__isnull=True,
                       status__in=OPEN_STATUSES)
    elif code == "follow_up":
        qs = qs.filter(status=Status.RESOLVED)
        return qs.select_related("item", "owner", "person").order_by("resolved_at", "id")
    elif code == "open":
        qs = qs.filter(open_q)
    elif code != "all":
        raise ValueError(code)
    if code == "all":
        return qs.select_related("item", "owner", "person").order_by("-opened_at", "-id")
    return qs.select_related("item", "owner", "person").order_by("due", "id")


def queue_counts(actor: User, now: datetime | None = None) -> dict[str, int]:
    """How many cases each queue holds (one query per queue, each on an index)."""
    return {q.code: queue(actor, q.code, now).count() for q in QUEUES if q.code != "all"}


def household_cases(actor: User, household: Household) -> list[Case]:
    return list(_household_cases(household.pk, actor=actor))


# What a household's list of cases shows (desk/_case_rows.html) and
# repeat_flags reads; of the service its name, of the owner and the requester
# their names (jiayuan.core.columns).
CASE_ROW_FIELDS = ("ref", "household", "person", "caller_name", "item", "summary", "priority",
                   "owner", "status", "opened_at", "due", "resolved_at", "is_repeat",
                   *of("item", ["name", *localized("name")]), *of("owner", User.NAME_FIELDS),
                   "person__name")


def _household_cases(household: int, *, actor: User) -> QuerySet[Case]:
    return (cases_for(actor).filter(household_id=household)
            .select_related("item", "owner", "person").only(*CASE_ROW_FIELDS)
            .order_by("-opened_at", "-id"))


def _saved_threshold(community: int) -> QuerySet[DeskSettings, tuple[int, int]]:
    return (DeskSettings.objects.filter(community_id=community)
            .values_list("repeat_open", "repeat_days"))


# Compiled once (per account for the cases: their scope), bound to the ids.
_household_cases_shape = Shape(_household_cases, 1)
_saved_threshold_shape = Shape(_saved_threshold, 1)


def household_cases_flagged(actor: User, household: Household) -> tuple[list[Case], list[str]]:
    """The household's requests (household_cases) and their repeat flags
    (repeat_flags), read in one round trip (jiayuan.core.together)."""
    cases, saved = together.fetch(
        _household_cases_shape(actor_key(actor), household.pk, actor=actor),
        _saved_threshold_shape((), household.grid.community_id))
    if not cases:
        return cases, []
    threshold = (RepeatThreshold(*saved[0]) if saved else
                 RepeatThreshold(settings.DESK_REPEAT_OPEN, settings.DESK_REPEAT_DAYS))
    return cases, repeat_flags(household, cases, threshold=threshold)


def person_cases(actor: User, person: Person) -> list[Case]:
    """The requests a person made, as far as the actor's scope and role allow."""
    if not actor.has(Perm.VIEW_CASES):
        return []
    return list(cases_for(actor).filter(person=person)
                .select_related("item", "owner", "person").order_by("-opened_at", "-id"))


@dataclass(frozen=True)
class RepeatThreshold:
    open: int  # unresolved requests at once that flag a household
    days: int  # the same service asked again within this many days is a repeat


def repeat_threshold(community_id: int | None) -> RepeatThreshold:
    """The one repeat-request threshold of a community: the desk's flag and
    care's must-visit duty both read it here. The head's saved value, else the
    deployment's DESK_REPEAT_OPEN / DESK_REPEAT_DAYS."""
    saved = (DeskSettings.objects.filter(community_id=community_id)
             .values_list("repeat_open", "repeat_days").first()
             if community_id is not None else None)
    if saved is None:
        return RepeatThreshold(settings.DESK_REPEAT_OPEN, settings.DESK_REPEAT_DAYS)
    return RepeatThreshold(*saved)


def repeat_thresholds() -> dict[int, RepeatThreshold]:
    """Community pk -> its saved threshold (one query, for scheduled jobs);
    communities missing here use `repeat_threshold(None)`, the defaults."""
    return {c: RepeatThreshold(o, d) for c, o, d in DeskSettings.objects.values_list(
        "community_id", "repeat_open", "repeat_days")}


def repeat_flags(household: Household, cases: list[Case] | None = None, *,
                 threshold: RepeatThreshold | None = None) -> list[str]:
    """Why this household's requests keep coming back: several unresolved at
    once, or the same service asked for again within the repeat window. The
    station is failing them; care makes this a must-visit duty."""
    threshold = threshold or repeat_threshold(household.grid.community_id)
    if cases is None:
        cases = list(Case.objects.filter(household=household).only(
            "status", "is_repeat", "item_id"))
    open_cases = [c for c in cases if c.status in OPEN_STATUSES]
    flags = []
    if len(open_cases) >= threshold.open:
        flags.append(_("%(n)d requests unresolved") % {"n": len(open_cases)})
    if any(c.is_repeat for c in open_cases):
        flags.append(_("the same request again within %(days)d days")
                     % {"days": threshold.days})
    return flags
