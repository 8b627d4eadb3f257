"""Writing suggestions (金点子): from the portal, at a meeting or entered by
staff for a resident; status changes, each with a public reason; merging
duplicates; adopting one as an improvement project in one step.

The first response is due by the desk's catalogue default: a suggestion is
treated as an ordinary (not urgent) request of a catalogue item with the
default first-response target (`ServiceItem.response_hours`' default, 24 h),
through `jiayuan.desk.services.targets`. The first status change answers it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.civic.choices import Category, ProjectSource, Stage, SuggestionSource
from jiayuan.civic.meetings.models import Meeting
from jiayuan.civic.meetings.selectors import meetings_for
from jiayuan.civic.projects.models import Project
from jiayuan.civic.projects.services import project_create
from jiayuan.civic.suggestions.models import Suggestion, SuggestionChange, SuggestionStatus
from jiayuan.civic.suggestions.selectors import (
    grid_optional,
    status_for_stage,
    statuses_of,
    suggestions_for,
)
from jiayuan.core import audit, locks
from jiayuan.core.access import require
from jiayuan.core.crypto import encrypt
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.core.versioning import claim
from jiayuan.desk.choices import Priority
from jiayuan.desk.models import ServiceItem
from jiayuan.desk.services import (
    Limit,
    next_ref,
    portal_pow_redeem,
    portal_submissions_limit,
    portal_throttled,
    targets,
)
from jiayuan.lib.phone import PhoneError, mask_phone, normalize_phone
from jiayuan.places.models import Community, Grid
from jiayuan.registry.models import Person
from jiayuan.registry.selectors import people_for
from jiayuan.registry.services.common import check_not_erased

OPEN_STAGES = (Stage.RECEIVED, Stage.DISCUSSING)


def response_due(received_at: datetime) -> datetime:
    return targets(ServiceItem(), Priority.NORMAL, received_at)[0]


def _ref(community: Community, year: int) -> str:
    return next_ref(f"{community.code}-J", year)


def _what(suggestion: Suggestion) -> str:
    return _("this suggestion (%(ref)s)") % {"ref": suggestion.ref}


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _category(category: str) -> str:
    if category not in Category.values:
        raise ValidationError({"category": _("Choose a category.")})
    return category


def _initial_status(community_id: int) -> SuggestionStatus:
    status = status_for_stage(community_id, Stage.RECEIVED)
    if status is None:
        raise ValidationError(_("The station has no active status for new suggestions: "
                                "ask the station head to set one up."))
    return status


def _visible(actor: User, suggestion: Suggestion) -> Suggestion:
    """The suggestion as the actor may see it (re-read), else 404."""
    found = (suggestions_for(actor).select_related("community", "status")
             .filter(pk=suggestion.pk).first())
    if found is None:
        raise Http404
    return found


def _created(actor: User | None, suggestion: Suggestion) -> Suggestion:
    # From the portal there is no account: the entry names the portal, as the
    # desk's portal requests do.
    audit.record(AuditAction.CREATE, actor=actor, obj=suggestion,
                 username="" if actor else "portal",
                 changes=audit.created(audit.snapshot(suggestion, Suggestion.AUDIT_FIELDS),
                                       Suggestion.SENSITIVE_FIELDS))
    return suggestion


# --- the portal ----------------------------------------------------------------------

def portal_ideas_limit(source: str, now: datetime | None = None) -> Limit:
    """The desk's portal limits, counted on suggestions: past the form's hourly
    ceiling (Limit.GLOBAL) a proof of work still opens it (desk.services.portal_pow)."""
    return portal_submissions_limit(source, lambda since: Suggestion.objects.filter(
        source=SuggestionSource.PORTAL, received_at__gte=since), now=now)


def portal_ideas_allowed(source: str, now: datetime | None = None) -> bool:
    """Whether a suggestion is accepted without a proof of work."""
    return portal_ideas_limit(source, now) is Limit.OPEN


@audit.audited
def suggestion_portal_submit(*, community: Community, title: str, body: str, category: str,
                             source: str, contact_name: str = "", contact_phone: str = "",
                             proof: str = "", nonce: str = "",
                             now: datetime | None = None) -> Suggestion:
    """A suggestion from the public portal, anonymous or with an optional
    contact (never shown publicly; the phone stored encrypted and masked).
    Past the form's hourly ceiling, `proof` and `nonce` (a proof of work) open
    it once; the per-address limit has no way round."""
    now = now or timezone.now()
    title = _text(title, "title", _("Say in a few words what you suggest."))
    body = _text(body, "body", _("Describe your suggestion."))
    phone = ""
    if (contact_phone or "").strip():
        try:
            phone = normalize_phone(contact_phone)
        except PhoneError as err:
            raise ValidationError({"contact_phone": err.message}) from err
    # Under the form's own lock: concurrent submissions count in turn (core.locks).
    locks.hold(locks.PORTAL_IDEAS)
    limit = portal_ideas_limit(source, now)
    if limit is Limit.SOURCE or (
            limit is Limit.GLOBAL and not portal_pow_redeem(token=proof, nonce=nonce, now=now)):
        raise portal_throttled()
    suggestion = Suggestion.objects.create(
        ref=_ref(community, timezone.localtime(now).year), community=community,
        source=SuggestionSource.PORTAL, category=_category(category), title=title,
        body=body, contact_name=(contact_name or "").strip()[:60],
        contact_phone_enc=encrypt(phone) if phone else "",
        contact_phone_mask=mask_phone(phone) if phone else "",
        status=_initial_status(community.pk), received_at=now,
        response_due=response_due(now), portal_source=source)
    return _created(None, suggestion)


# --- staff ---------------------------------------------------------------------------

def received_at_on(day: date | None) -> datetime | None:
    """When a suggestion entered by staff was received: the day typed (at ten
    in the morning), or None for today (the service takes now)."""
    if not day or day == timezone.localdate():
        return None
    return timezone.make_aware(datetime.combine(day, time(10)))


@audit.audited
def suggestion_create(*, actor: User, title: str, body: str, category: str,
                      person: Person | None = None, meeting: Meeting | None = None,
                      grid: Grid | None = None, received_at: datetime | None = None,
                      now: datetime | None = None) -> Suggestion:
    """A suggestion entered by staff: for a resident (a current registry
    person in scope: the grid is their household's), raised at a meeting in
    scope, or both. Without a person the grid is the meeting's or the one
    chosen; a community-wide account may leave it empty (the whole community)."""
    require(actor, Perm.HANDLE_SUGGESTIONS)
    now = now or timezone.now()
    received_at = received_at or now
    if received_at > now + timedelta(minutes=5):
        raise ValidationError({"received_at": _("The date is in the future.")})
    title = _text(title, "title", _("Give the suggestion a title."))
    body = _text(body, "body", _("Write down the suggestion."))
    community_id: int | None = None
    if meeting is not None:
        if not meetings_for(actor).filter(pk=meeting.pk).exists():
            raise ValidationError({"meeting": _("That meeting is not one of yours.")})
        community_id = meeting.community_id
        grid = grid if grid is not None else meeting.grid
    if person is not None:
        check_not_erased(person)
        found = (people_for(actor).filter(pk=person.pk, left_on__isnull=True)
                 .select_related("household").first())
        if found is None:
            raise ValidationError({"person": _("That resident is not in your grids. Choose "
                                               "them again from the search.")})
        grid = Grid.objects.get(pk=found.household.grid_id)
    if grid is not None:
        if not in_scope(actor, grid.pk):
            raise ValidationError({"grid": _("Grid %(g)s is not in your grids.")
                                   % {"g": grid.code}})
        if community_id is not None and grid.community_id != community_id:
            raise ValidationError({"person": _("The resident lives in another community "
                                               "than the meeting's.")})
        community_id = grid.community_id
    elif community_id is None:
        if not grid_optional(actor):
            raise ValidationError({"grid": _("Choose the grid the suggestion belongs to.")})
        community_id = actor.community_id
    if community_id is None:  # a district-wide account without a grid or a meeting
        raise ValidationError({"grid": _("Choose the grid the suggestion belongs to.")})
    community = Community.objects.get(pk=community_id)
    suggestion = Suggestion.objects.create(
        ref=_ref(community, timezone.localtime(received_at).year), community=community,
        grid=grid, source=SuggestionSource.MEETING if meeting else SuggestionSource.STAFF,
        category=_category(category), title=title, body=body, person=person, meeting=meeting,
        status=_initial_status(community.pk), received_at=received_at,
        response_due=response_due(received_at), created_by=actor)
    return _created(actor, suggestion)


def check_status(suggestion: Suggestion, status: SuggestionStatus | None) -> SuggestionStatus:
    """A status the suggestion's station offers now (active), never another
    station's: a forged or stale id gets a message, not a 500."""
    allowed = {s.pk: s for s in statuses_of(suggestion.community_id)}
    if status is None or status.pk not in allowed:
        raise ValidationError({"status": _("That status is not one of your station's "
                                           "statuses. Choose one from the list.")})
    return allowed[status.pk]


def _change(actor: User, suggestion: Suggestion, status: SuggestionStatus, reason: str,
            now: datetime, fields: tuple[str, ...] = ()) -> None:
    """Record the change and write the suggestion (its version already claimed)."""
    before = audit.snapshot(suggestion, Suggestion.AUDIT_FIELDS)
    SuggestionChange.objects.create(suggestion=suggestion, from_status_id=suggestion.status_id,
                                    to_status=status, public_reason=reason, at=now, by=actor)
    suggestion.status = status
    suggestion.public_reason = reason
    written = ["status", "public_reason", "version", "updated_at", *fields]
    if suggestion.responded_at is None:
        suggestion.responded_at = now
        written.append("responded_at")
    suggestion.save(update_fields=written)
    audit.record(AuditAction.UPDATE, actor=actor, obj=suggestion, changes=audit.diff(
        before, audit.snapshot(suggestion, Suggestion.AUDIT_FIELDS), ()))


def _reason(public_reason: str) -> str:
    return _text(public_reason, "public_reason", _(
        "Write the public reason: residents read it on the portal."))


def _ref_of(suggestion: Suggestion | None) -> str:
    return suggestion.ref if suggestion is not None else ""


def _not_merged(suggestion: Suggestion) -> None:
    if suggestion.merged_into_id is not None:
        raise ValidationError(_("This suggestion was merged into %(ref)s: work on that one.")
                              % {"ref": _ref_of(suggestion.merged_into)})


@audit.audited
def suggestion_set_status(*, actor: User, suggestion: Suggestion,
                          status: SuggestionStatus | None, public_reason: str,
                          version: int | None = None,
                          now: datetime | None = None) -> Suggestion:
    """A change of status with its public reason (required). The first change
    is the first response."""
    require(actor, Perm.HANDLE_SUGGESTIONS)
    current = _visible(actor, suggestion)
    _not_merged(current)
    chosen = check_status(current, status)
    reason = _reason(public_reason)
    if chosen.pk == current.status_id:
        raise ValidationError({"status": _("The suggestion has this status already.")})
    claim(current, version, _what(current))
    _change(actor, current, chosen, reason, now or timezone.now())
    suggestion.version = current.version
    return current


def _check_mergeable(current: Suggestion, target: Suggestion) -> None:
    if target.merged_into_id is not None:
        raise ValidationError({"into": _("%(ref)s was itself merged into %(other)s: merge "
                                         "into that one.") % {
            "ref": target.ref, "other": _ref_of(target.merged_into)}})
    if current.project_id is not None:
        raise ValidationError(_("An adopted suggestion with a project cannot be merged."))


@audit.audited
def suggestion_merge(*, actor: User, suggestion: Suggestion, into: Suggestion | None,
                     public_reason: str, version: int | None = None,
                     now: datetime | None = None) -> Suggestion:
    """Merge a duplicate into another suggestion of the same community: its
    supporters are carried over, its portal page says "merged into …"."""
    require(actor, Perm.HANDLE_SUGGESTIONS)
    current = _visible(actor, suggestion)
    _not_merged(current)
    if into is None:
        raise ValidationError({"into": _("Choose the suggestion to merge this one into.")})
    if into.pk == current.pk:
        raise ValidationError({"into": _("A suggestion cannot be merged into itself.")})
    target = suggestions_for(actor).filter(pk=into.pk).select_related("merged_into").first()
    if target is None or target.community_id != current.community_id:
        raise ValidationError({"into": _("That suggestion is not one of your community's.")})
    _check_mergeable(current, target)
    reason = _reason(public_reason)
    now = now or timezone.now()
    # Both rows locked in pk order (two merges of the pair, either way round,
    # take turns without a deadlock), then checked again as they are now.
    locked = {row.pk: claim(row, version if row is current else None, _what(row))
              for row in sorted((current, target), key=lambda row: row.pk)}
    current.refresh_from_db()
    target = locked[target.pk]
    _not_merged(current)
    _check_mergeable(current, target)
    target_before = audit.snapshot(target, Suggestion.AUDIT_FIELDS)
    target.supporters += current.supporters
    target.save(update_fields=["supporters", "version", "updated_at"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=target, changes=audit.diff(
        target_before, audit.snapshot(target, Suggestion.AUDIT_FIELDS), ()))
    current.merged_into = target
    _change(actor, current, current.status, reason, now, fields=("merged_into",))
    suggestion.version = current.version
    return current


@audit.audited
def suggestion_adopt(*, actor: User, suggestion: Suggestion, public_reason: str,
                     owner: User, starts_on: date, ends_on: date, title: str = "",
                     public: bool = True, version: int | None = None,
                     now: datetime | None = None) -> Project:
    """Adopt a suggestion as an improvement project, in one step: the project
    (jiayuan.civic.projects.services.project_create, which also requires
    MANAGE_PROJECTS), the link both ways and the station's "adopted" status."""
    require(actor, Perm.HANDLE_SUGGESTIONS)
    current = _visible(actor, suggestion)
    _not_merged(current)
    if current.project_id is not None:
        raise ValidationError(_("This suggestion is carried by a project already."))
    if current.status.stage not in OPEN_STAGES:
        raise ValidationError(_("Only a suggestion received or under discussion can be "
                                "adopted."))
    adopted = status_for_stage(current.community_id, Stage.ADOPTED)
    if adopted is None:
        raise ValidationError(_("The station has no active status for adopted suggestions."))
    reason = _reason(public_reason)
    project = project_create(
        actor=actor, community=current.community, title=(title or current.title).strip(),
        category=current.category, source=ProjectSource.SUGGESTION, owner=owner,
        starts_on=starts_on, ends_on=ends_on,
        grids=[current.grid] if current.grid is not None else [], description=current.body,
        public=public)
    claim(current, version, _what(current))
    current.project = project
    _change(actor, current, adopted, reason, now or timezone.now(), fields=("project",))
    suggestion.version = current.version
    return project
