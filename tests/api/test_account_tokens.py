"""One's own tokens: the page (a confirmation before a new one, the secret
shown once), GET/DELETE /api/v1/tokens/, and the per-token rate limit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from jiayuan.api import tokens
from jiayuan.api.account.models import ApiRateCount
from jiayuan.api.models import ApiToken
from jiayuan.core import reauth
from jiayuan.core.audit import verify_chain
from jiayuan.core.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


def _bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_a_new_token_needs_a_recent_confirmation_and_its_secret_is_shown_once(
        personas: Any) -> None:
    user = personas["caseworker"]
    client = Client()
    client.force_login(user)
    session = client.session
    session.pop(reauth.CONFIRMED, None)  # signed in a while ago: not confirmed lately
    session.save()
    page = client.get("/account/api-tokens/")
    assert page.status_code == 200 and "/account/api-tokens/new/" in page.content.decode()
    asked = client.post("/account/api-tokens/new/", {"name": "12345", "read_only": "on"})
    assert asked.status_code == 302 and asked["Location"].startswith("/account/confirm/")
    assert not ApiToken.objects.filter(user=user).exists()

    session = client.session
    session[reauth.CONFIRMED] = reauth._now()
    session.save()
    made = client.post("/account/api-tokens/new/", {"name": "12345", "read_only": "on"})
    assert made.status_code == 200
    token = ApiToken.objects.get(user=user)
    assert token.read_only and token.name == "12345"
    html = made.content.decode()
    secret = html.split('id="token-secret">')[1].split("<")[0]
    assert secret.startswith(f"jy_{token.prefix}_")
    assert "no-cache" in made["Cache-Control"] or "no-store" in made["Cache-Control"]
    assert secret not in str(dict(client.session))
    listing = client.get("/account/api-tokens/").content.decode()
    assert token.prefix in listing and secret not in listing
    assert _bearer(secret).get("/api/v1/me/").status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(token.pk)).exists()
    assert verify_chain().ok


def test_the_page_revokes_only_ones_own_tokens(personas: Any) -> None:
    mine, secret = tokens.issue_token(personas["caseworker"], name="mine")
    theirs, their_secret = tokens.issue_token(personas["head"], name="theirs")
    client = Client()
    client.force_login(personas["caseworker"])
    assert client.post("/account/api-tokens/", {"revoke": theirs.pk}).status_code == 302
    assert client.post("/account/api-tokens/", {"revoke": "9" * 40}).status_code == 302
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert "theirs" not in client.get("/account/api-tokens/").content.decode()
    client.post("/account/api-tokens/", {"revoke": mine.pk})
    mine.refresh_from_db()
    assert mine.revoked_at is not None
    assert _bearer(secret).get("/api/v1/me/").status_code == 401
    assert _bearer(their_secret).get("/api/v1/me/").status_code == 200
    assert verify_chain().ok


def test_the_api_lists_and_revokes_only_ones_own_tokens(personas: Any) -> None:
    user = personas["gridworker"]
    other, _ = tokens.issue_token(personas["caseworker"], name="other")
    kept, kept_secret = tokens.issue_token(user, name="kept")
    ro, ro_secret = tokens.issue_token(user, name="reader", read_only=True)
    client = _bearer(kept_secret)
    listing = client.get("/api/v1/tokens/").json()
    assert listing["count"] == 2
    assert {t["name"] for t in listing["results"]} == {"kept", "reader"}
    assert "key_hash" not in listing["results"][0]
    # A read-only token may list but not revoke.
    assert _bearer(ro_secret).delete(f"/api/v1/tokens/{kept.pk}/").status_code == 403
    # A colleague's token is as if it did not exist.
    gone = client.delete(f"/api/v1/tokens/{other.pk}/")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
    assert client.delete(f"/api/v1/tokens/{2**63}/").status_code == 404
    done = client.delete(f"/api/v1/tokens/{ro.pk}/")
    assert done.status_code == 200 and done.json()["active"] is False
    assert _bearer(ro_secret).get("/api/v1/me/").status_code == 401
    other.refresh_from_db()
    assert other.revoked_at is None
    assert verify_chain().ok


def test_the_rate_limit_counts_per_token_per_minute(personas: Any, settings: Any) -> None:
    settings.API_RATE_PER_MINUTE = 3
    _t1, first = tokens.issue_token(personas["caseworker"], name="one")
    _t2, second = tokens.issue_token(personas["caseworker"], name="two")
    with time_machine.travel(datetime(2026, 12, 7, 2, 0, 15, tzinfo=UTC), tick=False) as clock:
        client = _bearer(first)
        assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200] * 3
        refused = client.get("/api/v1/me/")
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "throttled"
        assert int(refused["Retry-After"]) == 45  # to the next minute
        # Another token of the same account has its own count.
        assert _bearer(second).get("/api/v1/me/").status_code == 200
        # A new minute, a new count; the old minutes' rows go in time.
        clock.move_to(datetime(2026, 12, 7, 2, 1, 0, tzinfo=UTC))
        assert client.get("/api/v1/me/").status_code == 200
        clock.move_to(datetime(2026, 12, 7, 2, 30, 0, tzinfo=UTC))
        assert client.get("/api/v1/me/").status_code == 200
        assert ApiRateCount.objects.count() == 1


def test_the_count_is_in_the_database_not_in_a_process(personas: Any, settings: Any) -> None:
    """Two app servers share only the database: a count made elsewhere counts here."""
    settings.API_RATE_PER_MINUTE = 5
    token, secret = tokens.issue_token(personas["head"], name="busy")
    with time_machine.travel(datetime(2026, 12, 7, 2, 0, 0, tzinfo=UTC), tick=False):
        ApiRateCount.objects.create(key=f"t:{token.pk}", minute=int(
            datetime(2026, 12, 7, 2, 0, 0, tzinfo=UTC).timestamp() // 60), count=5)
        assert _bearer(secret).get("/api/v1/me/").status_code == 429


def test_a_session_is_counted_per_account(personas: Any, settings: Any) -> None:
    settings.API_RATE_PER_MINUTE = 1
    client = Client()
    client.force_login(personas["auditor"])
    with time_machine.travel(datetime(2026, 12, 7, 2, 0, 0, tzinfo=UTC), tick=False):
        assert client.get("/api/v1/me/").status_code == 200
        assert client.get("/api/v1/me/").status_code == 429
