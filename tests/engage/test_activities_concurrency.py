"""Two cancellations at the same moment (PostgreSQL): each frees a place and
the waiting list moves up by exactly two, never three, never one."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from jiayuan.engage.activities import services as s
from jiayuan.engage.activities.models import SignUp
from jiayuan.places.models import Grid
from tests.engage.test_activities_services import make_session, portal


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'",
                    reason="SQLite serialises writers itself; the race needs PostgreSQL")
def test_two_simultaneous_cancellations_promote_exactly_two(personas: Any,
                                                             grid_a: Grid) -> None:
    session = make_session(personas["head"], grid_a, timezone.now(), capacity=2)
    confirmed = portal(session, "甲", "乙")
    portal(session, "丙", "丁", "戊", phone="13812340001")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def cancel(signup: SignUp) -> None:
        try:
            barrier.wait()
            s.signup_cancel(actor=None, signup=signup)
        except (ValidationError, BaseException) as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel, args=(c,)) for c in confirmed]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    statuses = dict(SignUp.objects.filter(session=session).values_list("name", "status"))
    assert statuses == {"甲": "cancelled", "乙": "cancelled", "丙": "confirmed",
                        "丁": "confirmed", "戊": "waiting"}
