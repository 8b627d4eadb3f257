"""Triage of unmatched requests: residents registered with the caller's phone
number are offered first, within the worker's grids only."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse


def page(user: Any, case: Any) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client.get(reverse("case_detail", args=[case.pk])).content.decode()


def test_a_caller_with_a_registered_phone_is_offered_for_linking(make_case, household,
                                                                 household_b, personas):
    # 郑容哲 (grid A) is registered with 13812345678; the caller gave it too.
    case = make_case(caller_name="郑先生", caller_phone="13812345678")
    body = page(personas["gridworker"], case)
    assert 'id="phone-matches"' in body and "鄭容哲" in body
    assert f'name="person" value="{household.head_id}"' in body
    # The grid-B worker sees the unmatched request but not a resident of grid A.
    outsider = page(personas["outsider"], case)
    assert "鄭容哲" not in outsider and 'id="phone-matches"' not in outsider
    # A role that reads cases without working them gets no linking at all.
    assert 'id="phone-matches"' not in page(personas["auditor"], case)


def test_linking_the_offered_resident_matches_the_request(make_case, household, personas):
    case = make_case(caller_name="郑先生", caller_phone="13812345678")
    client = Client()
    client.force_login(personas["caseworker"])
    response = client.post(reverse("case_match", args=[case.pk]),
                           {"person": household.head_id, "version": case.version})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.person_id == household.head_id
    assert 'id="phone-matches"' not in page(personas["caseworker"], case)


def test_no_offer_for_an_unknown_phone(make_case, household, personas):
    case = make_case(caller_name="王先生", caller_phone="13900000000")
    assert 'id="phone-matches"' not in page(personas["caseworker"], case)
