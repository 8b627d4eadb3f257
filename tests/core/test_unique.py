"""unique_or: a unique index's refusal becomes the check's own, in a
savepoint that leaves the caller's transaction usable (both databases)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from jiayuan.core.models import User
from jiayuan.core.unique import unique_or

pytestmark = pytest.mark.django_db

TAKEN = ValidationError({"username": "taken"})


def test_it_turns_the_unique_index_refusal_into_the_checks_and_the_transaction_goes_on():
    User.objects.create(username="wang")
    with pytest.raises(ValidationError) as exc, unique_or(TAKEN):
        User.objects.create(username="wang")
    assert exc.value is TAKEN and isinstance(exc.value.__cause__, IntegrityError)
    assert User.objects.filter(username="wang").count() == 1  # still usable


def test_it_turns_only_the_named_constraints():
    User.objects.create(username="li")
    with pytest.raises(IntegrityError), unique_or(TAKEN, constraints=("some_other_unique",)):
        User.objects.create(username="li")
    with pytest.raises(ValidationError), unique_or(TAKEN, constraints=(
            "core_user_username_key", "core_user.username")):
        User.objects.create(username="li")


def test_a_block_that_inserts_nothing_twice_is_left_alone():
    with unique_or(TAKEN):
        made = User.objects.create(username="zhao")
    assert User.objects.get(username="zhao") == made
