"""GET /api/v1/duties/, /disputes/ (+ /{id}/), /pairings/ (+ /{id}/): what the
list pages show, for each role and scope, through the same selectors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from jiayuan.care import services as care
from jiayuan.care.choices import DutyRule, DutyStatus
from jiayuan.care.models import Dispute, Duty, Pairing
from jiayuan.core.audit import verify_chain
from jiayuan.core.models import AuditEntry

ALL = ("head", "caseworker", "gridworker", "mediator", "coordinator", "auditor", "admin",
       "outsider")


def duty(household: Any, assignee: Any, *, due: Any, rule: str = DutyRule.DISABILITY,
         status: str = DutyStatus.OPEN, closed_on: Any = None, key: str = "k") -> Duty:
    return Duty.objects.create(household=household, grid_id=household.grid_id, rule=rule,
                               key=key, raised_on=due - timedelta(days=14), due=due,
                               status=status, closed_on=closed_on, assignee=assignee)


@pytest.fixture
def duties(personas: dict, household: Any, household_b: Any) -> dict[str, Duty]:
    today = timezone.localdate()
    return {
        "overdue": duty(household, personas["gridworker"], due=today - timedelta(days=10),
                        key="a"),
        "later": duty(household, None, due=today + timedelta(days=20), key="b"),
        "done": duty(household, personas["gridworker"], due=today - timedelta(days=2),
                     status=DutyStatus.DONE, closed_on=today - timedelta(days=3), key="c"),
        "b": duty(household_b, personas["outsider"], due=today + timedelta(days=20), key="d"),
    }


@pytest.fixture
def dispute(personas: dict, household: Any, grid_a: Any) -> Dispute:
    d = care.dispute_create(actor=personas["head"], grid=grid_a, kind="neighbours",
                            source="walk_in", summary="楼上漏水",
                            mediators=[personas["mediator"]])
    care.party_add(actor=personas["head"], dispute=d, role="applicant", person=household.head)
    care.party_add(actor=personas["head"], dispute=d, role="respondent", name="楼上租户王某")
    care.session_add(actor=personas["mediator"], dispute=d, held_at=timezone.now(),
                     attendees="双方", notes="同意维修", place="调解室")
    d.refresh_from_db()
    return d


@pytest.fixture
def dispute_b(personas: dict, household_b: Any, grid_b: Any) -> Dispute:
    d = care.dispute_create(actor=personas["head"], grid=grid_b, kind="neighbours",
                            source="walk_in", summary="摊位占道")
    care.party_add(actor=personas["head"], dispute=d, role="applicant",
                   household=household_b)
    d.refresh_from_db()
    return d


@pytest.fixture
def pairing(personas: dict, household: Any) -> Pairing:
    p = care.pairing_create(actor=personas["head"], household=household, helper_kind="staff",
                            helper_user=personas["gridworker"], goals="每周电话问候",
                            started=timezone.localdate() - timedelta(days=60))
    care.checkin_add(actor=personas["gridworker"], pairing=p, on=timezone.localdate(),
                     mode="phone", note="一切安好")
    return p


@pytest.fixture
def pairing_b(personas: dict, household_b: Any) -> Pairing:
    return care.pairing_create(actor=personas["head"], household=household_b,
                               helper_kind="staff", helper_user=personas["outsider"],
                               goals="B网格的结对")


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- duties ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ALL)
def test_the_duty_list_by_role_and_scope(api_for: Any, personas: dict, duties: dict,
                                         role: str) -> None:
    response = api_for(personas[role]).get(reverse("api_duty_list"), {"tab": "open"})
    if role == "admin":
        assert response.status_code == 403
        return
    expected = {"gridworker": {"overdue", "later"}, "outsider": {"b"}}.get(
        role, {"overdue", "later", "b"})
    assert ids(response) == {duties[k].pk for k in expected}


def test_the_duty_tabs_are_the_pages(api_for: Any, personas: dict, duties: dict) -> None:
    api = api_for(personas["head"])
    url = reverse("api_duty_list")
    assert ids(api.get(url, {"tab": "overdue"})) == {duties["overdue"].pk}
    assert ids(api.get(url, {"tab": "done"})) == {duties["done"].pk}
    row = api.get(url, {"tab": "overdue"}).json()["results"][0]
    assert row["days_late"] == 10
    # The grid worker's default tab is "mine", as on the page.
    assert ids(api_for(personas["gridworker"]).get(url)) == {duties["overdue"].pk}
    # An auditor may not log visits: no "mine" tab.
    assert api_for(personas["auditor"]).get(url, {"tab": "mine"}).status_code == 400
    assert api.get(url, {"tab": "nope"}).status_code == 400


def test_a_sensitive_reason_is_hidden_or_shown_and_audited(
        api_for: Any, personas: dict, household: Any) -> None:
    duty(household, None, due=timezone.localdate(), rule=DutyRule.ILLNESS, key="s")
    url = reverse("api_duty_list")
    hidden = api_for(personas["mediator"]).get(url).json()["results"][0]
    assert hidden["reason"] == "必访任务"  # "Must-visit duty"
    assert not AuditEntry.objects.filter(action="view_sensitive").exists()
    shown = api_for(personas["caseworker"]).get(url).json()["results"][0]
    assert shown["reason"] != "必访任务"  # "Must-visit duty"
    assert AuditEntry.objects.filter(action="view_sensitive", object_type="care.duty",
                                     actor_id=personas["caseworker"].pk).count() == 1
    assert verify_chain().ok


def test_a_grid_out_of_scope_is_404(api_for: Any, personas: dict, grid_b: Any) -> None:
    response = api_for(personas["gridworker"]).get(reverse("api_duty_list"),
                                                   {"grid": grid_b.pk})
    assert response.status_code == 404


# --- disputes ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", ALL)
def test_the_dispute_list_and_detail_by_role_and_scope(
        api_for: Any, personas: dict, dispute: Dispute, dispute_b: Dispute, role: str) -> None:
    api = api_for(personas[role])
    listed = api.get(reverse("api_dispute_list"))
    one = api.get(reverse("api_dispute_detail", args=[dispute.pk]))
    if role in ("admin", "coordinator"):
        assert listed.status_code == one.status_code == 403
        return
    expected = {"gridworker": {dispute.pk}, "outsider": {dispute_b.pk}}.get(
        role, {dispute.pk, dispute_b.pk})
    assert ids(listed) == expected
    assert one.status_code == (404 if role == "outsider" else 200)


def test_the_dispute_page_data(api_for: Any, personas: dict, dispute: Dispute,
                               household: Any) -> None:
    data = api_for(personas["mediator"]).get(
        reverse("api_dispute_detail", args=[dispute.pk])).json()
    assert data["ref"] == dispute.ref and data["version"] == dispute.version
    roles = {p["role"]: p for p in data["parties"]}
    assert roles["applicant"]["household"] is None or roles["applicant"]["name"]
    assert roles["respondent"]["name"] == "楼上租户王某"
    assert roles["respondent"]["in_registry"] is False
    assert [s["notes"] for s in data["sessions"]] == ["同意维修"]
    assert data["mediators"] == [{"id": personas["mediator"].pk, "name":
                                  personas["mediator"].display_name}]


def test_a_household_party_of_another_grid_is_not_linked(
        api_for: Any, personas: dict, community: Any, grid_a: Any, dispute_b: Dispute,
        household_b: Any) -> None:
    from jiayuan.core.roles import Role
    from tests.conftest import make_user

    mediator_a = make_user("mediator_a", Role.MEDIATOR, community, [grid_a])
    # A community-wide reader sees the household; the dispute of grid B is out of
    # scope for a grid-A account altogether.
    party = api_for(personas["head"]).get(
        reverse("api_dispute_detail", args=[dispute_b.pk])).json()["parties"][0]
    assert party["household"] == {"id": household_b.pk, "dwelling": household_b.dwelling.code}
    assert api_for(mediator_a).get(
        reverse("api_dispute_detail", args=[dispute_b.pk])).status_code == 404


def test_dispute_filters(api_for: Any, personas: dict, dispute: Dispute) -> None:
    api = api_for(personas["mediator"])
    url = reverse("api_dispute_list")
    assert ids(api.get(url, {"tab": "mine"})) == {dispute.pk}
    assert ids(api.get(url, {"tab": "closed"})) == set()
    assert ids(api.get(url, {"kind": "neighbours"})) == {dispute.pk}
    assert api.get(url, {"kind": "nope"}).status_code == 400
    assert api.get(url, {"tab": "nope"}).status_code == 400


# --- pairings ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", ALL)
def test_the_pairings_by_role_and_scope(api_for: Any, personas: dict, pairing: Pairing,
                                        pairing_b: Pairing, role: str) -> None:
    api = api_for(personas[role])
    listed = api.get(reverse("api_pairing_list"))
    one = api.get(reverse("api_pairing_detail", args=[pairing.pk]))
    if role == "admin":
        assert listed.status_code == one.status_code == 403
        return
    expected = {"gridworker": {pairing.pk}, "outsider": {pairing_b.pk}}.get(
        role, {pairing.pk, pairing_b.pk})
    assert ids(listed) == expected
    assert one.status_code == (404 if role == "outsider" else 200)
    if role == "outsider":
        assert AuditEntry.objects.filter(action="denied", object_type="care.pairing",
                                         object_id=str(pairing.pk)).exists()


def test_the_pairing_with_its_checkins(api_for: Any, personas: dict, pairing: Pairing) -> None:
    data = api_for(personas["caseworker"]).get(
        reverse("api_pairing_detail", args=[pairing.pk])).json()
    assert data["helper"]["name"] == personas["gridworker"].display_name
    assert data["checkin_count"] == 1
    assert [c["note"] for c in data["checkins"]] == ["一切安好"]
    assert data["days_since_contact"] == 0 and data["quiet"] is False


def test_pairing_tabs(api_for: Any, personas: dict, pairing: Pairing) -> None:
    url = reverse("api_pairing_list")
    api = api_for(personas["gridworker"])
    assert ids(api.get(url, {"tab": "mine"})) == {pairing.pk}
    assert ids(api.get(url, {"tab": "ended"})) == set()
    assert api.get(url, {"tab": "nope"}).status_code == 400


@pytest.mark.parametrize("name", ["api_duty_list", "api_dispute_list", "api_pairing_list"])
def test_reads_refuse_post_and_strangers(api_for: Any, personas: dict, name: str) -> None:
    assert APIClient().get(reverse(name)).status_code == 401
    assert api_for(personas["head"]).post(reverse(name), {}, format="json").status_code == 405
    assert api_for(personas["head"], read_only=True).post(
        reverse(name), {}, format="json").status_code == 403


@pytest.mark.parametrize("name", ["api_dispute_detail", "api_pairing_detail"])
def test_missing_is_404(api_for: Any, personas: dict, name: str) -> None:
    response = api_for(personas["head"]).get(reverse(name, args=[2**31 - 1]))
    assert response.status_code == 404
