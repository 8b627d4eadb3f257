"""The counts PostgreSQL keeps of households and people living here
(jiayuan.registry.living_counts) against the people counted, after every kind
of write: services, bulk_create, COPY, raw SQL, updates that move a person or
end their living here, deletes, a rolled-back transaction. PostgreSQL only."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from jiayuan.core import metrics
from jiayuan.core.metrics import Period, Place, get
from jiayuan.places.models import Community, Grid
from jiayuan.registry import jobs, living_counts, services
from jiayuan.registry.metrics import living_households, living_people
from jiayuan.registry.models import Household, LivingCount, LivingCountState, Person
from tests.conftest import make_dwelling, station_moment

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="the counts are kept by PostgreSQL triggers")

SINCE = date(2000, 1, 1)


def live(model: str, actor: Any, day: date, place: Place) -> dict[str, int]:
    """The figure as counted from the people, on `day` (the registry's
    figures never count a day after today: the clock is moved to it)."""
    period = Period(day, day, day)
    if day > timezone.localdate():
        with time_machine.travel(station_moment(day), tick=False):
            return live(model, actor, day, place)
    if model == "households":
        qs, field = living_households(actor, period, place), "residency"
    else:
        qs, field = living_people(actor, period, place), "household__residency"
    return dict(qs.order_by().values(field).annotate(n=Count("*")).values_list(field, "n"))


def assert_exact(personas: dict[str, Any], grids: list[Grid], today: date) -> int:
    """Kept equals live for every reader, place, day and model; returns how
    many comparisons were made."""
    places = [Place.district(), *(Place.community(g.community_id) for g in grids),
              *(Place.grid(g.pk) for g in grids)]
    days = [SINCE, date(2005, 6, 1), date(2010, 1, 1), today - timedelta(days=1), today,
            today + timedelta(days=3), today + timedelta(days=10), today + timedelta(days=400)]
    n = 0
    for reader in (personas["head"], personas["gridworker"], personas["outsider"]):
        for place in places:
            for day in days:
                for model in ("households", "people"):
                    kept = living_counts.living_by_residency(model, reader, day, place)
                    assert kept == live(model, reader, day, place), (model, reader, place, day)
                    n += 1
    assert living_counts.recount() == []
    return n


@pytest.fixture
def kept(household: Any, household_b: Any) -> None:
    """The counts rewritten from SINCE on, so that every day since is read
    from them (the migration folds the days before yesterday)."""
    living_counts.recount(repair=True, since=SINCE)


def test_kept_counts_equal_live_counts_after_every_kind_of_write(
        kept: None, household: Any, household_b: Any, personas: dict[str, Any],
        grid_a: Grid, grid_b: Grid) -> None:
    head, today = personas["head"], timezone.localdate()
    grids = [grid_a, grid_b]
    assert assert_exact(personas, grids, today) > 100

    # Services: a household, members, one leaving later, a move, a move out.
    other = services.household_create(
        actor=head, dwelling=make_dwelling(grid_b, "8", "1", "101"), residency="registered",
        moved_in=date(2010, 1, 1),
        head={"name": "李四", "sex": "M", "birth_date": date(1970, 1, 1), "phone": "",
              "id_number": "", "origin_code": ""})
    kid = services.person_create(actor=head, household=other, name="李小", sex="F",
                                 birth_date=date(2015, 1, 1), relation="child",
                                 id_number="", phone="")
    assert_exact(personas, grids, today)
    members = list(household.members.order_by("pk"))
    services.person_leave(actor=head, person=members[1], on=today + timedelta(days=3))
    assert_exact(personas, grids, today)
    services.person_move(actor=head, person=kid, to_household=household, on=today,
                         relation="other_relative")
    assert_exact(personas, grids, today)
    services.household_move_out(actor=head, household=household_b, on=today)
    assert_exact(personas, grids, today)

    # bulk_create, then COPY, of households and people.
    dwelling = make_dwelling(grid_a, "9", "2", "202")
    made = Household.objects.bulk_create([
        Household(dwelling=dwelling, grid=grid_a, residency="floating", moved_in=day)
        for day in (date(2003, 3, 3), today, today + timedelta(days=10))])
    Person.objects.bulk_create([Person(household=h, grid=grid_a, name=f"批{n}", sex="M")
                                for n, h in enumerate(made * 2)])
    assert_exact(personas, grids, today)
    columns = ("household_id, grid_id, name, pinyin, sex, id_number_enc, id_number_mask, "
               "phone_enc, phone_hash, phone_mask, phone_last4, ethnicity, languages, "
               "origin_code, permit_number, occupation, relation, version, created_at, "
               "updated_at")
    with (connection.cursor() as cursor,
          cursor.cursor.copy(f"COPY registry_person ({columns}) FROM STDIN") as copy):
        for n in range(3):
            copy.write_row([made[0].pk, grid_a.pk, f"拷{n}", "", "F", "", "", "", "", "", "",
                            "", "[]", "", "", "", "other_relative", 1, timezone.now(),
                            timezone.now()])
    assert_exact(personas, grids, today)

    # Raw SQL: members leave, a household's dates and category change.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_person SET left_on = %s WHERE household_id = %s",
                       [today - timedelta(days=1), made[0].pk])
        cursor.execute("UPDATE registry_household SET moved_in = %s, residency = 'resident' "
                       "WHERE id = %s", [date(2001, 1, 1), made[1].pk])
        cursor.execute("UPDATE registry_household SET moved_out = moved_in WHERE id = %s",
                       [made[2].pk])  # out the day it came: never living here
    assert_exact(personas, grids, today)

    # Updates that move people and households between grids and communities.
    Person.objects.filter(pk=members[0].pk).update(grid=grid_b)
    Household.objects.filter(pk=made[1].pk).update(grid=grid_b, moved_out=None)
    Person.objects.filter(pk=members[2].pk).update(household=other, left_on=None)
    assert_exact(personas, grids, today)
    elsewhere = Community.objects.create(name="别处", code="ELSE")
    Grid.objects.filter(pk=grid_b.pk).update(community=elsewhere)
    grid_b.refresh_from_db()
    assert_exact(personas, grids, today)

    # Deletes: people, then their household; a household first, then its people.
    Person.objects.filter(household=made[0]).delete()
    Household.objects.filter(pk=made[0].pk).delete()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("DELETE FROM registry_household WHERE id = %s", [made[1].pk])
        assert_exact(personas, grids, today)
        cursor.execute("DELETE FROM registry_person WHERE household_id = %s", [made[1].pk])
    assert_exact(personas, grids, today)

    # A transaction rolled back leaves the counts as they were.
    before = living_counts.living_by_residency("people", head, today, Place.district())
    with pytest.raises(RuntimeError), transaction.atomic():
        Person.objects.filter(household=household).update(left_on=today)
        Household.objects.bulk_create([Household(dwelling=dwelling, grid=grid_a,
                                                 residency="floating", moved_in=today)])
        raise RuntimeError("roll back")
    assert living_counts.living_by_residency("people", head, today, Place.district()) == before
    assert_exact(personas, grids, today)


def test_the_figures_read_the_kept_counts_only_while_shown_to_be_kept(
        kept: None, household: Any, personas: dict[str, Any]) -> None:
    head, today = personas["head"], timezone.localdate()
    code, period = "registry.people", Period(today.replace(day=1), today, today)

    def read() -> Any:
        with metrics.reading():
            return get(code).read(head, period, Place.district())

    with CaptureRegistryCounts() as seen:
        assert read() == 4
    assert seen.people == 0, "read from the kept counts, not the people"
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no ALTER TABLE with checks pending
        cursor.execute("ALTER TABLE registry_person DISABLE TRIGGER registry_living_person_update")
    Person.objects.filter(household=household).update(left_on=today)  # not counted
    with CaptureRegistryCounts() as seen:
        assert read() == 1
    assert seen.people == 1, "a trigger disabled: the people are counted"
    with connection.cursor() as cursor:  # enabled again, but the counts missed a write
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE registry_person ENABLE TRIGGER registry_living_person_update")
    assert read() == 1
    assert living_counts.recount() != []
    out = StringIO()
    call_command("living_counts", "--repair", stdout=out)
    assert "repaired" in out.getvalue()
    assert living_counts.recount() == []
    with CaptureRegistryCounts() as seen:
        assert read() == 1
    assert seen.people == 0
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE registry_livingcount")
        cursor.execute("TRUNCATE registry_searchkey, registry_person, registry_household CASCADE")
    assert living_counts.floor("default") is None


class CaptureRegistryCounts:
    """How many queries read registry_person while this lasts."""

    def __enter__(self) -> CaptureRegistryCounts:
        from django.test.utils import CaptureQueriesContext
        self._capture = CaptureQueriesContext(connection)
        self._capture.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._capture.__exit__(*exc)
        self.people = sum('"registry_person"' in q["sql"] for q in self._capture.captured_queries)


def test_the_command_reports_drift_and_repairs_it(kept: None, household: Any) -> None:
    out = StringIO()
    call_command("living_counts", stdout=out)
    assert "exact" in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_livingcount SET people = people + 2 WHERE day = "
                       "(SELECT min(day) FROM registry_livingcount)")
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("living_counts", stdout=out)
    assert "expected" in out.getvalue()
    call_command("living_counts", "--repair", stdout=StringIO())
    assert living_counts.recount() == []


def test_folding_the_past_keeps_every_figure_from_the_floor_on(
        kept: None, household: Any, personas: dict[str, Any], grid_a: Grid,
        grid_b: Grid) -> None:
    head, today = personas["head"], timezone.localdate()
    services.person_leave(actor=head, person=list(household.members.order_by("pk"))[1],
                          on=today + timedelta(days=3))
    later = today + timedelta(days=5)
    rows = LivingCount.objects.count()
    assert living_counts.compact(today=later) > 0
    assert LivingCount.objects.count() < rows
    assert LivingCountState.objects.get().floor == later - timedelta(days=1)
    assert living_counts.compact(today=later) == 0  # the second run writes nothing
    assert living_counts.living_by_residency("people", head, today, Place.district()) is None
    for day in (later - timedelta(days=1), later, later + timedelta(days=30)):
        for place in (Place.district(), Place.grid(grid_a.pk), Place.grid(grid_b.pk)):
            for model in ("households", "people"):
                kept_now = living_counts.living_by_residency(model, head, day, place)
                assert kept_now == live(model, head, day, place)
    assert living_counts.recount() == []


def test_the_daily_job_distrusts_counts_that_drifted(
        kept: None, household: Any, personas: dict[str, Any], grid_a: Grid, caplog: Any) -> None:
    head, today = personas["head"], timezone.localdate()
    jobs.fold_living_counts(station_moment(today))
    assert LivingCountState.objects.get().floor is not None  # exact: still used
    LivingCount.objects.create(grid=grid_a, residency="resident", day=today, people=1)
    with caplog.at_level(logging.WARNING, logger="jiayuan.registry.living_counts"):
        jobs.fold_living_counts(station_moment(today))
    assert LivingCountState.objects.get().floor is None
    assert "1 problem(s)" in caplog.text
    assert living_counts.living_by_residency("people", head, today, Place.district()) is None
    assert living_counts.recount(repair=True)
    assert living_counts.recount() == []


def test_a_fold_between_the_check_and_the_sum_is_seen(
        kept: None, household: Any, personas: dict[str, Any]) -> None:
    # The floor is checked once per reading; the sum reads it again itself.
    head, today = personas["head"], timezone.localdate()
    with metrics.reading():
        assert living_counts.living_by_residency("people", head, today, Place.district())
        living_counts.compact(today=today + timedelta(days=5))
        assert living_counts.living_by_residency("people", head, today, Place.district()) is None


def test_emptying_the_counts_alone_marks_them_not_trustworthy(kept: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE registry_livingcount")
    assert living_counts.floor("default") is None
    assert "the counts are not marked trustworthy" in living_counts.recount()[0]


def test_an_account_of_a_community_with_no_grid_reads_nothing_and_its_home_opens(
        kept: None, household: Any, client: Any) -> None:
    """A scope of no grid is a filter Django cannot compile (EmptyResultSet):
    the kept counts give nothing living there, as counting would, and the home
    page's figures open (it was a 500)."""
    from jiayuan.core.models import User

    empty = Community.objects.create(name="无网格社区", code="NOGRID")
    nobody = User.objects.create_user("no-grid", password="pw-for-tests-only",
                                      role="head", community=empty)
    today = timezone.localdate()
    for model in ("households", "people"):
        kept_counts = living_counts.living_by_residency(model, nobody, today, Place.district())
        assert kept_counts == {} == live(model, nobody, today, Place.district())
    client.force_login(nobody)
    assert client.get("/").status_code == 200
