"""Registering volunteers and keeping their file: roles, the buildings or
households a liaison officer looks after, consent to be named publicly, the
personal link for reporting hours, and an information officer's report
filed as a desk request in one step.

Hours, claims and certificates are in services_hours; the ledger's two writes
in ledger."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.core.unique import unique_or
from jiayuan.core.versioning import claim
from jiayuan.desk import services as desk_services
from jiayuan.desk.choices import Channel
from jiayuan.desk.models import Case, ServiceItem
from jiayuan.engage.choices import VolunteerRole, VolunteerStatus
from jiayuan.engage.volunteers.models import (
    LiaisonArea,
    Volunteer,
    VolunteerRoleAssignment,
    new_token,
)
from jiayuan.engage.volunteers.selectors import display_name, volunteers_for
from jiayuan.places.models import Building
from jiayuan.registry.models import Household, Person
from jiayuan.registry.selectors import people_for
from jiayuan.registry.services.common import check_not_erased


def _visible(actor: User, volunteer: Volunteer) -> Volunteer:
    """The volunteer re-read as the actor may see it, else 404."""
    found = volunteers_for(actor).select_related("person", "user", "community").filter(
        pk=volunteer.pk).first()
    if found is None:
        raise Http404
    return found


def _roles(roles: Iterable[str]) -> list[str]:
    chosen = sorted(set(roles))
    bad = [r for r in chosen if r not in VolunteerRole.values]
    if bad:
        raise ValidationError({"roles": _("Choose roles from the list.")})
    return chosen


def _clean(value: str, limit: int) -> str:
    return (value or "").strip()[:limit]


def _snapshot(v: Volunteer) -> dict[str, Any]:
    snap = audit.snapshot(v, Volunteer.AUDIT_FIELDS)
    snap["roles"] = ",".join(sorted(v.roles.values_list("role", flat=True)))
    return snap


@audit.audited
def volunteer_register(*, actor: User, person: Person | None = None,
                       user: User | None = None, roles: Iterable[str] = (),
                       skills: str = "", languages: str = "", availability: str = "",
                       joined_on: date | None = None) -> Volunteer:
    """A resident of the registry in the actor's grids (their grid comes
    with them) or a staff member of the actor's community (no grid): one,
    not both, and once."""
    require(actor, Perm.MANAGE_VOLUNTEERS)
    if (person is None) == (user is None):
        raise ValidationError({"person": _("Choose a resident or a staff member.")})
    chosen = _roles(roles)
    check_not_erased(person)
    if person is not None:
        person = people_for(actor).select_related("household").filter(pk=person.pk).first()
        if person is None:
            raise ValidationError({"person": _("That resident is not in your grids.")})
        if person.left_on is not None:
            raise ValidationError({"person": _("%(name)s has left the community.")
                                   % {"name": person.name}})
        already = ValidationError({"person": _("%(name)s is a volunteer already.")
                                   % {"name": person.name}})
        if Volunteer.objects.filter(person=person).exists():
            raise already
        grid_id = person.grid_id
        community_id = person.household.grid.community_id
    else:
        assert user is not None
        if not user.is_active or user.community_id is None or (
                actor.community_id is not None and user.community_id != actor.community_id):
            raise ValidationError({"user": _("That account is not of your community.")})
        already = ValidationError({"user": _("%(name)s is a volunteer already.")
                                 % {"name": user.display_name}})
        if Volunteer.objects.filter(user=user).exists():
            raise already
        grid_id, community_id = None, user.community_id
    v = Volunteer(community_id=community_id, grid_id=grid_id, person=person, user=user,
                  skills=_clean(skills, 200), languages=_clean(languages, 120),
                  availability=_clean(availability, 200),
                  joined_on=joined_on or timezone.localdate(), created_by=actor)
    with unique_or(already):  # registered by another at the same moment
        v.save()
    VolunteerRoleAssignment.objects.bulk_create(
        VolunteerRoleAssignment(volunteer=v, role=r, since=v.joined_on) for r in chosen)
    audit.record(AuditAction.CREATE, actor=actor, obj=v, changes=audit.created(_snapshot(v)))
    return v


@audit.audited
def volunteer_update(*, actor: User, volunteer: Volunteer, roles: Iterable[str],
                     skills: str, languages: str, availability: str, status: str,
                     version: Any = None) -> Volunteer:
    """Roles, skills, languages, availability and status. A role taken away
    loses its record (and a liaison officer's areas go with the role)."""
    require(actor, Perm.MANAGE_VOLUNTEERS)
    volunteer = _visible(actor, volunteer)
    check_not_erased(volunteer.person)
    if status not in VolunteerStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    chosen = _roles(roles)
    before = _snapshot(volunteer)
    v = claim(volunteer, version, _("this volunteer"))
    v.skills, v.languages = _clean(skills, 200), _clean(languages, 120)
    v.availability, v.status = _clean(availability, 200), status
    v.save(update_fields=["skills", "languages", "availability", "status"])
    had = set(v.roles.values_list("role", flat=True))
    v.roles.exclude(role__in=chosen).delete()
    today = timezone.localdate()
    VolunteerRoleAssignment.objects.bulk_create(
        VolunteerRoleAssignment(volunteer=v, role=r, since=today)
        for r in chosen if r not in had)
    if VolunteerRole.LIAISON not in chosen:
        v.areas.all().delete()
    changes = audit.diff(before, _snapshot(v))
    if changes:
        audit.record(AuditAction.UPDATE, actor=actor, obj=v, changes=changes)
    return v


@audit.audited
def liaison_area_add(*, actor: User, volunteer: Volunteer, building: Building | None = None,
                     household: Household | None = None) -> LiaisonArea:
    """A building or a household a liaison officer looks after: in the
    actor's grids (others are refused), once."""
    require(actor, Perm.MANAGE_VOLUNTEERS)
    volunteer = _visible(actor, volunteer)
    check_not_erased(volunteer.person)
    if not volunteer.roles.filter(role=VolunteerRole.LIAISON).exists():
        raise ValidationError(_("Only a liaison officer looks after buildings or households: "
                                "give the volunteer that role first."))
    if (building is None) == (household is None):
        raise ValidationError({"building": _("Choose a building or a household.")})
    place: Any = building if building is not None else household
    if not in_scope(actor, place.grid_id):
        raise ValidationError({"building": _("That building or household is not in your "
                                             "grids.")})
    same = volunteer.areas.filter(building=building) if building is not None \
        else volunteer.areas.filter(household=household)
    if same.exists():
        raise ValidationError({"building": _("The volunteer looks after it already.")})
    area = LiaisonArea.objects.create(volunteer=volunteer, building=building,
                                      household=household, grid_id=place.grid_id)
    audit.record(AuditAction.CREATE, actor=actor, obj=area, changes=audit.created({
        "volunteer_id": volunteer.pk, "building_id": area.building_id,
        "household_id": area.household_id}))
    return area


@audit.audited
def liaison_area_remove(*, actor: User, area: LiaisonArea) -> None:
    require(actor, Perm.MANAGE_VOLUNTEERS)
    _visible(actor, area.volunteer)
    audit.record(AuditAction.DELETE, actor=actor, obj=area, changes={
        "volunteer_id": [area.volunteer_id, None], "building_id": [area.building_id, None],
        "household_id": [area.household_id, None]})
    area.delete()


@audit.audited
def volunteer_consent_record(*, actor: User, volunteer: Volunteer,
                             given_on: date | None = None,
                             today: date | None = None) -> Volunteer:
    """The volunteer agreed to be named publicly (the portal's star
    volunteers, a verified certificate)."""
    require(actor, Perm.MANAGE_VOLUNTEERS)
    v = claim(_visible(actor, volunteer), None, _("this volunteer"))
    today = today or timezone.localdate()
    given_on = given_on or today
    check_not_erased(v.person)
    if given_on > today:
        raise ValidationError({"given_on": _("The date is in the future.")})
    before = v.public_consent_on
    v.public_consent_on, v.public_consent_by = given_on, actor
    v.save(update_fields=["public_consent_on", "public_consent_by"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=v,
                 changes={"public_consent_on": [before, given_on]})
    return v


@audit.audited
def volunteer_consent_withdraw(*, actor: User, volunteer: Volunteer) -> Volunteer:
    require(actor, Perm.MANAGE_VOLUNTEERS)
    v = claim(_visible(actor, volunteer), None, _("this volunteer"))
    if v.public_consent_on is None:
        raise ValidationError(_("No consent to be shown publicly is on record."))
    before = v.public_consent_on
    v.public_consent_on, v.public_consent_by = None, None
    v.save(update_fields=["public_consent_on", "public_consent_by"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=v,
                 changes={"public_consent_on": [before, None]})
    return v


@audit.audited
def volunteer_link_renew(*, actor: User, volunteer: Volunteer) -> Volunteer:
    """A new personal link; the old one stops working at once."""
    require(actor, Perm.MANAGE_VOLUNTEERS)
    v = claim(_visible(actor, volunteer), None, _("this volunteer"))
    check_not_erased(v.person)
    v.self_token = new_token()
    v.save(update_fields=["self_token"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=v,
                 changes={"self_token": ["(revoked)", "(new)"]})
    return v


@audit.audited
def informant_report(*, actor: User, volunteer: Volunteer, summary: str, details: str = "",
                     item: ServiceItem, household: Household | None = None,
                     person: Person | None = None,
                     opened_at: datetime | None = None) -> Case:
    """What an information officer (信息员) saw, filed as a desk request in
    one step (channel "volunteer report"): about a resident, or a household
    (its head), or nobody in particular (then the officer is the requester:
    their own file, or their name for a staff volunteer)."""
    require(actor, Perm.VIEW_ENGAGE)
    require(actor, Perm.WORK_CASES)
    volunteer = _visible(actor, volunteer)
    check_not_erased(volunteer.person, person)
    if not volunteer.roles.filter(role=VolunteerRole.INFORMANT).exists():
        raise ValidationError(_("Only an information officer files reports: give the "
                                "volunteer that role first."))
    if not (summary or "").strip():
        raise ValidationError({"summary": _("Say in a line what was seen.")})
    if person is None and household is not None:
        if not in_scope(actor, household.grid_id):
            raise ValidationError({"household": _("That household is not in your grids.")})
        person = household.head
    if person is None and volunteer.person is not None and volunteer.person.left_on is None:
        person = volunteer.person  # about nobody in particular: the officer reports it
    if person is not None and not in_scope(actor, person.grid_id):
        raise ValidationError({"person": _("That resident is not in your grids.")})
    who = _("Reported by information officer %(name)s.") % {"name": display_name(volunteer)}
    text = "\n\n".join(part for part in ((details or "").strip(), who) if part)
    caller = "" if person is not None else display_name(volunteer)[:60]
    return desk_services.case_create(actor=actor, item=item, channel=Channel.VOLUNTEER,
                                     summary=summary.strip(), details=text, person=person,
                                     caller_name=caller, opened_at=opened_at)
