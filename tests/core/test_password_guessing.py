"""Wrong current passwords on /account/password/ count towards the login
lockout (jiayuan.core.lockout): a session somebody else holds is no way to
guess the password. At the limit the session ends with the lockout message,
and the account can't log in from that address for the cool-off."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt  # type: ignore[import-untyped]
from django.test import Client
from django.urls import reverse

from jiayuan.core.models import AuditAction, AuditEntry, User

OLD = "a-long-real-passphrase"
NEW = "blue kettle orchard 7"
HERE, ELSEWHERE = "192.0.2.30", "198.51.100.7"


@pytest.fixture
def user(community: Any) -> User:
    return User.objects.create_user(username="lihua", password=OLD, role="caseworker",
                                    community=community)


def signed_in(user: User, ip: str = HERE) -> Client:
    c = Client(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


def guess(c: Client, n: int) -> Any:
    return c.post(reverse("password_change"), {
        "old_password": f"guess-number-{n}", "new_password1": NEW, "new_password2": NEW})


def test_wrong_current_passwords_lock_the_account_and_end_the_session(user, settings):
    c = signed_in(user)
    limit = settings.AXES_FAILURE_LIMIT
    for n in range(limit - 1):
        assert guess(c, n).status_code == 200
    locked = guess(c, limit)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    # The session is over, and the right password doesn't log in from here.
    assert c.get(reverse("home")).status_code == 302
    again = Client(REMOTE_ADDR=HERE)
    assert again.post(reverse("login"), {"username": "lihua", "password": OLD}).status_code == 429
    assert AuditEntry.objects.filter(action=AuditAction.LOCKOUT, actor_username="lihua").count() == 1
    user.refresh_from_db()
    assert user.check_password(OLD)


def test_a_session_elsewhere_is_refused_while_locked_and_nothing_changes(user, settings):
    c = signed_in(user)
    for n in range(settings.AXES_FAILURE_LIMIT):
        guess(c, n)
    # Even the right current password is refused on the locked address.
    other = signed_in(user)
    refused = other.post(reverse("password_change"), {
        "old_password": OLD, "new_password1": NEW, "new_password2": NEW})
    assert refused.status_code == 429
    user.refresh_from_db()
    assert user.check_password(OLD)
    # Another address is not locked by them (the lockout is per username and address).
    fine = Client(REMOTE_ADDR=ELSEWHERE)
    assert fine.post(reverse("login"), {"username": "lihua", "password": OLD}).status_code == 302


def test_the_typed_passwords_are_not_kept_in_the_failure_record(user):
    guess(signed_in(user), 1)
    [attempt] = AccessAttempt.objects.all()
    assert attempt.failures_since_start == 1
    assert "guess-number-1" not in attempt.post_data and NEW not in attempt.post_data


def test_the_right_current_password_still_changes_it(user):
    c = signed_in(user)
    guess(c, 1)
    response = c.post(reverse("password_change"), {
        "old_password": OLD, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW)
