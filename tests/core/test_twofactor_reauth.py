"""Re-authentication (jiayuan.core.reauth): a whole ID number and an export with
sensitive columns need a password or code given within REAUTH_SECONDS."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from jiayuan.core import reauth, twofactor
from jiayuan.core.models import AuditEntry
from tests.conftest import ZHENG_ID, station_moment
from tests.core.test_twofactor import PASSWORD, code_of

MOMENT = station_moment(date(2026, 3, 2))
REASON = "subsidy renewal list for the civil affairs office"


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(MOMENT, tick=False) as traveller:
        yield traveller


def stale(c: Client) -> None:
    """The confirmation is older than REAUTH_SECONDS."""
    session = c.session
    session[reauth.CONFIRMED] = session[reauth.CONFIRMED] - 301
    session.save()


def reveal(c: Client, pk: int, field: str = "id_number") -> Any:
    return c.post(reverse("person_reveal", kwargs={"pk": pk, "field": field}),
                  HTTP_HX_REQUEST="true")


def test_revealing_an_id_number_without_a_recent_confirmation_asks_for_one(
        household, personas, clock):
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(personas["caseworker"])
    stale(c)
    response = reveal(c, household.head_id)
    body = response.content.decode()
    assert response.status_code == 200 and ZHENG_ID not in body
    assert reverse("reauth_confirm") in body and household.head.id_number_mask in body
    assert not AuditEntry.objects.filter(action="reveal").exists()
    # A phone number does not need it.
    assert reveal(c, household.head_id, "phone").status_code == 200
    assert AuditEntry.objects.filter(action="reveal").count() == 1


def test_a_code_on_the_confirmation_page_then_reveals_it(household, personas, clock):
    user = personas["caseworker"]
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    stale(c)
    device = twofactor.authenticator(user)
    page = reverse("person_detail", args=[household.head_id])
    form = c.get(reauth.confirm_url(page)).content.decode()
    assert 'name="code"' in form and 'name="answer"' not in form
    response = c.post(reverse("reauth_confirm"), {"code": code_of(device), "next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert ZHENG_ID in reveal(c, household.head_id).content.decode()
    clock.shift(timedelta(seconds=301))
    assert ZHENG_ID not in reveal(c, household.head_id).content.decode()


def test_without_a_device_the_password_confirms(household, personas, clock, settings):
    settings.MFA_REQUIRED = False  # the demo: no second factor
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.post(reverse("login"), {"username": "caseworker", "password": PASSWORD})
    assert not reauth.recently_confirmed(type("R", (), {"session": c.session})())  # login alone
    assert ZHENG_ID not in reveal(c, household.head_id).content.decode()
    form = c.get(reverse("reauth_confirm")).content.decode()
    assert 'name="answer"' in form
    c.post(reverse("reauth_confirm"), {"answer": PASSWORD, "next": "/"})
    assert ZHENG_ID in reveal(c, household.head_id).content.decode()


def test_wrong_passwords_are_audited_once_and_end_the_session_at_the_limit(
        personas, clock, settings):
    settings.MFA_REQUIRED = False
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.post(reverse("login"), {"username": "caseworker", "password": PASSWORD})
    for n in range(settings.LOGIN_FAILURE_LIMIT - 1):
        response = c.post(reverse("reauth_confirm"), {"answer": f"guess-{n}"})
        assert response.status_code == 400
        assert "That is not your password" in response.content.decode()
    assert c.get("/").status_code == 200
    response = c.post(reverse("reauth_confirm"), {"answer": "guess-last"})
    assert response["Location"] == reverse("login")
    assert c.get("/")["Location"].startswith(reverse("login"))  # logged out
    user = personas["caseworker"]
    said = [e.changes for e in AuditEntry.objects.filter(object_id=str(user.pk),
                                                         action="denied")]
    assert said == [{"second factor": "wrong password when confirming"}]
    assert AuditEntry.objects.filter(action="logout", actor_username="caseworker").exists()


def test_an_export_with_sensitive_columns_asks_for_a_confirmation_first(
        household, personas, clock):
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(personas["head"])
    stale(c)
    data = {"dataset": "people", "format": "csv", "sensitive": ["id_number_whole"],
            "reason": REASON}
    response = c.post(reverse("export_download"), data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reauth_confirm"))
    assert not AuditEntry.objects.filter(action="export").exists()
    # Without sensitive columns no confirmation is needed.
    plain = c.post(reverse("export_download"), {"dataset": "people", "format": "csv"})
    assert plain.status_code == 200
    assert AuditEntry.objects.filter(action="export").count() == 1
    c.post(reverse("reauth_confirm"), {"code": code_of(twofactor.authenticator(
        personas["head"]))})
    response = c.post(reverse("export_download"), data)
    assert response.status_code == 200
    assert ZHENG_ID in b"".join(response.streaming_content).decode("utf-8-sig")
