"""Writes that race (jiayuan.core.locks, row locks): a portal sign-up counts
its hourly limit under the form's lock, an hours credit counts the day's 24
hours with the volunteer locked, a card link is made one at a time for a
person (or the station), and a volunteer registered twice at the same moment
is refused in words, not with a 500."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jiayuan.core import locks
from jiayuan.engage.choices import HoursSource, VolunteerRole
from jiayuan.engage.models import HoursEntry, Volunteer
from jiayuan.engage.volunteers import services
from jiayuan.engage.volunteers.ledger import hours_credit
from jiayuan.places.models import Grid
from tests.engage.test_activities_services import make_session, portal
from tests.engage.test_cards_services import _link
from tests.locking import needs_postgres, waits_for


def test_a_volunteer_registered_twice_at_once_is_refused_in_words(
        head: Any, household: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    services.volunteer_register(actor=head, person=household.head, roles=[])
    # The second one's check ran before the first was saved: the insert refuses it.
    monkeypatch.setattr(Volunteer.objects, "filter",
                        lambda *a, **kw: Volunteer.objects.none())
    with pytest.raises(ValidationError) as refused:
        services.volunteer_register(actor=head, person=household.head, roles=[])
    assert "person" in refused.value.message_dict
    monkeypatch.undo()
    assert Volunteer.objects.count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_portal_sign_up_counts_the_limit_under_the_forms_lock(personas: Any,
                                                                 grid_a: Grid) -> None:
    session = make_session(personas["head"], grid_a, timezone.now())
    outcome = waits_for(lambda: locks.hold(locks.PORTAL_SIGNUPS),
                        lambda: portal(session, "甲"))
    assert outcome.error is None, outcome.error
    assert outcome.waited


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_an_hours_credit_locks_the_volunteer_before_counting_the_day(
        head: Any, household: Any) -> None:
    v = services.volunteer_register(actor=head, person=household.head,
                                    roles=[VolunteerRole.INFORMANT])
    outcome = waits_for(
        lambda: Volunteer.objects.select_for_update(no_key=True).get(pk=v.pk),
        lambda: hours_credit(actor=head, volunteer=v, on=timezone.localdate(),
                             hours=Decimal("2"), source=HoursSource.STAFF))
    assert outcome.error is None, outcome.error
    assert outcome.waited
    assert HoursEntry.objects.filter(volunteer=v).count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_the_stations_card_link_is_made_one_at_a_time(personas: Any) -> None:
    head = personas["head"]
    name = locks.per_community(locks.CARD_LINKS, head.community_id) + ":station"
    outcome = waits_for(lambda: locks.hold(name), lambda: _link(head))
    assert outcome.error is None, outcome.error
    assert outcome.waited
