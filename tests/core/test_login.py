"""Logging in: the public demo password opens an account only in demo mode."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from jiayuan.core.auth import DEMO_PASSWORD
from jiayuan.core.models import AuditEntry, User


def make_demo_user(community) -> User:
    return User.objects.create_user(username="head", password=DEMO_PASSWORD, role="head",
                                    community=community)


def test_the_demo_password_opens_nothing_outside_demo_mode(community, settings):
    settings.DEMO_MODE = False
    make_demo_user(community)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("login"), {"username": "head", "password": DEMO_PASSWORD})
    body = response.content.decode()
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "works only on a demo site" in body
    # Counted as a failed login (towards a lockout), with no audit entry of its own.
    assert AccessAttempt.objects.get(username="head").failures_since_start == 1
    assert not AuditEntry.objects.filter(action="login_failed").exists()
    # Nor through the admin's login, which uses the same backend.
    response = client.post(reverse("admin:login"), {"username": "head",
                                                    "password": DEMO_PASSWORD})
    assert "_auth_user_id" not in client.session


def test_the_demo_password_works_in_demo_mode(community, settings):
    settings.DEMO_MODE = True
    settings.MFA_REQUIRED = False  # as in the demo (jiayuan/settings.py)
    make_demo_user(community)
    client = Client()
    response = client.post(reverse("login"), {"username": "head", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"]


def test_a_real_password_works_and_a_wrong_one_gets_the_usual_message(community, settings):
    settings.DEMO_MODE = False
    User.objects.create_user(username="ayse", password="a-long-real-passphrase", role="head",
                             community=community)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    wrong = client.post(reverse("login"), {"username": "ayse", "password": "nope"})
    assert wrong.status_code == 200 and "msg-error" in wrong.content.decode()
    assert "demo site" not in wrong.content.decode()
    right = client.post(reverse("login"), {"username": "ayse",
                                           "password": "a-long-real-passphrase"})
    assert right.status_code == 302


def test_a_session_opened_in_demo_mode_ends_when_demo_mode_is_off(community, settings):
    settings.DEMO_MODE = True
    settings.MFA_REQUIRED = False  # as in the demo (jiayuan/settings.py)
    make_demo_user(community)
    client = Client()
    client.post(reverse("login"), {"username": "head", "password": DEMO_PASSWORD})
    assert client.get(reverse("home")).status_code == 200
    settings.DEMO_MODE = False
    response = client.get(reverse("home"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    # A real password set since keeps its sessions.
    user = User.objects.get(username="head")
    user.set_password("a-long-real-passphrase")
    user.save()
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
