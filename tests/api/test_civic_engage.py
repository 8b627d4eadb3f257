"""GET /api/v1/activities/ (+ /{id}/ with sessions) and /api/v1/volunteers/:
over the engage pages' selectors, with what the lists show (no sign-ups'
names or phones, no volunteer's contact)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from jiayuan.core.audit import verify_chain
from jiayuan.core.models import AuditEntry
from jiayuan.core.roles import Perm
from jiayuan.engage.activities import services as activities
from jiayuan.engage.volunteers import services as volunteers

ROLES = ("head", "caseworker", "gridworker", "mediator", "coordinator", "auditor", "admin",
         "outsider")
ACTIVITIES = reverse("api_activity_list")
VOLUNTEERS = reverse("api_volunteer_list")


def activity_url(pk: Any) -> str:
    return reverse("api_activity_detail", args=[pk])


@pytest.fixture
def activity(personas: dict, grid_a: Any) -> Any:
    a = activities.activity_create(actor=personas["head"], kind="themed", title="A网格包饺子",
                                   grid=grid_a)
    start = timezone.now() + timedelta(days=5)
    activities.session_add(actor=personas["head"], activity=a, starts_at=start,
                           ends_at=start + timedelta(hours=2), place="活动室", capacity=20)
    return a


@pytest.fixture
def activity_b(personas: dict, grid_b: Any) -> Any:
    return activities.activity_create(actor=personas["head"], kind="legal", title="B网格普法",
                                      grid=grid_b)


@pytest.fixture
def volunteer(personas: dict, household: Any) -> Any:
    return volunteers.volunteer_register(actor=personas["head"], person=household.head,
                                         roles=["service"], skills="理发")


@pytest.fixture
def volunteer_b(personas: dict, household_b: Any) -> Any:
    return volunteers.volunteer_register(actor=personas["head"], person=household_b.head,
                                         roles=["culture"])


def test_anonymous_gets_401(db: Any) -> None:
    for url in (ACTIVITIES, activity_url(1), VOLUNTEERS):
        assert APIClient().get(url).status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_activities_in_scope(api_for: Any, personas: dict, activity: Any, activity_b: Any,
                             role: str) -> None:
    user = personas[role]
    response = api_for(user).get(ACTIVITIES)
    if not user.has(Perm.VIEW_ENGAGE):
        assert response.status_code == 403
        assert AuditEntry.objects.filter(action="denied", actor_id=user.pk).exists()
        return
    ids = {r["id"] for r in response.json()["results"]}
    expected = {"gridworker": {activity.pk}, "outsider": {activity_b.pk}}.get(
        role, {activity.pk, activity_b.pk})
    assert ids == expected


def test_activity_filters(api_for: Any, personas: dict, activity: Any,
                          activity_b: Any) -> None:
    client = api_for(personas["head"])
    assert [r["id"] for r in client.get(ACTIVITIES, {"upcoming": "true"}).json()[
        "results"]] == [activity.pk]
    assert [r["id"] for r in client.get(ACTIVITIES, {"kind": "legal"}).json()[
        "results"]] == [activity_b.pk]
    assert [r["id"] for r in client.get(ACTIVITIES, {"q": "饺子"}).json()[
        "results"]] == [activity.pk]
    assert client.get(ACTIVITIES, {"kind": "nope"}).status_code == 400


@pytest.mark.parametrize("role", ROLES)
def test_one_activity_with_its_sessions(api_for: Any, personas: dict, activity: Any,
                                        role: str) -> None:
    user = personas[role]
    response = api_for(user).get(activity_url(activity.pk))
    if not user.has(Perm.VIEW_ENGAGE):
        assert response.status_code == 403
    elif role == "outsider":
        assert response.status_code == 404
    else:
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["sessions_count"] == 1 and data["organiser"]["id"] == personas["head"].pk
        session = data["sessions"][0]
        assert session["capacity"] == 20 and session["confirmed"] == 0
        assert "checkin_token" not in session
    assert verify_chain().ok


def test_missing_activity_is_404(api_for: Any, personas: dict) -> None:
    for pk in ("999999", str(2**80), "x"):
        assert api_for(personas["head"]).get(activity_url(pk)).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_volunteers_in_scope(api_for: Any, personas: dict, volunteer: Any, volunteer_b: Any,
                             role: str) -> None:
    user = personas[role]
    response = api_for(user).get(VOLUNTEERS)
    if not user.has(Perm.VIEW_ENGAGE):
        assert response.status_code == 403
        return
    rows = response.json()["results"]
    expected = {"gridworker": {volunteer.pk}, "outsider": {volunteer_b.pk}}.get(
        role, {volunteer.pk, volunteer_b.pk})
    assert {r["id"] for r in rows} == expected
    for r in rows:
        assert set(r) == {"id", "name", "staff", "status", "roles", "grid", "year_hours",
                          "tier"}  # no contact, no skills, no ethnicity


def test_volunteer_row_and_filters(api_for: Any, personas: dict, volunteer: Any,
                                   volunteer_b: Any, household: Any) -> None:
    client = api_for(personas["head"])
    rows = client.get(VOLUNTEERS, {"role": "service"}).json()["results"]
    assert rows == [{"id": volunteer.pk, "name": household.head.name, "staff": False,
                     "status": "active", "roles": ["service"],
                     "grid": {"id": household.grid_id,
                              "label": f"{household.grid.code} {household.grid.name}"},
                     "year_hours": "0.00", "tier": ""}]
    assert client.get(VOLUNTEERS, {"status": "left"}).json()["count"] == 0
    assert client.get(VOLUNTEERS, {"role": "x"}).status_code == 400


def test_post_is_not_allowed(api_for: Any, personas: dict, activity: Any) -> None:
    client = api_for(personas["head"])
    for url in (ACTIVITIES, activity_url(activity.pk), VOLUNTEERS):
        assert client.post(url, {}, format="json").status_code == 405
