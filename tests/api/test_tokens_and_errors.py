"""Tokens authenticate, revoke and stay read-only; every error has one shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.test import APIClient

from jiayuan.api import tokens
from jiayuan.api.models import ApiToken
from jiayuan.core.audit import verify_chain

pytestmark = pytest.mark.django_db


def _shape(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["status"] == status and error["code"] == code and error["message"]


def test_a_token_acts_as_its_account_and_only_its_hash_is_stored(personas: Any) -> None:
    token, secret = tokens.issue_token(personas["gridworker"], name="phone")
    assert secret not in {token.key_hash, token.prefix} and secret.startswith("jy_")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    me = client.get("/api/v1/me/").json()
    assert me["username"] == "gridworker" and me["token"]["prefix"] == token.prefix
    assert "reveal_id_number" not in me["permissions"]
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert verify_chain().ok


def test_a_revoked_or_forged_token_is_refused_in_the_documented_shape(personas: Any) -> None:
    token, secret = tokens.issue_token(personas["caseworker"], name="12345")
    tokens.revoke_token(personas["caseworker"], token.pk)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    _shape(client.get("/api/v1/me/"), 401, "authentication_failed")
    client.credentials(HTTP_AUTHORIZATION="Bearer jy_nothing_here")
    _shape(client.get("/api/v1/me/"), 401, "authentication_failed")
    _shape(APIClient().get("/api/v1/me/"), 401, "not_authenticated")


def test_nobody_revokes_a_colleagues_token(personas: Any) -> None:
    token, _ = tokens.issue_token(personas["caseworker"], name="mine")
    with translation.override("en"), pytest.raises(ValidationError, match="no such token"):
        tokens.revoke_token(personas["gridworker"], token.pk)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_a_read_only_token_cannot_write(personas: Any, api_for: Any) -> None:
    client = api_for(personas["caseworker"], read_only=True)
    assert client.get("/api/v1/me/").status_code == 200
    _shape(client.post("/api/v1/me/", {}, format="json"), 403, "forbidden")


def test_an_unknown_address_under_api_answers_in_the_error_shape(personas: Any,
                                                                 api_for: Any) -> None:
    _shape(api_for(personas["head"]).get("/api/v1/no-such-thing/"), 404, "not_found")


def test_the_schema_is_served_and_names_the_error_shape() -> None:
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.") and "/api/v1/me/" in schema["paths"]


def test_a_nul_in_an_api_query_is_refused_in_the_error_shape(personas: Any,
                                                             api_for: Any) -> None:
    _shape(api_for(personas["head"]).get("/api/v1/me/?q=a%00b"), 400, "invalid")


def test_the_schema_describes_the_bearer_token() -> None:
    schema = APIClient().get("/api/schema/?format=json").json()
    assert schema["components"]["securitySchemes"]["token"]["scheme"] == "bearer"


def test_a_read_only_token_is_told_why(personas: Any, api_for: Any) -> None:
    client = api_for(personas["caseworker"], read_only=True)
    with translation.override("en"):
        answer = client.post("/api/v1/me/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.json()["error"]["message"] == "This token may only read."


def test_json_nested_beyond_reason_is_a_400_not_a_500(personas: Any, api_for: Any) -> None:
    client = api_for(personas["caseworker"])
    deep = "[" * 5000 + "]" * 5000
    answer = client.post("/api/v1/cases/", deep, content_type="application/json")
    _shape(answer, 400, "parse_error")


@pytest.mark.parametrize("since", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_date_at_the_end_of_time_is_a_400(personas: Any, api_for: Any, since: str) -> None:
    answer = api_for(personas["caseworker"]).get("/api/v1/cases/", {"updated_since": since})
    _shape(answer, 400, "invalid")


def test_an_offset_postgresql_does_not_take_is_read_in_utc(personas: Any, api_for: Any) -> None:
    """+17:47 is a valid ISO 8601 offset that PostgreSQL refuses (±15:59 at
    most): the moment is compared in UTC, so it is an answer, not a 500."""
    api = api_for(personas["caseworker"])
    answer = api.get("/api/v1/cases/", {"updated_since": "7351-05-24T03:27:18.6+17:47"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["count"] == 0
    assert api.get("/api/v1/cases/", {"updated_since": "2000-01-01T00:00:00+17:47"}
                   ).json()["count"] == api.get("/api/v1/cases/").json()["count"]
