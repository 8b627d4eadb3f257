"""Logins that resist guessing: django-axes locks a username on one address,
and an address that tries many usernames; a lockout writes one audit entry,
whatever the number of tries (jiayuan.core.lockout)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.test import Client
from django.urls import reverse

from jiayuan.core.models import AuditEntry, User

RIGHT = "a-long-real-passphrase"
ATTACKER = "198.51.100.7"
ELSEWHERE = "203.0.113.20"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def staff(community) -> dict[str, User]:
    return {name: User.objects.create_user(username=name, password=RIGHT, role="caseworker",
                                           community=community)
            for name in ("ayse", "bo")}


def client(ip: str = ATTACKER, **extra: str) -> Client:
    return Client(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en", **extra)


def post(c: Client, username: str, password: str, url: str = "login") -> int:
    return c.post(reverse(url), {"username": username, "password": password}).status_code


def logged_in(c: Client) -> bool:
    return "_auth_user_id" in c.session


def test_a_hundred_wrong_passwords_add_one_audit_entry_and_one_bounded_row(staff, settings):
    c = client()
    before = AuditEntry.objects.count()
    codes = [post(c, "ayse", f"guess-{n}") for n in range(100)]
    # The usual "didn't match" page until the limit; then the lockout page.
    assert codes[:settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(codes[settings.AXES_FAILURE_LIMIT - 1:]) == {429}
    added = list(AuditEntry.objects.filter(seq__gt=before).values_list("action", "object_repr"))
    assert added == [("lockout", "ayse")]
    # Axes keeps one row for the pair, which stopped counting at the limit.
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [
        ("ayse", settings.AXES_FAILURE_LIMIT)]
    assert not AccessFailureLog.objects.exists()


def test_the_right_password_is_refused_during_the_cool_off_and_accepted_after(staff, settings):
    with time_machine.travel(START, tick=False) as clock:
        c = client()
        for n in range(settings.AXES_FAILURE_LIMIT):
            post(c, "ayse", f"guess-{n}")
        response = c.post(reverse("login"), {"username": "ayse", "password": RIGHT})
        assert response.status_code == 429 and not logged_in(c)
        body = response.content.decode()
        assert "Too many failed logins" in body and "15 minutes" in body
        assert 'name="username"' in body and 'value="ayse"' in body  # the login page again
        clock.shift(timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES - 1))
        assert post(c, "ayse", RIGHT) == 429 and not logged_in(c)
        clock.shift(timedelta(minutes=2))
        assert post(c, "ayse", RIGHT) == 302 and logged_in(c)
        # The expired rows went with the cool-off.
        assert not AccessAttempt.objects.filter(username="ayse").exists()


def test_a_colleague_on_the_same_address_is_not_locked_out(staff, settings):
    for n in range(settings.AXES_FAILURE_LIMIT * 2):
        post(client(), "ayse", f"guess-{n}")
    assert post(client(), "ayse", RIGHT) == 429
    colleague = client()
    assert post(colleague, "bo", RIGHT) == 302 and logged_in(colleague)
    # Nor is the guessed person on their own address.
    own = client(ELSEWHERE)
    assert post(own, "ayse", RIGHT) == 302 and logged_in(own)


def test_the_admin_login_counts_and_is_refused_too(staff, settings):
    staff["ayse"].is_staff = True
    staff["ayse"].save()
    for n in range(settings.AXES_FAILURE_LIMIT):
        post(client(), "ayse", f"guess-{n}", url="admin:login")
    admin = client()
    response = admin.post(reverse("admin:login"), {"username": "ayse", "password": RIGHT})
    assert response.status_code == 429 and not logged_in(admin)
    assert "Too many failed logins" in response.content.decode()
    assert post(client(), "ayse", RIGHT) == 429  # one count for both login pages
    assert AuditEntry.objects.filter(action="lockout", object_repr="ayse").count() == 1


def test_an_address_trying_many_usernames_is_locked_out(staff, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    before = AuditEntry.objects.count()
    for n in range(12):  # one try each: no username reaches its own limit
        post(client(), f"user{n}", "guess")
    assert post(client(), "bo", RIGHT) == 429
    assert post(client(ELSEWHERE), "bo", RIGHT) == 302
    added = AuditEntry.objects.filter(seq__gt=before)
    assert [(e.action, e.changes["locked"]) for e in added if e.action == "lockout"] == [
        ("lockout", "address")]
    assert added.count() == 2  # the lockout, and bo's login from elsewhere


def test_behind_the_proxy_the_real_client_address_counts(staff, settings):
    settings.BEHIND_PROXY = True
    for n in range(settings.AXES_FAILURE_LIMIT):
        post(client("127.0.0.1", HTTP_X_REAL_IP=ATTACKER), "ayse", f"guess-{n}")
    assert post(client("127.0.0.1", HTTP_X_REAL_IP=ATTACKER), "ayse", RIGHT) == 429
    # Another client behind the same proxy is another address.
    assert post(client("127.0.0.1", HTTP_X_REAL_IP=ELSEWHERE), "ayse", RIGHT) == 302
    assert AccessAttempt.objects.get().ip_address == ATTACKER


def test_the_lockout_page_speaks_the_visitors_language(staff, settings):
    c = Client(REMOTE_ADDR=ATTACKER, HTTP_ACCEPT_LANGUAGE="zh-hans")
    for n in range(settings.AXES_FAILURE_LIMIT):
        c.post(reverse("login"), {"username": "ayse", "password": f"guess-{n}"})
    body = c.post(reverse("login"), {"username": "ayse", "password": RIGHT}).content.decode()
    assert "登录失败次数过多" in body


def test_no_table_grows_with_each_login(staff):
    c = client()
    for _ in range(3):
        assert post(c, "ayse", RIGHT) == 302
        c.post(reverse("logout"))
    assert not AccessLog.objects.exists() and not AccessAttempt.objects.exists()


def _settings_of(env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LOGIN_")}
    code = ("from django.conf import settings as s; "
            "print(s.AXES_FAILURE_LIMIT, s.LOGIN_ADDRESS_FAILURE_LIMIT, s.AXES_COOLOFF_TIME)")
    return subprocess.run([sys.executable, "manage.py", "shell", "-v", "0", "-c", code], cwd=ROOT,
                          env={**base, "JIAYUAN_LOCAL_KEYS": "1", **env},
                          capture_output=True, text=True, timeout=60)


def test_the_limits_and_the_cool_off_come_from_the_environment():
    result = _settings_of({"LOGIN_FAILURE_LIMIT": "8", "LOGIN_ADDRESS_FAILURE_LIMIT": "80",
                           "LOGIN_COOLOFF_MINUTES": "60"})
    assert result.stdout.split() == ["8", "80", "1:00:00"], result.stderr
    refused = _settings_of({"LOGIN_COOLOFF_MINUTES": "0"})
    assert refused.returncode != 0 and "LOGIN_COOLOFF_MINUTES" in refused.stderr
