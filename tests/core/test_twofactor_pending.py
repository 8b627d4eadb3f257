"""While a second factor is owed: the session's "no device" flag is dropped at
enrolment, and the code and forced enrolment pages show no menu or search box
(nothing there would open yet)."""

from __future__ import annotations

from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiayuan.core import twofactor
from jiayuan.core.audit import verify_chain
from jiayuan.core.models import AuditEntry
from tests.core.test_twofactor import (  # noqa: F401
    clock,
    code_of,
    device_for,
    give_code,
    password_login,
)


def nav_links(html: str) -> bool:
    return 'class="main-nav"' in html or f'href="{reverse("household_list")}"' in html \
        or f'action="{reverse("search")}"' in html


def test_enrolling_drops_the_no_device_flag(personas, clock):  # noqa: F811
    # A coordinator needs no second factor: a login without one remembers it.
    c = password_login("coordinator")
    assert c.get("/").status_code == 200
    assert c.session.get(twofactor.NO_DEVICE) is True
    c.get(reverse("two_factor_enrol"))
    device = TOTPDevice.objects.get(user=personas["coordinator"])
    assert c.post(reverse("two_factor_enrol"), {"code": code_of(device)}).status_code == 200
    assert twofactor.NO_DEVICE not in c.session
    response = c.get("/")
    assert response.status_code == 200  # not sent to enrolment or the code page again
    assert twofactor.NO_DEVICE not in c.session


def test_the_code_page_shows_no_menu_until_the_code_is_given(personas, clock):  # noqa: F811
    device = device_for(personas["caseworker"])
    c = password_login("caseworker")
    response = c.get(reverse("two_factor_verify"))
    html = response.content.decode()
    assert response.status_code == 200 and 'name="code"' in html
    assert not nav_links(html)
    assert f'action="{reverse("logout")}"' in html  # one may still leave
    give_code(c, code_of(device))
    assert nav_links(c.get(reverse("two_factor")).content.decode())


def test_a_forced_enrolment_shows_no_menu_a_chosen_one_does(personas, clock):  # noqa: F811
    c = password_login("caseworker")  # must have one, has none
    html = c.get(reverse("two_factor_enrol")).content.decode()
    assert 'id="totp-secret"' in html and not nav_links(html)
    chosen = password_login("coordinator")
    assert nav_links(chosen.get(reverse("two_factor_enrol")).content.decode())


def test_enrolling_ends_the_accounts_other_sessions(personas, clock):  # noqa: F811
    # Another browser logged in before the authenticator existed, and remembers
    # "no device": it must not go on without the code. It ends, audited once.
    other = password_login("coordinator")
    assert other.get("/").status_code == 200 and other.session.get(twofactor.NO_DEVICE)
    c = password_login("coordinator")
    c.get(reverse("two_factor_enrol"))
    device = TOTPDevice.objects.get(user=personas["coordinator"])
    response = c.post(reverse("two_factor_enrol"), {"code": code_of(device)})
    assert response.status_code == 200 and "Your other session was ended" in response.content.decode()
    assert other.get("/").status_code == 302  # to the login page
    assert c.get("/").status_code == 200  # this one goes on
    entry = AuditEntry.objects.filter(action="logout", object_id=str(
        personas["coordinator"].pk)).latest("seq")
    assert entry.changes == {"reason": twofactor.ENROLLED_REASON, "sessions": 1}
    assert verify_chain().ok
