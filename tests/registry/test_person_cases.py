"""The person page lists the requests the person made, for roles that see cases."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse


def page_for(user, person) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client.get(reverse("person_detail", args=[person.pk])).content.decode()


def test_it_lists_the_persons_requests(make_case, household, personas):
    mine = make_case(person=household.head, summary="孩子需要入学")
    other = make_case(person=None, summary="别人的事")
    body = page_for(personas["caseworker"], household.head)
    assert 'id="cases"' in body and mine.ref in body and other.ref not in body


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_roles_that_do_not_see_cases_get_no_list(make_case, household, personas, role):
    case = make_case(person=household.head)
    body = page_for(personas[role], household.head)
    assert 'id="cases"' not in body and case.ref not in body
