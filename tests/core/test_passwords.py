"""Passwords: the rules (jiayuan.core.passwords and Django's), and changing
one's own password (jiayuan.core.accounts, the change-password page)."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from jiayuan.core import accounts
from jiayuan.core.auth import DEMO_PASSWORD
from jiayuan.core.models import AuditEntry, User
from tests.conftest import pass_second_factor

OLD = "a-long-real-passphrase"
NEW = "blue kettle orchard 7"


@pytest.fixture
def user(community) -> User:
    return User.objects.create_user(username="lihua", password=OLD, role="caseworker",
                                    community=community, email="wang.lihua@example.org",
                                    last_name="Wangxiaoming")


def codes(password: str, user: User | None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return [e.code for e in exc.error_list]
    return []


@pytest.mark.parametrize(("password", "code"), [
    ("short-pw-11", "password_too_short"),
    ("x" * 12 + "y" * 53, "password_too_long"),
    ("qwertyuiop123", "password_too_common"),
    ("482915736201", "password_entirely_numeric"),
    ("wangxiaoming12", "password_too_similar"),
    ("jiayuan123", "password_station_words"),
    (DEMO_PASSWORD, "password_station_words"),
    ("Password2026!!", "password_station_words"),
    ("Jiayuan家园2026", "password_station_words"),
    ("lihua-lihua-2026", "password_station_words"),  # the username
    ("测试社区-测试社区-2026", "password_station_words"),  # the community's name
])
def test_a_weak_password_is_refused_for_its_reason(user, password, code):
    assert code in codes(password, user)


@pytest.mark.parametrize("password", [NEW, "jiayuan-lotus-garden", "x" * 12 + "y" * 52])
def test_a_good_password_passes(user, password):
    assert codes(password, user) == []


def test_the_messages_are_translated(user):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        validate_password("jiayuan123", user)
    text = " ".join(exc.value.messages)
    assert "密码太短" in text and "本站自己的词语" in text


def test_changing_the_password_sets_it_and_audits_that_it_changed(user):
    before = AuditEntry.objects.count()
    accounts.change_password(actor=user, old=OLD, new=NEW)
    user.refresh_from_db()
    assert user.check_password(NEW) and not user.check_password(OLD)
    entry = AuditEntry.objects.get(seq__gt=before)
    assert (entry.action, entry.object_type, entry.object_id) == ("update", "core.user",
                                                                  str(user.pk))
    assert entry.changes == {"password": "changed"} and entry.actor_username == "lihua"


@pytest.mark.parametrize(("old", "new", "field"), [
    ("not-my-password", NEW, "old_password"),
    (OLD, "jiayuan123", "new_password1"),
    (OLD, OLD, "new_password1"),
])
def test_a_refused_change_changes_nothing(user, old, new, field):
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        accounts.change_password(actor=user, old=old, new=new)
    assert set(exc.value.error_dict) == {field}
    user.refresh_from_db()
    assert user.check_password(OLD) and AuditEntry.objects.count() == before


def test_the_page_keeps_this_session_and_ends_the_others(user):
    here, elsewhere = Client(), Client()
    for c in (here, elsewhere):
        assert c.post(reverse("login"), {"username": "lihua", "password": OLD}).status_code == 302
        pass_second_factor(c, user)  # and gave the code (tests/core/test_twofactor.py)
    page = here.get(reverse("password_change"))
    assert page.status_code == 200 and 'autocomplete="new-password"' in page.content.decode()
    response = here.post(reverse("password_change"), {
        "old_password": OLD, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert here.get(reverse("home")).status_code == 200
    gone = elsewhere.get(reverse("home"))
    assert gone.status_code == 302 and gone["Location"].startswith(reverse("login"))
    fresh = Client()
    assert fresh.post(reverse("login"), {"username": "lihua", "password": NEW}).status_code == 302


@pytest.mark.parametrize(("data", "message"), [
    ({"old_password": "not-my-password", "new_password1": NEW, "new_password2": NEW},
     "That is not your current password. Nothing was changed."),
    ({"old_password": OLD, "new_password1": NEW, "new_password2": NEW + "8"},
     "The two new passwords differ."),
    ({"old_password": OLD, "new_password1": "jiayuan-demo", "new_password2": "jiayuan-demo"},
     "this site&#x27;s own words"),
])
def test_the_page_says_why_and_changes_nothing(user, data, message):
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    response = c.post(reverse("password_change"), data)
    assert response.status_code == 200 and message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(OLD)


def test_the_page_is_linked_from_every_page_of_a_signed_in_user(user):
    c = Client()
    c.force_login(user)
    assert f'href="{reverse("password_change")}"' in c.get(reverse("home")).content.decode()
