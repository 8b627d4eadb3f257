"""The second factor (jiayuan.core.twofactor): who must give one, the code
page after the password, enrolment, wrong and replayed codes, recovery codes
and a head's reset. These tests log in through the login page: no
`force_login` (which stands for someone who gave their code already)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiayuan.core import twofactor
from jiayuan.core.models import AuditEntry, User, UserSession
from jiayuan.core.roles import Role
from jiayuan.places.models import Community
from tests.conftest import make_user, station_moment

PASSWORD = "pw-for-tests-only"
MOMENT = station_moment(date(2026, 3, 2))


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(MOMENT, tick=False) as traveller:
        yield traveller


def code_of(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def device_for(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def password_login(username: str) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = c.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return c


def give_code(c: Client, code: str, next_url: str = "/") -> Any:
    return c.post(reverse("two_factor_verify"), {"code": code, "next": next_url})


def denied(user: User) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="denied", object_type="core.user",
                                          object_id=str(user.pk)))


# --- who must give one ----------------------------------------------------------------

@pytest.mark.parametrize("role", ["head", "caseworker", "gridworker", "mediator", "auditor",
                                  "admin"])
def test_it_requires_a_second_factor_of_every_role_that_sees_or_takes_personal_data(
        personas, role):
    assert twofactor.required(personas[role])


def test_it_does_not_require_one_of_a_volunteer_coordinator(personas):
    assert not twofactor.required(personas["coordinator"])


def test_it_requires_none_when_the_operator_turns_it_off(personas, settings):
    settings.MFA_REQUIRED = False
    assert not twofactor.required(personas["head"])
    c = password_login("caseworker")
    assert c.get("/").status_code == 200


# --- the login step -----------------------------------------------------------------

def test_it_sends_a_caseworker_without_an_authenticator_to_enrolment(personas):
    c = password_login("caseworker")
    for path in ("/", reverse("household_list"), reverse("audit_log"), "/admin/"):
        response = c.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("two_factor_enrol")), path


def test_it_sends_an_account_with_an_authenticator_to_the_code_page(personas):
    device_for(personas["caseworker"])
    c = password_login("caseworker")
    response = c.get(reverse("household_list"))
    assert response.status_code == 302
    assert response["Location"] == (reverse("two_factor_verify") + "?next=%2Fhouseholds%2F")
    # An htmx request is sent there as a whole page.
    response = c.post(reverse("household_list"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("two_factor_verify")


def test_it_lets_a_coordinator_without_one_in(personas):
    c = password_login("coordinator")
    assert c.get("/").status_code == 200


def test_it_asks_a_coordinator_who_set_one_up_for_the_code(personas):
    device_for(personas["coordinator"])
    c = password_login("coordinator")
    assert c.get("/")["Location"].startswith(reverse("two_factor_verify"))


def test_the_right_code_lets_the_person_in_and_is_audited(personas, clock):
    device = device_for(personas["caseworker"])
    c = password_login("caseworker")
    response = give_code(c, code_of(device), "/households/")
    assert response.status_code == 302 and response["Location"] == "/households/"
    assert c.get(reverse("household_list")).status_code == 200
    entry = AuditEntry.objects.filter(action="login", actor_username="caseworker").first()
    assert entry is not None and entry.changes["second factor"] == "code accepted"


def test_a_forged_next_address_is_not_followed(personas, clock):
    device = device_for(personas["caseworker"])
    c = password_login("caseworker")
    response = give_code(c, code_of(device), "https://evil.example/")
    assert response["Location"] == "/"


def test_wrong_codes_are_refused_and_audited_once_per_run(personas, clock):
    user = personas["caseworker"]
    device = device_for(user)
    c = password_login("caseworker")
    right = code_of(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(4):
        response = give_code(c, wrong)
        assert response.status_code in (400, 429)
        assert c.get("/").status_code == 302  # still not in
        clock.shift(timedelta(seconds=20))  # past the throttle's wait
    body = give_code(c, wrong).content.decode()
    assert "That code is not right" in body or "Too many wrong codes" in body
    assert len(denied(user)) == 1
    assert denied(user)[0].changes["second factor"] == "wrong code"


def test_the_throttle_refuses_even_the_right_code_at_once_after_a_wrong_one(personas, clock):
    user = personas["caseworker"]
    device = device_for(user)
    c = password_login("caseworker")
    assert give_code(c, "000000" if code_of(device) != "000000" else "111111"
                     ).status_code == 400
    response = give_code(c, code_of(device))  # within the throttle's wait: not even checked
    assert response.status_code == 429
    assert "Too many wrong codes" in response.content.decode()
    clock.shift(timedelta(seconds=5))
    assert give_code(c, code_of(device)).status_code == 302
    entry = AuditEntry.objects.filter(action="login", actor_username="caseworker").first()
    assert entry.changes["failures before"] == 1


def test_a_replayed_code_is_refused_with_its_own_message(personas, clock):
    device = device_for(personas["caseworker"])
    first, second = password_login("caseworker"), password_login("caseworker")
    code = code_of(device)
    assert give_code(first, code).status_code == 302
    response = give_code(second, code)
    assert response.status_code == 400
    assert "That code was used already" in response.content.decode()
    assert second.get("/").status_code == 302
    assert denied(personas["caseworker"])[0].changes["second factor"] == "code used before"
    clock.shift(timedelta(seconds=30))  # the next code
    assert give_code(second, code_of(device)).status_code == 302


def test_a_new_login_in_the_same_browser_is_asked_again(personas, clock):
    device = device_for(personas["caseworker"])
    c = password_login("caseworker")
    give_code(c, code_of(device))
    c.post(reverse("login"), {"username": "caseworker", "password": PASSWORD})
    assert c.get("/")["Location"].startswith(reverse("two_factor_verify"))


# --- enrolment ----------------------------------------------------------------------

def test_enrolment_shows_the_key_and_confirms_with_the_first_code(personas, clock):
    user = personas["caseworker"]
    c = password_login("caseworker")
    page = c.get(reverse("two_factor_enrol")).content.decode()
    assert "<svg" in page and 'id="totp-secret"' in page
    c.get(reverse("two_factor_enrol"))  # opened twice: still one device
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed and twofactor.secret_text(device) in page
    response = c.post(reverse("two_factor_enrol"), {"code": code_of(device)})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and all(code in response.content.decode() for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    assert c.get("/").status_code == 200
    # Stored as keyed hashes only.
    assert not StaticToken.objects.filter(token__in=codes).exists()
    said = [e.changes.get("second factor") for e in AuditEntry.objects.filter(
        actor_username="caseworker").order_by("seq")]
    assert said[-3:] == ["enrolment started", "authenticator app confirmed",
                         "new recovery codes"]


def test_a_wrong_first_code_leaves_the_device_unconfirmed(personas, clock):
    c = password_login("caseworker")
    c.get(reverse("two_factor_enrol"))
    device = TOTPDevice.objects.get(user=personas["caseworker"])
    wrong = f"{(int(code_of(device)) + 7) % 1_000_000:06d}"
    response = c.post(reverse("two_factor_enrol"), {"code": wrong})
    assert response.status_code == 400 and "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and c.get("/").status_code == 302


def test_someone_with_only_the_password_cannot_enrol_a_new_device(personas, clock):
    device_for(personas["caseworker"])
    c = password_login("caseworker")
    response = c.get(reverse("two_factor_enrol"))
    assert response["Location"] == reverse("two_factor_verify")
    assert TOTPDevice.objects.filter(user=personas["caseworker"]).count() == 1
    assert c.post(reverse("two_factor_enrol"), {"code": "123456"}).status_code == 302


# --- recovery codes ----------------------------------------------------------------------

def test_a_recovery_code_works_once(personas, clock):
    user = personas["caseworker"]
    device_for(user)
    codes = twofactor.recovery_codes_new(actor=user)
    c = password_login("caseworker")
    response = give_code(c, codes[0].upper())
    assert response.status_code == 302 and c.get("/").status_code == 200
    assert twofactor.recovery_left(user) == 9
    used = [e for e in AuditEntry.objects.filter(actor_username="caseworker")
            if e.changes.get("second factor") == "recovery code used"]
    assert len(used) == 1 and used[0].changes["recovery codes left"] == 9
    other = password_login("caseworker")
    clock.shift(timedelta(seconds=10))
    response = give_code(other, codes[0])
    assert response.status_code == 400 and other.get("/").status_code == 302


def test_new_recovery_codes_need_a_fresh_confirmation_and_replace_the_old(personas, clock):
    user = personas["caseworker"]
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)  # logged in with a code and just confirmed
    old = twofactor.recovery_codes_new(actor=user)
    response = c.post(reverse("two_factor_recovery"))
    new = response.context["codes"]
    assert set(new).isdisjoint(old) and twofactor.recovery_left(user) == 10
    clock.shift(timedelta(minutes=6))
    response = c.post(reverse("two_factor_recovery"))
    assert response["Location"].startswith(reverse("reauth_confirm"))


# --- reset by a station head --------------------------------------------------------------

def test_a_head_resets_a_colleagues_factor_audited_and_they_enrol_again(personas, clock):
    user = personas["caseworker"]
    device = device_for(user)
    twofactor.recovery_codes_new(actor=user)
    theirs = password_login("caseworker")
    give_code(theirs, code_of(device))
    assert theirs.get("/").status_code == 200
    head = Client(HTTP_ACCEPT_LANGUAGE="en")
    head.force_login(personas["head"])
    assert "caseworker" in head.get(reverse("two_factor_staff")).content.decode()
    response = head.post(reverse("two_factor_reset", args=[user.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert twofactor.recovery_left(user) == 0
    assert not UserSession.objects.filter(user=user).exists()
    assert theirs.get("/")["Location"].startswith(reverse("login"))  # signed out
    entry = AuditEntry.objects.filter(action="delete", object_id=str(user.pk)).get()
    assert entry.actor_username == "head" and entry.changes["second factor"] == (
        "reset by a station head")
    again = password_login("caseworker")
    assert again.get("/")["Location"].startswith(reverse("two_factor_enrol"))


def test_a_head_of_another_community_or_a_caseworker_may_not_reset(personas, clock):
    target = personas["caseworker"]
    device_for(target)
    other = Community.objects.create(name="别的社区", code="OTH")
    stranger = make_user("otherhead", Role.HEAD, other)
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(stranger)
    assert c.post(reverse("two_factor_reset", args=[target.pk])).status_code == 404
    assert c.post(reverse("two_factor_reset", args=["99999"])).status_code == 404
    worker = Client(HTTP_ACCEPT_LANGUAGE="en")
    worker.force_login(personas["gridworker"])
    assert worker.post(reverse("two_factor_reset", args=[target.pk])).status_code == 403
    assert worker.get(reverse("two_factor_staff")).status_code == 403
    head = Client(HTTP_ACCEPT_LANGUAGE="en")
    head.force_login(personas["head"])
    assert head.post(reverse("two_factor_reset",
                             args=[personas["head"].pk])).status_code == 404  # not one's own
    assert TOTPDevice.objects.filter(user=target).exists()


def test_a_head_may_not_reset_another_head_or_an_administrator(personas, clock):
    """Only an administrator resets those: a head who knew such a colleague's
    password could otherwise enrol their own phone on that account."""
    deputy = make_user("deputyhead", Role.HEAD, personas["head"].community)
    for target in (deputy, personas["admin"]):
        device_for(target)
    head = Client(HTTP_ACCEPT_LANGUAGE="en")
    head.force_login(personas["head"])
    for target in (deputy, personas["admin"]):
        assert head.post(reverse("two_factor_reset", args=[target.pk])).status_code == 404
        assert TOTPDevice.objects.filter(user=target).exists()
    assert twofactor.resettable(personas["admin"]).filter(pk=deputy.pk).exists()


def test_the_status_page_says_what_is_set_up(personas, clock):
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(personas["caseworker"])
    twofactor.recovery_codes_new(actor=personas["caseworker"])
    page = c.get(reverse("two_factor")).content.decode()
    assert "10" in page and reverse("two_factor_recovery") in page
    coordinator = Client(HTTP_ACCEPT_LANGUAGE="en")
    coordinator.force_login(personas["coordinator"])
    page = coordinator.get(reverse("two_factor")).content.decode()
    assert reverse("two_factor_enrol") in page
