"""A roster that adds people to households already registered locks those
households first, in the order of their keys, as the registry's services do
(PostgreSQL). Each chunk of new people takes its households FOR SHARE (the
living counts' trigger, registry 0011); taken chunk by chunk in the sheet's
order, those locks could deadlock with a desk moving someone between two of
them (lock_households 3 then 9 against the import's 9 then 3)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from jiayuan.registry.models import Household, Person
from jiayuan.registry.services.common import lock_households
from jiayuan.sheets import importing
from tests.locking import needs_postgres, waits_for
from tests.sheets.test_importer import FAMILIES, building3, run, start  # noqa: F401

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


def test_an_import_joining_a_registered_household_locks_it_before_writing_people(
        personas: dict, grid_a: Any, building3: Any) -> None:  # noqa: F811
    head = personas["head"]
    run(head, grid_a, FAMILIES)
    wang = Household.objects.get(dwelling__code="3-1-501")
    batch = start(head, grid_a, [["王小妹", "女", "2019-05-06", "", "", "3", "1", "501",
                                  "女", ""]])
    waiting: list[str] = []

    def seen_waiting() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT query FROM pg_stat_activity WHERE datname = "
                           "current_database() AND wait_event_type = 'Lock'")
            waiting.extend(q for (q,) in cursor.fetchall())

    outcome = waits_for(lambda: lock_households(wang.pk),
                        lambda: importing.commit(actor=head, batch=batch),
                        then=seen_waiting)
    assert outcome.waited and outcome.error is None, outcome.error
    # It waited where a service would, on the household's row, not inside a
    # chunk of people (a COPY or INSERT whose trigger took it).
    assert len(waiting) == 1 and "FOR NO KEY UPDATE" in waiting[0], waiting
    assert Person.objects.filter(name="王小妹", household=wang).exists()
