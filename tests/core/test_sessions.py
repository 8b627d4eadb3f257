"""Sessions that end (jiayuan.core.sessions): the idle and absolute limits,
one's list of sessions, ending the others, and the end of every session when
an account's role, scope or active flag changes."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from jiayuan.core import sessions
from jiayuan.core.jobs import end_stale_sessions
from jiayuan.core.models import AuditAction, AuditEntry, User, UserSession
from jiayuan.core.roles import Role
from tests.conftest import pass_second_factor

T0 = datetime(2030, 3, 4, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
FIREFOX_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 "
                   "Firefox/128.0")
CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/126.0.0.0 Mobile Safari/537.36")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


@pytest.fixture(autouse=True)
def _default_limits(settings):
    # The deployed defaults, whatever the environment says.
    settings.SESSION_IDLE_SECONDS = 30 * 60
    settings.SESSION_ABSOLUTE_SECONDS = 12 * 3600
    settings.SESSION_WARNING_SECONDS = 120


def logged_in(user: User, ua: str = FIREFOX_WINDOWS, ip: str = "203.0.113.77") -> Client:
    """A browser that logged in through the login form."""
    client = Client(HTTP_USER_AGENT=ua, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("login"), {"username": user.username,
                                              "password": "pw-for-tests-only"})
    assert response.status_code == 302, response.content[:500]
    pass_second_factor(client, user)  # and gave the code (tests/core/test_twofactor.py)
    return client


def page(client: Client) -> int:
    return client.get(reverse("account_sessions")).status_code


def logouts(user: User) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=AuditAction.LOGOUT, object_id=str(user.pk))
                .order_by("seq"))


# --- the idle limit ------------------------------------------------------------------

def test_a_session_ends_after_30_minutes_without_activity_and_not_before(personas):
    worker = personas["caseworker"]
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in(worker)
        clock.shift(timedelta(minutes=29, seconds=50))
        assert page(client) == 200
        # Activity keeps it alive: 29 minutes after that request, still in.
        clock.shift(timedelta(minutes=29))
        assert page(client) == 200
        assert logouts(worker) == []
        clock.shift(timedelta(minutes=30))
        response = client.get(reverse("account_sessions"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=%2Faccount%2Fsessions%2F"
    assert "_auth_user_id" not in client.session
    # One logout entry, with its reason (not a second one without).
    [entry] = logouts(worker)
    assert entry.changes == {"reason": "idle"} and entry.actor_username == "caseworker"
    assert not UserSession.objects.filter(user=worker).exists()
    login_page = client.get(response["Location"]).content.decode()
    assert "You were signed out after 30 minutes without activity." in login_page


def test_the_message_is_translated(personas):
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in(personas["caseworker"])
        clock.shift(timedelta(minutes=31))
        response = client.get(reverse("account_sessions"), HTTP_ACCEPT_LANGUAGE="zh-hans")
        body = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "30" in body and "You were signed out" not in body
    assert "无操作" in body


def test_an_htmx_request_past_the_limit_sends_the_whole_page_to_the_login_page(personas):
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in(personas["caseworker"])
        clock.shift(timedelta(minutes=31))
        response = client.get(reverse("account_sessions"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


# --- the absolute limit --------------------------------------------------------------

def test_a_session_ends_12_hours_after_login_even_with_activity(personas):
    worker = personas["caseworker"]
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in(worker)
        for _ in range(35):  # a request every 20 minutes: 11 h 40 min
            clock.shift(timedelta(minutes=20))
            assert page(client) == 200
        clock.shift(timedelta(minutes=19, seconds=59))
        assert page(client) == 200
        clock.shift(timedelta(seconds=1))
        response = client.get(reverse("account_sessions"))
        assert response.status_code == 302
        [entry] = logouts(worker)
        assert entry.changes == {"reason": "absolute"}
        body = client.get(response["Location"]).content.decode()
    assert "You were signed out 12 hours after you logged in." in body


# --- the last-used stamp -------------------------------------------------------------

def test_the_last_used_stamp_is_written_at_most_once_a_minute(personas):
    worker = personas["caseworker"]
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in(worker)
        key = client.session.session_key
        stored = Session.objects.get(session_key=key).session_data
        clock.shift(timedelta(seconds=40))
        assert page(client) == 200
        # No write: neither the session nor its row changed.
        assert Session.objects.get(session_key=key).session_data == stored
        assert UserSession.objects.get(session_key=key).last_seen == T0
        clock.shift(timedelta(seconds=30))
        assert page(client) == 200
        assert UserSession.objects.get(session_key=key).last_seen == T0 + timedelta(seconds=70)
        assert Session.objects.get(session_key=key).session_data != stored


def test_a_session_whose_key_changed_gets_its_row_back(personas, settings):
    # A password change cycles the session's key (Django's update_session_auth_hash).
    from importlib import import_module

    worker = personas["caseworker"]
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in(worker)
        old = client.session
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store.update(dict(old.items()))
        store.create()
        old.delete()
        client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
        clock.shift(timedelta(minutes=2))
        response = client.get(reverse("account_sessions"))
    assert response.status_code == 200
    row = UserSession.objects.get(session_key=store.session_key)
    assert row.user == worker and row.created_at == T0
    assert [r.session_key for r in response.context["rows"]] == [store.session_key]


def test_asking_how_long_is_left_is_not_activity_but_stay_signed_in_is(personas):
    worker = personas["caseworker"]
    url = reverse("session_keepalive")
    with time_machine.travel(T0, tick=False) as clock:
        asks, stays = logged_in(worker), logged_in(worker, CHROME_ANDROID)
        clock.shift(timedelta(minutes=28))
        assert asks.get(url).json() == {"signed_in": True, "idle_left": 120}
        assert stays.post(url).json() == {"signed_in": True, "idle_left": 1800}
        clock.shift(timedelta(minutes=3))
        assert page(asks) == 302
        assert page(stays) == 200
    assert Client().get(url).json() == {"signed_in": False}


def test_signed_in_pages_carry_the_warning_and_the_login_page_does_not(personas):
    client = logged_in(personas["caseworker"])
    body = client.get(reverse("account_sessions")).content.decode()
    assert 'id="session-warning"' in body and 'role="alert"' in body
    assert 'data-warning-seconds="120"' in body and "js/session-timeout.js" in body
    assert "You will be signed out in 2 minutes without activity." in body
    assert "Stay signed in" in body
    assert "session-warning" not in Client().get(reverse("login")).content.decode()


# --- one's sessions ------------------------------------------------------------------

def test_the_list_shows_ones_own_sessions_only(personas):
    worker, head = personas["caseworker"], personas["head"]
    first = logged_in(worker, FIREFOX_WINDOWS, "203.0.113.77")
    second = logged_in(worker, CHROME_ANDROID, "2001:db8:abcd:12::5")
    logged_in(head, SAFARI_IPHONE, "198.51.100.9")
    response = first.get(reverse("account_sessions"))
    rows = response.context["rows"]
    assert {row.session_key for row in rows} == {first.session.session_key,
                                                second.session.session_key}
    body = response.content.decode()
    assert "Firefox · Windows" in body and "Chrome · Android" in body
    assert "Safari · iOS" not in body
    # Networks, never addresses.
    assert "203.0.113.0/24" in body and "2001:db8:abcd::/48" in body
    assert "203.0.113.77" not in body and "198.51.100" not in body
    assert body.count("This one") == 1
    assert "End all my other sessions" in body


def test_ending_the_others_keeps_this_one_and_is_audited_once(personas):
    worker = personas["caseworker"]
    this, other, third = (logged_in(worker), logged_in(worker, CHROME_ANDROID),
                          logged_in(worker, SAFARI_IPHONE))
    response = this.post(reverse("account_sessions"), follow=True)
    assert "Your other sessions were ended: 2." in response.content.decode()
    assert page(this) == 200
    assert page(other) == 302 and page(third) == 302
    assert list(UserSession.objects.filter(user=worker).values_list("session_key", flat=True)) \
        == [this.session.session_key]
    [entry] = logouts(worker)
    assert entry.changes == {"reason": "ended_by_user", "sessions": 2}
    assert entry.actor_username == "caseworker"


def test_a_forged_session_key_cannot_end_someone_elses_session(personas):
    worker, head = personas["caseworker"], personas["head"]
    mine, theirs = logged_in(worker), logged_in(head)
    their_key = theirs.session.session_key
    mine.post(reverse("account_sessions"), {"session_key": their_key, "key": their_key})
    assert page(theirs) == 200
    assert UserSession.objects.filter(session_key=their_key).exists()
    assert logouts(head) == []


# --- account changes -----------------------------------------------------------------

@pytest.mark.parametrize("change", ["role", "active", "community", "grids"])
def test_a_change_of_role_or_scope_ends_all_the_accounts_sessions(personas, grid_a, change):
    from jiayuan.places.models import Community

    worker, head = personas["gridworker"], personas["head"]
    one, two, bystander = logged_in(worker), logged_in(worker, CHROME_ANDROID), logged_in(head)
    # A change elsewhere on the account, and a login's own save, end nothing.
    worker.first_name = "敏"
    worker.save()
    assert page(one) == 200 and page(two) == 200
    if change == "role":
        worker.role = Role.CASEWORKER
        worker.save()
    elif change == "active":
        worker.is_active = False
        worker.save()
    elif change == "community":
        worker.community = Community.objects.create(name="另一社区", code="OTH")
        worker.save()
    else:
        worker.grids.set([])
    assert page(one) == 302 and page(two) == 302
    assert page(bystander) == 200
    [entry] = logouts(worker)
    assert entry.changes == {"reason": "account_changed", "sessions": 2}


def test_a_role_changed_in_the_admin_ends_the_accounts_sessions(personas):
    worker, admin = personas["caseworker"], personas["admin"]
    admin.is_staff = True
    admin.save()
    session, admin_client = logged_in(worker), logged_in(admin)
    response = admin_client.post(reverse("admin:core_user_change", args=[worker.pk]), {
        "username": worker.username, "first_name": "", "last_name": "", "email": "",
        "role": Role.HEAD, "community": worker.community_id, "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    worker.refresh_from_db()
    assert worker.role == Role.HEAD
    assert page(session) == 302
    assert page(admin_client) == 200
    # The admin's own entry says what changed; the sessions' entry why they ended.
    assert [e.changes for e in logouts(worker)] == [{"reason": "account_changed",
                                                     "sessions": 1}]


# --- the tick job --------------------------------------------------------------------

def test_the_tick_ends_sessions_left_past_a_limit_once(personas):
    worker, head = personas["caseworker"], personas["head"]
    with time_machine.travel(T0, tick=False) as clock:
        left = logged_in(worker)
        clock.shift(timedelta(minutes=20))
        kept = logged_in(head)
        key = left.session.session_key
        clock.shift(timedelta(minutes=11))
        now = T0 + timedelta(minutes=31)
        assert end_stale_sessions(now) == 1
        assert end_stale_sessions(now) == 0
        assert not Session.objects.filter(session_key=key).exists()
        assert not UserSession.objects.filter(session_key=key).exists()
        assert page(kept) == 200
    [entry] = logouts(worker)
    assert entry.changes == {"reason": "idle", "by": "tick"}


def test_the_tick_drops_rows_of_sessions_ended_elsewhere(personas):
    worker = personas["caseworker"]
    client = logged_in(worker)
    Session.objects.filter(session_key=client.session.session_key).delete()
    from django.utils import timezone

    assert end_stale_sessions(timezone.now()) == 1
    assert not UserSession.objects.filter(user=worker).exists()
    assert logouts(worker) == []


# --- device and network --------------------------------------------------------------

@pytest.mark.parametrize(("ua", "device"), [
    (FIREFOX_WINDOWS, "Firefox · Windows"),
    (CHROME_ANDROID, "Chrome · Android"),
    (SAFARI_IPHONE, "Safari · iOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0", "Edge · Windows"),
    ("Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/116.0 Mobile Safari/537.36 "
     "MicroMessenger/8.0.47", "WeChat · Android"),
    ("curl/8.5", ""),
    ("", ""),
])
def test_the_device_is_read_simply_from_the_user_agent(ua, device):
    assert sessions.device_of(ua) == device


@pytest.mark.parametrize(("ip", "network"), [
    ("203.0.113.77", "203.0.113.0/24"),
    ("2001:db8:abcd:12::5", "2001:db8:abcd::/48"),
    (None, ""), ("not an address", ""),
])
def test_the_address_is_kept_only_as_its_network(ip, network):
    assert sessions.network_of(ip) == network
