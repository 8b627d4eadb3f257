"""The demo's volunteers: residents and staff with roles, claims in every
state, corrections, consent, certificates; reset removes them all (the
ledger refuses Model.delete, not QuerySet.delete)."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import time_machine

from jiayuan.core import audit
from jiayuan.engage.demo import volunteers as demo
from jiayuan.engage.models import Certificate, HoursClaim, HoursEntry, Volunteer
from jiayuan.registry.demo.station import StationContext
from tests.conftest import station_moment

DAY = date(2027, 5, 20)


def test_the_demo_has_claims_in_every_state_and_resets(personas: Any, household: Any,
                                                       household_b: Any,
                                                       community: Any) -> None:
    staff = {"head": personas["head"], "caseworker": personas["caseworker"],
             "gridworker": personas["gridworker"], "coordinator": personas["coordinator"]}
    ctx = StationContext(seed=0, today=DAY, staff=staff, community=community,
                         rng=random.Random("t"))
    counts: dict[str, int] = {}
    with time_machine.travel(station_moment(DAY), tick=False), audit.batch():
        made = demo.write(ctx, counts, {})
    assert counts["volunteer"] == Volunteer.objects.count() >= 5
    assert Volunteer.objects.filter(person__isnull=True).count() == 3
    assert set(HoursClaim.objects.values_list("status", flat=True)) == {
        "pending", "approved", "rejected"}
    assert HoursEntry.objects.filter(source="reversal").exists()
    assert Volunteer.objects.filter(public_consent_on__isnull=False).exists()
    assert all(e.on <= DAY for e in HoursEntry.objects.all())
    assert made["volunteers"]
    assert Certificate.objects.filter(year=DAY.year - 1).exists()
    demo.reset()
    assert not Volunteer.objects.exists() and not HoursEntry.objects.exists()
