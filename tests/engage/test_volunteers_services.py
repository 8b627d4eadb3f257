"""Volunteer services called directly: the ledger's invariants, claims,
consent gates, scope; every refusal saves nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation

from jiayuan.core.models import AuditEntry
from jiayuan.core.roles import Role
from jiayuan.desk.models import Case, ServiceCategory, ServiceItem
from jiayuan.engage.choices import ClaimStatus, HoursSource, VolunteerRole
from jiayuan.engage.models import Certificate, HoursClaim, HoursEntry, LiaisonArea, Volunteer
from jiayuan.engage.volunteers import selectors, services, services_hours
from jiayuan.engage.volunteers.ledger import hours_credit, hours_reverse
from tests.conftest import make_user, station_moment

DAY = date(2027, 3, 10)


@pytest.fixture
def clock() -> Any:
    # Messages are matched in English (the msgids), whatever the default language.
    with time_machine.travel(station_moment(DAY), tick=False), translation.override("en"):
        yield station_moment(DAY)


@pytest.fixture
def coord_a(community: Any, grid_a: Any) -> Any:
    """A coordinator of grid A only (MANAGE_VOLUNTEERS, scoped to a grid)."""
    return make_user("coord_a", Role.COORDINATOR, community, [grid_a])


@pytest.fixture
def vol(clock: Any, head: Any, household: Any) -> Volunteer:
    return services.volunteer_register(actor=head, person=household.head,
                                       roles=[VolunteerRole.INFORMANT, VolunteerRole.LIAISON],
                                       skills="朝鲜语", languages="ko, zh")


def _credit(actor: Any, v: Volunteer, hours: str, on: date = DAY) -> HoursEntry:
    return hours_credit(actor=actor, volunteer=v, on=on, hours=Decimal(hours),
                        source=HoursSource.STAFF, note="帮忙")


def test_it_registers_a_resident_with_roles_and_the_grid_of_their_household(
        vol: Volunteer, household: Any) -> None:
    assert vol.grid_id == household.grid_id
    assert set(vol.roles.values_list("role", flat=True)) == {"informant", "liaison"}
    assert AuditEntry.objects.filter(object_type="engage.volunteer",
                                     object_id=str(vol.pk)).exists()


def test_it_refuses_a_resident_out_of_scope(clock: Any, coord_a: Any,
                                            household_b: Any) -> None:
    with pytest.raises(ValidationError, match="not in your grids"):
        services.volunteer_register(actor=coord_a, person=household_b.head, roles=[])
    assert not Volunteer.objects.exists()


def test_it_refuses_a_second_registration_and_an_unknown_role(vol: Volunteer, head: Any,
                                                              household: Any) -> None:
    with pytest.raises(ValidationError, match="already"):
        services.volunteer_register(actor=head, person=household.head, roles=[])
    with pytest.raises(ValidationError):
        services.volunteer_register(actor=head, user=head, roles=["boss"])
    assert Volunteer.objects.count() == 1


def test_a_staff_volunteer_has_no_grid_and_is_seen_community_wide(clock: Any, head: Any,
                                                                  personas: Any) -> None:
    v = services.volunteer_register(actor=head, user=personas["caseworker"],
                                    roles=[VolunteerRole.SERVICE])
    assert v.grid_id is None
    assert selectors.volunteers_for(personas["gridworker"]).filter(pk=v.pk).exists()


# --- the ledger -----------------------------------------------------------------------

def test_the_sum_of_entries_is_the_total(vol: Volunteer, head: Any) -> None:
    _credit(head, vol, "3")
    e = _credit(head, vol, "2.5", DAY - timedelta(days=1))
    hours_reverse(actor=head, entry=e, reason="记错了")
    _credit(head, vol, "1", date(2026, 12, 31))
    total = sum(HoursEntry.objects.filter(volunteer=vol).values_list("hours", flat=True))
    assert selectors.hours_total(vol) == total == Decimal("4")
    assert selectors.hours_total(vol, 2027) == Decimal("3")


def test_an_entry_is_never_edited_or_deleted(vol: Volunteer, head: Any) -> None:
    e = _credit(head, vol, "3")
    e.hours = Decimal("30")
    with pytest.raises(ValueError, match="append-only"):
        e.save()
    with pytest.raises(ValueError, match="append-only"):
        e.delete()
    assert HoursEntry.objects.get(pk=e.pk).hours == Decimal("3")


def test_a_reversal_is_made_once_and_never_reversed(vol: Volunteer, head: Any) -> None:
    e = _credit(head, vol, "3")
    r = hours_reverse(actor=head, entry=e, reason="重复")
    assert r.hours == Decimal("-3") and r.reverses_id == e.pk
    with pytest.raises(ValidationError, match="corrected already"):
        hours_reverse(actor=head, entry=e, reason="again")
    with pytest.raises(ValidationError, match="cannot be corrected"):
        hours_reverse(actor=head, entry=r, reason="undo")
    assert HoursEntry.objects.count() == 2


def test_it_refuses_future_hours_and_more_than_24_a_day(vol: Volunteer, head: Any) -> None:
    with pytest.raises(ValidationError, match="future"):
        _credit(head, vol, "1", DAY + timedelta(days=1))
    _credit(head, vol, "20")
    with pytest.raises(ValidationError, match="24"):
        _credit(head, vol, "5")
    assert HoursEntry.objects.count() == 1


def test_the_ledger_refuses_a_volunteer_out_of_scope(vol: Volunteer, community: Any,
                                                     grid_b: Any) -> None:
    coord_b = make_user("coord_b", Role.COORDINATOR, community, [grid_b])
    with pytest.raises(ValidationError, match="not in your area"):
        _credit(coord_b, vol, "1")
    assert not HoursEntry.objects.exists()


# --- claims ---------------------------------------------------------------------------

def test_a_claim_by_link_waits_then_approval_writes_the_ledger(vol: Volunteer,
                                                                head: Any) -> None:
    c = services_hours.claim_submit_by_link(volunteer=vol, on=DAY, hours="2.5",
                                            what="陪老人看病")
    assert c.status == ClaimStatus.PENDING and not HoursEntry.objects.exists()
    services_hours.claim_approve(actor=head, claim=c)
    c.refresh_from_db()
    assert c.status == ClaimStatus.APPROVED
    assert c.entry.hours == Decimal("2.5") and c.entry.source == HoursSource.SELF
    with pytest.raises(ValidationError, match="decided already"):
        services_hours.claim_reject(actor=head, claim=c, reason="no")


def test_a_rejection_needs_a_reason_and_writes_nothing(vol: Volunteer, head: Any) -> None:
    c = services_hours.claim_submit_by_link(volunteer=vol, on=DAY, hours="1", what="打扫")
    with pytest.raises(ValidationError, match="why"):
        services_hours.claim_reject(actor=head, claim=c, reason=" ")
    services_hours.claim_reject(actor=head, claim=c, reason="那天没有活动")
    c.refresh_from_db()
    assert c.status == ClaimStatus.REJECTED and c.reason == "那天没有活动"
    assert not HoursEntry.objects.exists()


@pytest.mark.parametrize("on, hours, what, message", [
    (DAY + timedelta(days=1), "1", "x", "future"),
    (DAY, "25", "x", "24"),
    (DAY, "abc", "x", "number"),
    (DAY, "-1", "x", "more than 0"),
    (DAY, "1", "  ", "what you did"),
])
def test_a_bad_claim_is_refused(vol: Volunteer, on: date, hours: str, what: str,
                                message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        services_hours.claim_submit_by_link(volunteer=vol, on=on, hours=hours, what=what)
    assert not HoursClaim.objects.exists()


def test_waiting_claims_count_towards_the_days_24_hours(vol: Volunteer) -> None:
    services_hours.claim_submit_by_link(volunteer=vol, on=DAY, hours="20", what="值班")
    with pytest.raises(ValidationError, match="24"):
        services_hours.claim_submit_by_link(volunteer=vol, on=DAY, hours="5", what="值班")


def test_a_link_holds_at_most_the_cap_of_waiting_claims(vol: Volunteer) -> None:
    for i in range(services_hours.MAX_PENDING_CLAIMS):
        services_hours.claim_submit_by_link(volunteer=vol, on=DAY - timedelta(days=i),
                                            hours="1", what="巡楼")
    with pytest.raises(ValidationError, match="waiting"):
        services_hours.claim_submit_by_link(volunteer=vol, on=DAY - timedelta(days=30),
                                            hours="1", what="巡楼")
    assert HoursClaim.objects.count() == services_hours.MAX_PENDING_CLAIMS


def test_a_renewed_link_revokes_the_old_one(vol: Volunteer, head: Any) -> None:
    old = vol.self_token
    assert selectors.volunteer_by_token(old) == vol
    services.volunteer_link_renew(actor=head, volunteer=vol)
    assert selectors.volunteer_by_token(old) is None
    vol.refresh_from_db()
    assert selectors.volunteer_by_token(vol.self_token) == vol


def test_an_approval_out_of_scope_is_a_404(vol: Volunteer, personas: Any,
                                          community: Any, grid_b: Any) -> None:
    c = services_hours.claim_submit_by_link(volunteer=vol, on=DAY, hours="1", what="x")
    coord_b = make_user("coord_b", Role.COORDINATOR, community, [grid_b])
    with pytest.raises(Http404):
        services_hours.claim_approve(actor=coord_b, claim=c)
    assert HoursClaim.objects.get().status == ClaimStatus.PENDING


# --- liaison areas, informant reports ---------------------------------------------------

def test_a_liaison_area_out_of_scope_is_refused(vol: Volunteer, coord_a: Any,
                                                household: Any, household_b: Any) -> None:
    area = services.liaison_area_add(actor=coord_a, volunteer=vol, household=household)
    assert area.grid_id == household.grid_id
    with pytest.raises(ValidationError, match="not in your grids"):
        services.liaison_area_add(actor=coord_a, volunteer=vol, household=household_b)
    with pytest.raises(ValidationError, match="already"):
        services.liaison_area_add(actor=coord_a, volunteer=vol, household=household)
    assert LiaisonArea.objects.count() == 1


def test_an_informant_report_becomes_a_desk_request(vol: Volunteer, head: Any,
                                                     household: Any) -> None:
    category = ServiceCategory.objects.create(code="gen", name_zh_hans="综合")
    item = ServiceItem.objects.create(category=category, code="general", name_zh_hans="其他")
    case = services.informant_report(actor=head, volunteer=vol, summary="楼道灯坏了",
                                     details="三号楼二单元", item=item, household=household)
    assert case.channel == "volunteer" and case.person_id == household.head_id
    assert "信息员" in case.details or vol.person.name in case.details
    assert Case.objects.count() == 1


# --- consent and recognition ----------------------------------------------------------

def test_the_stars_show_only_volunteers_with_consent(vol: Volunteer, head: Any,
                                                      personas: Any) -> None:
    other = services.volunteer_register(actor=head, user=personas["caseworker"], roles=[])
    _credit(head, vol, "5")
    _credit(head, other, "8")
    assert selectors.stars(vol.community_id, 2027) == []
    services.volunteer_consent_record(actor=head, volunteer=vol)
    assert selectors.stars(vol.community_id, 2027) == [vol]
    services.volunteer_consent_withdraw(actor=head, volunteer=vol)
    assert selectors.stars(vol.community_id, 2027) == []
    assert AuditEntry.objects.filter(object_type="engage.volunteer", action="update",
                                     object_id=str(vol.pk)).count() == 2


def test_a_certificate_names_the_volunteer_only_with_consent(vol: Volunteer,
                                                             head: Any) -> None:
    _credit(head, vol, "23")
    cert = services_hours.certificate_issue(actor=head, volunteer=vol, year=2027)
    assert cert.tier == "bronze" and cert.hours == Decimal("23")
    v = Volunteer.objects.select_related("person", "community").get(pk=vol.pk)
    assert vol.person.name not in selectors.public_name(v)
    services.volunteer_consent_record(actor=head, volunteer=vol)
    v.refresh_from_db()
    assert selectors.public_name(v) == vol.person.name
    with pytest.raises(ValidationError, match="issued already"):
        services_hours.certificate_issue(actor=head, volunteer=vol, year=2027)
    services_hours.certificate_revoke(actor=head, certificate=cert)
    assert services_hours.certificate_issue(actor=head, volunteer=vol, year=2027).pk
    assert Certificate.objects.count() == 2


def test_tiers_are_defined_in_one_place(clock: Any) -> None:
    assert [selectors.tier_for(Decimal(h)) for h in ("19.99", "20", "50", "100")] == [
        "", "bronze", "silver", "gold"]
