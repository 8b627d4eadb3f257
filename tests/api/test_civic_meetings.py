"""GET /api/v1/meetings/ and /{id}/: meetings with their decisions over the
pages' selectors (the list's tabs, scope, a carrying request named only as
far as the account may open it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from jiayuan.civic.meetings import services
from jiayuan.civic.meetings import services_decisions as decisions
from jiayuan.core.audit import verify_chain
from jiayuan.core.models import AuditEntry
from jiayuan.core.roles import Perm

ROLES = ("head", "caseworker", "gridworker", "mediator", "coordinator", "auditor", "admin",
         "outsider")
LIST = reverse("api_meeting_list")


def detail(pk: Any) -> str:
    return reverse("api_meeting_detail", args=[pk])


def _meeting(head: Any, grid: Any, title: str, days: int) -> Any:
    return services.meeting_create(actor=head, kind="roundtable", title=title, grid=grid,
                                   starts_at=timezone.now() + timedelta(days=days),
                                   organiser=head, agenda=["议题一"])


@pytest.fixture
def meeting(personas: dict, grid_a: Any) -> Any:
    return _meeting(personas["head"], grid_a, "A网格圆桌会", 3)


@pytest.fixture
def past_b(personas: dict, grid_b: Any) -> Any:
    return _meeting(personas["head"], grid_b, "B网格圆桌会", -3)


def test_anonymous_gets_401(db: Any) -> None:
    for url in (LIST, detail(1)):
        assert APIClient().get(url).status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_the_list_shows_the_meetings_in_scope(api_for: Any, personas: dict, meeting: Any,
                                              past_b: Any, role: str) -> None:
    user = personas[role]
    client = api_for(user)
    response = client.get(LIST, {"tab": "upcoming"})
    if not user.has(Perm.VIEW_CIVIC):
        assert response.status_code == 403
        assert AuditEntry.objects.filter(action="denied", actor_id=user.pk).exists()
        return
    upcoming = {r["id"] for r in response.json()["results"]}
    past = {r["id"] for r in client.get(LIST, {"tab": "past"}).json()["results"]}
    assert upcoming == ({meeting.pk} if role != "outsider" else set())
    assert past == ({past_b.pk} if role not in ("gridworker",) else set())


def test_the_list_matches_the_page(api_for: Any, personas: dict, meeting: Any,
                                   past_b: Any) -> None:
    head = personas["head"]
    page = Client()
    page.force_login(head)
    html = page.get(reverse("meeting_list"), {"tab": "mine"}).content.decode()
    rows = api_for(head).get(LIST, {"tab": "mine"}).json()["results"]
    assert [r["id"] for r in rows] == [meeting.pk, past_b.pk]
    for r in rows:
        assert r["ref"] in html
    assert rows[0]["organiser"]["id"] == head.pk and rows[0]["decisions_count"] == 0
    assert api_for(head).get(LIST, {"kind": "council"}).json()["count"] == 0


@pytest.mark.parametrize("query", [{"tab": "all"}, {"kind": "party"}])
def test_a_bad_filter_is_a_400(api_for: Any, personas: dict, query: dict) -> None:
    response = api_for(personas["head"]).get(LIST, query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("role", ROLES)
def test_one_meeting_with_its_decisions(api_for: Any, personas: dict, meeting: Any,
                                        role: str) -> None:
    head = personas["head"]
    decisions.decision_add(actor=head, meeting=meeting, text="装扶手", owner=head,
                           due=timezone.localdate() + timedelta(days=30))
    user = personas[role]
    response = api_for(user).get(detail(meeting.pk))
    if not user.has(Perm.VIEW_CIVIC):
        assert response.status_code == 403
    elif role == "outsider":
        assert response.status_code == 404
    else:
        assert response.status_code == 200, response.content
        data = response.json()
        assert [d["text"] for d in data["decisions"]] == ["装扶手"]
        assert data["decisions"][0]["owner"]["id"] == head.pk
        assert data["decisions_count"] == 1
        assert [a["title"] for a in data["agenda"]] == ["议题一"]
        assert data["quorum"]["reached"] is True
    assert verify_chain().ok


def test_missing_and_odd_ids_are_404(api_for: Any, personas: dict) -> None:
    client = api_for(personas["head"])
    for pk in ("999999", str(2**80), "x"):
        assert client.get(detail(pk)).status_code == 404


def test_post_is_not_allowed(api_for: Any, personas: dict, meeting: Any) -> None:
    client = api_for(personas["head"])
    assert client.post(LIST, {}, format="json").status_code == 405
    assert client.post(detail(meeting.pk), {}, format="json").status_code == 405


@pytest.mark.parametrize("role", ["head", "coordinator"])
def test_a_carrying_request_is_named_as_far_as_the_role_may_open_it(
        api_for: Any, personas: dict, meeting: Any, case: Any, role: str) -> None:
    head = personas["head"]
    decisions.decision_add(actor=head, meeting=meeting, text="转办", owner=head,
                           due=timezone.localdate() + timedelta(days=30), case=case)
    user = personas[role]
    shown = api_for(user).get(detail(meeting.pk)).json()["decisions"][0]["case"]
    assert shown["ref"] == case.ref
    if user.has(Perm.VIEW_CASES):
        assert shown["id"] == case.pk and shown["status"] == case.status
    else:  # as the page: the reference, no link, no status
        assert shown["id"] is None and shown["status"] is None
