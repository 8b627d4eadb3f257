"""Two new tokens at once (PostgreSQL): the account's tokens are counted and
issued one request at a time (locks.API_TOKENS per account), so the cap
holds, and the one over it is refused in words."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jiayuan.api import tokens
from jiayuan.api.models import ApiToken
from jiayuan.core import locks
from tests.locking import needs_postgres, waits_for

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


def test_two_tokens_asked_at_once_for_the_last_place_make_one(personas: Any) -> None:
    user = personas["caseworker"]
    ApiToken.objects.bulk_create(
        ApiToken(user=user, name=f"t{i}", prefix=f"p{i:07d}", key_hash=f"h{i}",
                 created_at=timezone.now()) for i in range(tokens.MAX_ACTIVE_TOKENS - 1))
    # Another request holds the account's turn and issues the last token
    # allowed while this one waits: without the lock this one counted before
    # that commit, and both were issued.
    outcome = waits_for(
        lambda: locks.hold(locks.per_user(locks.API_TOKENS, user.pk)),
        lambda: tokens.issue_token(user, name="第二个"),
        then=lambda: ApiToken.objects.create(user=user, name="第一个", prefix="pfirst00",
                                             key_hash="first", created_at=timezone.now()))
    assert outcome.waited
    assert isinstance(outcome.error, ValidationError), outcome.error
    assert str(tokens.MAX_ACTIVE_TOKENS) in outcome.error.messages[0]  # "you have 20 …"
    assert ApiToken.objects.filter(user=user).count() == tokens.MAX_ACTIVE_TOKENS
