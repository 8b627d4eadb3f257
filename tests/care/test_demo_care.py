"""The demo's year of visits, must-visit duties, disputes and pairings
(manage.py demo, tiny scale; jiayuan.care.demo)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from jiayuan.care.choices import QUALIFYING_MODES, DutyRule, DutyStatus
from jiayuan.care.demo import year
from jiayuan.care.duties import engine as duties
from jiayuan.care.models import (
    CheckIn,
    Dispute,
    DisputeParty,
    Duty,
    FestivalDate,
    MediationSession,
    Pairing,
    Visit,
)
from jiayuan.core.models import User
from jiayuan.core.roles import Perm, Role
from jiayuan.core.scope import in_scope
from jiayuan.demo.loader import reset
from jiayuan.desk.models import RefCounter
from jiayuan.places.models import Building, Community, Dwelling, Grid
from jiayuan.registry.models import Circumstance, Household, Person
from tests.conftest import DEMO_TODAY
from tests.shared_data import demo_once

# The demo is loaded for DEMO_TODAY with the clock there: the same data on any day.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_today")]


demo_loaded = demo_once(seed=1)


def demo(**options: Any) -> str:
    out = StringIO()
    call_command("demo", scale="tiny", today=DEMO_TODAY, stdout=out, **options)
    return out.getvalue()


def state(duty: Duty, today: date) -> str:
    if duty.status == DutyStatus.OPEN:
        return "open" if duty.due >= today else "overdue"
    if duty.status == DutyStatus.LAPSED:
        return "lapsed"
    return "done on time" if duty.on_time else "done late"


def care_rows() -> dict[str, list]:
    return {
        "visits": list(Visit.objects.order_by("pk").values_list(
            "visited_at", "mode", "purpose", "found", "needs", "sensitive_note", "grid_id",
            "created_by__username")),
        "duties": list(Duty.objects.order_by("household_id", "rule", "raised_on", "key").values_list(
            "household_id", "rule", "key", "raised_on", "due", "status", "closed_on")),
        "disputes": list(Dispute.objects.order_by("ref").values_list(
            "ref", "kind", "status", "outcome", "opened_on", "closed_on", "summary")),
        "pairings": list(Pairing.objects.order_by("pk").values_list(
            "household_id", "helper_kind", "helper_user__username", "helper_person_id",
            "started", "status", "last_contact")),
    }


def test_the_same_seed_and_day_give_the_same_year() -> None:
    demo(seed=1)
    first = care_rows()
    demo(seed=1, reset=True)
    assert care_rows() == first
    # Topping up a database loaded without visits gives the same year too.
    year.reset()
    assert not Visit.objects.exists()
    counts = year.top_up(1, timezone.localdate())
    assert counts["duty_reconciled"] == 0
    assert care_rows() == first
    demo(seed=2, reset=True)
    assert care_rows()["visits"] != first["visits"]


@pytest.mark.xdist_group("care-demo")
class TestTheLoadedDemo:
    """Checks of one load (seed 1, DEMO_TODAY), made once for the class."""

    def test_the_demo_has_a_year_of_care(self, demo_loaded: str) -> None:
        today = timezone.localdate()
        assert Visit.objects.count() > 100
        assert Dispute.objects.exists() and DisputeParty.objects.exists()
        assert MediationSession.objects.exists()
        assert Pairing.objects.exists() and CheckIn.objects.exists()
        # Some pairings agreed a term (the station-scale demo has active ones past it).
        assert Pairing.objects.exclude(planned_end=None).exists()
        assert Pairing.objects.filter(planned_end=None).exists()
        modes = Counter(Visit.objects.values_list("mode", flat=True))
        assert modes.most_common(1)[0][0] == "home" and len(modes) == 5
        purposes = set(Visit.objects.values_list("purpose", flat=True))
        assert purposes == {"routine", "duty", "follow_up", "festival", "merchant"}
        assert Visit.objects.filter(business__isnull=False, purpose="merchant").exists()
        assert Visit.objects.exclude(sensitive_note="").exists()
        assert Visit.objects.filter(next_visit__isnull=False).exists()
        assert all(v.visited_at < timezone.now() for v in Visit.objects.all())

        # Duties in every state, as the duty list shows them today.
        states = Counter(state(d, today) for d in Duty.objects.all())
        assert set(states) == {"open", "overdue", "done on time", "done late", "lapsed"}, states
        assert states["done on time"] > states["done late"]  # most are met in time
        rules = set(Duty.objects.values_list("rule", flat=True))
        assert {DutyRule.DISPUTE, DutyRule.FESTIVAL} <= rules
        assert Dispute.objects.filter(status="closed").exists()
        assert Dispute.objects.exclude(status="closed").exists()

    def test_duties_follow_the_rules_and_the_engine_has_nothing_to_add(self, demo_loaded: str) -> None:
        assert duties.run(timezone.now()) == 0  # the tick after the load writes nothing
        out = StringIO()
        call_command("tick", only="duties", stdout=out)
        assert "0" in out.getvalue() and Duty.objects.filter(
            raised_on__gt=timezone.localdate()).count() == 0
        parties = set(DisputeParty.objects.exclude(household=None).values_list(
            "household_id", flat=True))
        for duty in Duty.objects.select_related("household", "visit"):
            assert duty.grid_id == duty.household.grid_id
            if duty.status == DutyStatus.DONE:
                visit = duty.visit
                assert visit is not None and visit.mode in QUALIFYING_MODES
                assert duty.household_id in set(visit.households.values_list("pk", flat=True))
                assert timezone.localdate(visit.visited_at) == duty.closed_on >= duty.raised_on
            if duty.rule == DutyRule.DISPUTE:
                assert duty.household_id in parties
                assert set(duty.detail["refs"]) <= set(Dispute.objects.values_list("ref", flat=True))
            if duty.rule == DutyRule.FESTIVAL:  # only what the household declared
                assert duty.detail["festival"] in duty.household.festivals
                assert FestivalDate.objects.filter(festival=duty.detail["festival"],
                                                   date=duty.due).exists()
            if duty.rule in (DutyRule.ILLNESS, DutyRule.HARDSHIP, DutyRule.DISABILITY):
                assert Circumstance.objects.filter(household=duty.household).exists()
        worker = User.objects.get(username="gridworker")
        grid = worker.grids.get()
        assert set(Duty.objects.filter(grid=grid).values_list("assignee", flat=True)) == {worker.pk}

    def test_every_visit_is_made_by_staff_whose_scope_holds_it(self, demo_loaded: str) -> None:
        for visit in Visit.objects.prefetch_related("visitors", "households"):
            visitors = list(visit.visitors.all())
            assert visit.created_by in visitors
            for user in visitors:
                assert user.has(Perm.LOG_VISITS), (visit.pk, user.username)
                assert in_scope(user, visit.grid_id), (visit.pk, user.username)
            if visit.sensitive_note:
                assert visit.created_by.has(Perm.VIEW_SENSITIVE)
            grids = {h.grid_id for h in visit.households.all()}
            if visit.business_id:
                assert not grids and visit.business.grid_id == visit.grid_id
            else:
                assert grids == {visit.grid_id}
        # The station's grid workers visit their own grid only.
        for username in ("gridworker", "gridworker2"):
            user = User.objects.get(username=username)
            assert set(Visit.objects.filter(visitors=user).values_list("grid", flat=True)) <= set(
                user.grids.values_list("pk", flat=True))

    def test_disputes_and_pairings_come_from_the_registry(self, demo_loaded: str) -> None:
        for dispute in Dispute.objects.prefetch_related("parties", "mediators"):
            assert dispute.ref.startswith("ZJJ-T-")
            assert all(m.has(Perm.MEDIATE) for m in dispute.mediators.all())
            households = [p.household for p in dispute.parties.all() if p.household_id]
            assert households and dispute.grid_id == households[0].grid_id
            if dispute.kind == "neighbours" and len(households) == 2:
                assert households[0].dwelling.building_id == households[1].dwelling.building_id
            if dispute.status == "closed":
                assert dispute.outcome and dispute.closed_on >= dispute.opened_on
            if dispute.outcome in ("resolved", "partly"):
                assert dispute.agreement_text and dispute.followup_due
        year_counter = RefCounter.objects.filter(prefix="ZJJ-T")
        assert sum(c.last for c in year_counter) == Dispute.objects.count()
        for pairing in Pairing.objects.select_related("household", "helper_person"):
            assert pairing.helper_user_id or pairing.helper_person_id
            if pairing.helper_person_id:
                assert pairing.helper_person.household_id != pairing.household_id
                assert pairing.helper_person.grid_id == pairing.grid_id
            if pairing.helper_user_id:
                assert in_scope(pairing.helper_user, pairing.grid_id)
            kinds = set(Circumstance.objects.filter(household=pairing.household).values_list(
                "kind", flat=True))
            ages = [(timezone.localdate() - p.birth_date).days // 365
                    for p in pairing.household.members.filter(left_on=None)]
            assert kinds or min(ages) >= 75  # hardship, disability, illness... or very old
            contacts = list(pairing.checkins.values_list("on", flat=True))
            assert pairing.last_contact == (max(contacts) if contacts else None)
        # A paired staff member's visit to their household counts as a check-in.
        for checkin in CheckIn.objects.filter(visit__isnull=False).select_related("pairing",
                                                                                  "visit"):
            assert checkin.pairing.helper_user in checkin.visit.visitors.all()

    def test_reset_removes_every_care_row_first(self, demo_loaded: str) -> None:
        festivals = FestivalDate.objects.count()
        counts = reset()
        assert counts["visit"] > 0 and counts["duty"] > 0
        for model in (Visit, Duty, Dispute, DisputeParty, MediationSession, Pairing, CheckIn,
                      Visit.households.through, Visit.visitors.through, Visit.cases.through,
                      Dispute.mediators.through):
            assert not model.objects.exists(), model.__name__
        assert not RefCounter.objects.filter(prefix__endswith="-T").exists()
        assert FestivalDate.objects.count() == festivals  # the calendar stays
        demo(seed=1)  # and it loads again
        assert Visit.objects.exists()

    def test_other_communities_get_their_own_grid_workers_and_mediator(self, demo_loaded: str) -> None:
        community = Community.objects.create(name="青阳新村社区", code="C02")
        grid = Grid.objects.create(community=community, name="第一网格", code="G1")
        building = Building.objects.create(grid=grid, number="1", name="青阳新村")
        for n in range(1, 31):
            dwelling = Dwelling(building=building, unit="1", room=f"{n:03d}")
            dwelling.save()
            household = Household.objects.create(
                dwelling=dwelling, grid=grid, residency="registered", moved_in=date(2015, 1, 1),
                festivals=["spring_festival", "mid_autumn"] if n % 2 else [])
            person = Person.objects.create(household=household, grid=grid, name=f"王建{n}",
                                           sex="M", birth_date=date(1950 + n, 1, 1),
                                           relation="head")
            Household.objects.filter(pk=household.pk).update(head=person)
            if n % 5 == 0:
                Circumstance.objects.create(household=household, person=person,
                                            kind="disability", started=date(2010, 1, 1))
        year.reset()
        counts = year.top_up(1, timezone.localdate())
        assert counts["care_account"] == 2 and counts["duty_reconciled"] == 0
        worker = User.objects.get(username="c02-grid1")
        mediator = User.objects.get(username="c02-mediator")
        assert (worker.role, worker.community_id, list(worker.grids.all())) == (
            Role.GRIDWORKER, community.pk, [grid])
        assert (mediator.role, mediator.grids.count()) == (Role.MEDIATOR, 0)
        visits = Visit.objects.filter(community=community)
        assert visits.exists()
        for visit in visits.prefetch_related("visitors"):
            assert all(in_scope(u, grid.pk) for u in visit.visitors.all())
            assert not visit.visitors.filter(community_id=Community.objects.get(code="ZJJ").pk
                                             ).exists()
        assert set(Duty.objects.filter(grid=grid).values_list("assignee", flat=True)) == {
            worker.pk}
        reset()  # the district's care accounts go with their communities
        assert not User.objects.filter(username__startswith="c02-").exists()
        assert not Community.objects.exists()
