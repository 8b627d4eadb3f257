"""The erasure page (rights.views_erasure) and the person page's section."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jiayuan.core.models import AuditEntry
from jiayuan.core.roles import Role
from jiayuan.places.models import Community
from jiayuan.registry.models import Person
from tests.conftest import make_user

SPOUSE = "金英姬"


def client_for(user: Any, lang: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


@pytest.fixture
def spouse(household: Any) -> Person:
    return household.members.get(name=SPOUSE)


def url(person: Person) -> str:
    return reverse("rights:person_erase", args=[person.pk])


def form(person: Person, **extra: Any) -> dict[str, Any]:
    data = {"reason": "request", "confirm_name": SPOUSE, "understood": "on",
            "version": person.version}
    data.update(extra)
    return data


def test_it_shows_the_way_to_erase_to_a_head_only(spouse, personas):
    page = reverse("person_detail", args=[spouse.pk])
    assert url(spouse) in client_for(personas["head"]).get(page).content.decode()
    assert url(spouse) not in client_for(personas["caseworker"]).get(page).content.decode()


def test_it_erases_after_the_name_is_typed_and_shows_the_tombstone(spouse, personas):
    client = client_for(personas["head"])
    body = client.get(url(spouse)).content.decode()
    assert "This cannot be undone." in body
    response = client.post(url(spouse), form(spouse))
    assert response.status_code == 302
    assert response["Location"] == reverse("person_detail", args=[spouse.pk])
    spouse.refresh_from_db()
    assert spouse.is_erased
    page = client.get(response["Location"]).content.decode()
    assert f"Erased person #{spouse.pk}" in page
    assert "This person's data was erased on" in page and SPOUSE not in page
    # In the reader's language.
    page_zh = client_for(personas["caseworker"], "zh-hans").get(response["Location"])
    assert SPOUSE not in page_zh.content.decode()
    # Erased already: the page goes back to the person.
    assert client.get(url(spouse)).status_code == 302


@pytest.mark.parametrize(("extra", "field"), [
    ({"confirm_name": "金英"}, "not the person&#x27;s name"),
    ({"reason": "because"}, "Select a valid choice"),
    ({"reason": ""}, "This field is required"),
    ({"understood": ""}, "This field is required"),
])
def test_a_wrong_or_forged_form_erases_nothing(spouse, personas, extra, field):
    response = client_for(personas["head"]).post(url(spouse), form(spouse, **extra))
    assert response.status_code == 200 and field in response.content.decode()
    spouse.refresh_from_db()
    assert spouse.name == SPOUSE


def test_a_stale_form_is_a_conflict(spouse, personas):
    response = client_for(personas["head"]).post(url(spouse),
                                                 form(spouse, version=spouse.version - 1))
    assert response.status_code == 409
    spouse.refresh_from_db()
    assert spouse.name == SPOUSE


def test_the_head_with_other_members_gets_a_clear_message(household, personas):
    head_person = household.head
    response = client_for(personas["head"]).post(url(head_person), form(
        head_person, confirm_name=head_person.name))
    assert response.status_code == 200
    assert "choose a new head first" in response.content.decode()


@pytest.mark.parametrize("role", ["caseworker", "gridworker", "auditor", "admin"])
def test_others_are_refused_and_it_is_audited_once(spouse, personas, role):
    before = AuditEntry.objects.filter(action="denied").count()
    response = client_for(personas[role]).post(url(spouse), form(spouse))
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="denied").count() == before + 1
    spouse.refresh_from_db()
    assert spouse.name == SPOUSE


def test_a_head_out_of_scope_gets_not_found_audited_once(spouse):
    far = make_user("far-head", Role.HEAD, Community.objects.create(name="别的社区", code="FAR"))
    client = client_for(far)
    for method in (client.get, client.post):
        before = AuditEntry.objects.filter(action="denied", object_type="registry.person",
                                           object_id=str(spouse.pk)).count()
        assert method(url(spouse), form(spouse)).status_code == 404
        assert AuditEntry.objects.filter(action="denied", object_type="registry.person",
                                         object_id=str(spouse.pk)).count() == before + 1
    spouse.refresh_from_db()
    assert spouse.name == SPOUSE
    # A missing person is the same 404.
    assert client.get(reverse("rights:person_erase", args=[2**31 - 1])).status_code == 404
