"""Every page for every persona: who gets 200, who 403, who 404 (out of scope)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

ALL = {"head", "caseworker", "gridworker", "mediator", "coordinator", "auditor", "admin"}
EDIT = {"head", "caseworker", "gridworker"}

# (url name, kwargs builder, roles allowed, outsider sees 404 because out of scope)
PAGES = [
    ("home", lambda h: {}, ALL, False),
    ("household_list", lambda h: {}, ALL, False),
    ("search", lambda h: {}, ALL, False),
    ("household_detail", lambda h: {"pk": h.pk}, ALL, True),
    ("household_edit", lambda h: {"pk": h.pk}, EDIT, True),
    ("household_move", lambda h: {"pk": h.pk}, EDIT, True),
    ("household_move_out", lambda h: {"pk": h.pk}, EDIT, True),
    ("household_pdf", lambda h: {"pk": h.pk}, EDIT, True),
    ("household_create", lambda h: {}, EDIT, False),
    ("person_create", lambda h: {"pk": h.pk}, EDIT, True),
    ("circumstance_add", lambda h: {"pk": h.pk}, EDIT, True),
    ("person_detail", lambda h: {"pk": h.head_id}, ALL, True),
    ("person_edit", lambda h: {"pk": h.head_id}, EDIT, True),
    ("person_move", lambda h: {"pk": h.head_id}, EDIT, True),
    ("person_leave", lambda h: {"pk": h.head_id}, EDIT, True),
    ("consent_add", lambda h: {"pk": h.head_id}, EDIT, True),
    ("audit_log", lambda h: {}, {"head", "auditor", "admin"}, False),
    ("business_list", lambda h: {}, ALL, False),
]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("name,kwargs,allowed,scoped", PAGES, ids=[p[0] for p in PAGES])
def test_every_page_gives_each_persona_the_right_answer(household, personas, name, kwargs,
                                                        allowed, scoped):
    url = reverse(name, kwargs=kwargs(household))
    for role, user in personas.items():
        status = client_for(user).get(url).status_code
        if role == "outsider":
            expected = 404 if scoped else (200 if "gridworker" in allowed else 403)
        else:
            expected = 200 if role in allowed else 403
        assert status == expected, f"{role} got {status} on {url}, expected {expected}"


@pytest.mark.parametrize("name,kwargs,allowed,scoped", PAGES, ids=[p[0] for p in PAGES])
def test_anonymous_visitors_are_sent_to_login(household, name, kwargs, allowed, scoped):
    response = Client().get(reverse(name, kwargs=kwargs(household)))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_out_of_scope_looks_exactly_like_missing(household, personas):
    client = client_for(personas["outsider"])
    real = client.get(reverse("household_detail", kwargs={"pk": household.pk}))
    missing = client.get(reverse("household_detail", kwargs={"pk": 987654}))
    assert real.status_code == missing.status_code == 404
    assert real.content == missing.content


def test_out_of_scope_attempts_are_audited(household, personas):
    from jiayuan.core.models import AuditEntry

    client_for(personas["outsider"]).get(reverse("person_detail",
                                                 kwargs={"pk": household.head_id}))
    assert AuditEntry.objects.filter(action="denied", actor_username="outsider",
                                     object_type="registry.person",
                                     object_id=str(household.head_id)).exists()


def test_the_outsider_does_not_see_grid_a_in_lists(household, household_b, personas):
    page = client_for(personas["outsider"]).get(reverse("household_list")).content.decode()
    assert f'href="/households/{household_b.pk}/"' in page
    assert f'href="/households/{household.pk}/"' not in page


def test_sensitive_circumstances_are_hidden_from_roles_without_the_permission(
        household, personas):
    from datetime import date

    from jiayuan.registry import services

    services.circumstance_add(actor=personas["head"], household=household,
                              kind="serious_illness", started=date(2025, 1, 1),
                              person=household.head, note="透析", sensitive_consent=True)
    url = reverse("household_detail", kwargs={"pk": household.pk})
    body = client_for(personas["caseworker"]).get(url, HTTP_ACCEPT_LANGUAGE="en").content
    assert "透析" in body.decode() and "Ethnic group" in body.decode()
    for role in ("mediator", "coordinator", "auditor", "admin"):
        body = client_for(personas[role]).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "透析" not in body, role
        assert "Ethnic group" not in body and "Korean" not in body, role


def test_businesses_are_listed_within_scope(household, household_b, personas):
    from jiayuan.registry.models import Business

    Business.objects.create(grid=household.grid, name="朝鲜族冷面馆", kind="restaurant",
                            owner=household.head, dwelling=household.dwelling)
    Business.objects.create(grid=household_b.grid, name="兰州拉面", kind="restaurant",
                            owner=household_b.head)
    body = client_for(personas["gridworker"]).get(reverse("business_list")).content.decode()
    assert "朝鲜族冷面馆" in body and "兰州拉面" not in body


def test_a_head_sees_the_audit_of_their_own_station_only(household, personas):
    from jiayuan.core.models import User
    from jiayuan.places.models import Community

    other = Community.objects.create(name="别的社区", code="OTH")
    stranger = User.objects.create_user(username="stranger", password="x", role="caseworker",
                                        community=other)
    from jiayuan.core import audit

    audit.record("update", actor=stranger, object_type="registry.person", object_id=424242)
    mine = client_for(personas["head"]).get(reverse("audit_log")).content.decode()
    assert "424242" not in mine and "stranger" not in mine
    everything = client_for(personas["auditor"]).get(reverse("audit_log")).content.decode()
    assert "stranger" in everything and "424242" in everything


def test_denied_posts_are_audited_even_when_refused_early(household, personas):
    from datetime import date

    from jiayuan.core.models import AuditEntry
    from jiayuan.registry import services

    consent = services.consent_record(actor=personas["head"], person=household.head,
                                      purpose="photo", recorded_on=date(2026, 1, 1))
    response = client_for(personas["mediator"]).post(reverse(
        "consent_withdraw", kwargs={"pk": household.head_id, "cid": consent.pk}))
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="denied", actor_username="mediator").exists()
    consent.refresh_from_db()
    assert consent.status == "given"


def test_pages_about_residents_are_never_cached(household, personas):
    response = client_for(personas["head"]).get(reverse("household_detail",
                                                        kwargs={"pk": household.pk}))
    assert "no-store" in response["Cache-Control"]
