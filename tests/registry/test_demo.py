"""manage.py demo: deterministic, valid, indexed demo data at the tiny scale."""

from __future__ import annotations

from datetime import date, time, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from jiayuan.core.audit import verify_chain
from jiayuan.core.models import AuditEntry, User
from jiayuan.lib.divisions import normalize_origin
from jiayuan.lib.ethnicity import is_valid_ethnicity
from jiayuan.lib.idcard import check_agrees, normalize_id_number
from jiayuan.lib.phone import normalize_phone
from jiayuan.places.models import Community, Dwelling, Grid
from jiayuan.registry.choices import LANGUAGE_CODES
from jiayuan.registry.identifiers import id_number_of, phone_of
from jiayuan.registry.models import (
    Consent,
    Household,
    HouseholdAddress,
    Membership,
    Person,
    SearchKey,
)
from jiayuan.registry.search import search
from tests.conftest import DEMO_TODAY, station_moment
from tests.shared_data import demo_once

# The demo is loaded for DEMO_TODAY with the clock there: the same data on any day.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_today")]


demo_loaded = demo_once(seed=1)


def demo(**options: object) -> str:
    out = StringIO()
    options.setdefault("today", DEMO_TODAY)
    call_command("demo", scale="tiny", stdout=out, **options)
    return out.getvalue()


def residents() -> list[tuple[str, str]]:
    return list(Person.objects.order_by("pk").values_list("name", "household__dwelling__code"))


def test_it_gives_the_same_data_for_the_same_seed_and_different_data_for_another() -> None:
    demo(seed=7)
    first = residents()
    demo(seed=7, reset=True)
    assert residents() == first
    demo(seed=8, reset=True)
    assert residents() != first
    assert Community.objects.count() == 1  # the reset removed the first load


def test_it_gives_every_household_a_head_who_is_a_member() -> None:
    demo(seed=3)
    for household in Household.objects.select_related("head"):
        head = household.head
        assert head is not None
        assert head.household_id == household.pk and head.relation == "head"
        assert Membership.objects.filter(person=head, household=household).exists()
        assert household.grid_id == Dwelling.objects.get(pk=household.dwelling_id).grid_id
    assert Membership.objects.count() == Person.objects.count()


def test_it_skips_quietly_with_if_empty() -> None:
    assert "Demo data loaded" in demo(seed=1, if_empty=True)  # empty: it loads
    before = residents()
    assert demo(seed=2, if_empty=True) == ""
    assert residents() == before


def test_it_gives_demo_logins_a_password_only_in_demo_mode(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEMO_MODE = False
    out = demo(seed=1)
    assert not User.objects.get(username="head").has_usable_password()
    assert "JIAYUAN_DEMO=1" in out
    settings.DEMO_MODE = True
    out = demo(seed=1, reset=True)
    assert User.objects.get(username="head").check_password("jiayuan-demo")
    assert "jiayuan-demo" in out


def test_it_leaves_an_existing_superuser_alone() -> None:
    User.objects.create_superuser("admin", password="not-the-demo-one")
    demo(seed=1)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("not-the-demo-one")
    demo(seed=1, reset=True)
    assert User.objects.filter(username="admin", is_superuser=True).exists()


def test_it_refuses_to_reset_data_it_did_not_load(household) -> None:
    with pytest.raises(CommandError, match="not loaded by"):
        demo(seed=1, reset=True)
    assert Household.objects.filter(pk=household.pk).exists()


@pytest.mark.django_db
def test_every_sensitive_detail_in_the_demo_has_a_consent():
    from jiayuan.registry.models import Circumstance, Household, Person

    call_command("demo", "--scale", "tiny", "--seed", "3", "--today", DEMO_TODAY.isoformat(),
                 stdout=StringIO())
    consenting = set(Consent.objects.filter(purpose="sensitive", status="given")
                     .values_list("person_id", flat=True))
    assert set(Person.objects.exclude(ethnicity="").values_list("pk", flat=True)) <= consenting
    heads = Household.objects.exclude(festivals=[]).values_list("head_id", flat=True)
    assert set(heads) <= consenting
    for item in Circumstance.objects.all():
        assert (item.person_id or item.household.head_id) in consenting


# --- the day the demo is anchored on ---------------------------------------------

def test_it_takes_the_day_it_is_anchored_on() -> None:
    from jiayuan.care.models import Visit
    from jiayuan.desk.models import Case, RefCounter

    day = date(2028, 2, 29)
    call_command("demo", "--scale", "tiny", "--seed", "1", "--today", day.isoformat(),
                 stdout=StringIO())
    start = station_moment(day, time(0, 0))
    latest = Case.objects.latest("opened_at").opened_at
    assert start - timedelta(days=3) < latest < start  # the year ends the evening before
    assert Case.objects.earliest("opened_at").opened_at >= start - timedelta(days=366)
    assert Visit.objects.latest("visited_at").visited_at < start
    assert RefCounter.objects.filter(prefix="ZJJ", year=2028).exists()
    assert AuditEntry.objects.get(object_type="demo").object_repr == "demo tiny seed 1"


@pytest.mark.parametrize("value", ["2028-02-30", "tomorrow", "2028/02/29", ""])
def test_it_refuses_a_today_that_is_not_a_date(value: str, capsys) -> None:
    with pytest.raises(CommandError, match="not a date: write it as YYYY-MM-DD"):
        call_command("demo", "--scale", "tiny", "--today", value, stdout=StringIO())
    with pytest.raises(CommandError, match="not a date"):
        call_command("demo", scale="tiny", today=value or "x", stdout=StringIO())
    assert not Community.objects.exists()


def test_it_refuses_a_today_before_its_residents_are_dated() -> None:
    with pytest.raises(CommandError, match="before 2026-11-01"):
        call_command("demo", "--scale", "tiny", "--today", "2026-10-31", stdout=StringIO())
    assert not Community.objects.exists()


def duty_state(duty: Any, today: date) -> str:
    if duty.status == "open":
        return "open" if duty.due >= today else "overdue"
    if duty.status == "lapsed":
        return "lapsed"
    return "done on time" if duty.on_time else "done late"


@pytest.mark.parametrize("day", [
    pytest.param(date(2026, 12, 6), id="sunday-no-acknowledged-case-once"),
    pytest.param(date(2027, 2, 1), id="monday-every-dispute-open-once"),
    pytest.param(date(2027, 12, 31), id="year-end"),
    pytest.param(date(2028, 2, 29), id="leap-day"),
    pytest.param(date(2028, 3, 1), id="after-leap-day"),
])
def test_every_status_shows_whatever_the_day(day: date) -> None:
    """The queues a worker sees are never empty of a status, on any anchor: the
    generators force what the draws left out (the day, not the test, decides)."""
    from jiayuan.care.models import Dispute, Duty
    from jiayuan.desk.choices import Channel, Status
    from jiayuan.desk.models import Case

    with time_machine.travel(station_moment(day), tick=True):
        demo(seed=1, today=day)
    assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
    assert set(Case.objects.values_list("channel", flat=True)) == set(Channel.values)
    states = {duty_state(d, day) for d in Duty.objects.all()}
    assert states == {"open", "overdue", "done on time", "done late", "lapsed"}
    assert Dispute.objects.filter(status="closed").exists()
    assert Dispute.objects.exclude(status="closed").exists()


@pytest.mark.xdist_group("registry-demo")
class TestTheLoadedDemo:
    """Checks of one load (seed 1, DEMO_TODAY), made once for the class."""

    def test_it_loads_the_tiny_scale(self, demo_loaded: str) -> None:
        out = demo_loaded
        community = Community.objects.get()
        assert (community.name, community.code) == ("邹家角社区", "ZJJ")
        assert list(Grid.objects.values_list("name", flat=True)) == ["第一网格", "第二网格"]
        assert 55 <= Household.objects.count() <= 65
        assert 130 <= Person.objects.count() <= 210
        assert HouseholdAddress.objects.filter(moved_out__isnull=True).count() >= 55
        assert "people" in out and "gridworker" in out
        gridworker = User.objects.get(username="gridworker")
        assert list(gridworker.grids.values_list("name", flat=True)) == ["第一网格"]
        admin = User.objects.get(username="admin")
        assert admin.is_staff and not admin.is_superuser and admin.role == "admin"
        # One audit entry for the bulk load (places, households, cases, care), not
        # one per row. The year of meetings, suggestions, projects, volunteers and
        # activities goes through the services, written as the demo's staff did it:
        # each of those writes is audited like any other, in the apps' own tables.
        entry = AuditEntry.objects.get(object_type="demo")
        assert entry.object_repr == "demo tiny seed 1"
        assert entry.changes["person"] == Person.objects.count()
        through_services = AuditEntry.objects.exclude(pk=entry.pk)
        assert not through_services.exclude(
            object_type__regex=r"^(civic|engage|desk\.case|desk\.referral|registry\.person|api)"
        ).exclude(object_type__in=["permission"]).exists(), sorted(set(
            through_services.values_list("object_type", flat=True)))
        # Each by a demo account, by "portal" for what residents sent there, or by
        # "manage.py" for the Open311 key (issued on the server by a command).
        assert not through_services.filter(actor_id__isnull=True).exclude(
            actor_username__in=["portal", "manage.py"]).exists()

    def test_its_summary_counts_deliberation_and_participation(self,
                                                                demo_loaded: str) -> None:
        from jiayuan.civic.models import Decision, Meeting, Project, Suggestion
        from jiayuan.engage.models import (
            Activity,
            CardBatch,
            HoursEntry,
            Post,
            SignUp,
            Volunteer,
        )

        printed = {}
        for line in demo_loaded.splitlines():
            label, _sep, number = line.strip().rpartition("  ")
            if label and number.replace(",", "").isdigit():
                printed[label.strip()] = int(number.replace(",", ""))
        expected = {"meetings": Meeting, "decisions": Decision, "suggestions": Suggestion,
                    "improvement projects": Project, "volunteers": Volunteer,
                    "volunteer hours entries": HoursEntry, "activities": Activity,
                    "activity sign-ups": SignUp, "policy column posts": Post,
                    "contact card batches": CardBatch}
        for label, model in expected.items():
            assert printed.get(label) == model.objects.count() > 0, label

    def test_it_stores_id_numbers_that_are_valid_and_agree_with_the_person(
            self, demo_loaded: str) -> None:
        people = list(Person.objects.filter(id_number_hash__isnull=False))
        assert len(people) >= 0.75 * Person.objects.count()
        for person in people:
            number = id_number_of(person)
            assert normalize_id_number(number) == number
            check_agrees(number, birth_date=person.birth_date, sex=person.sex)
            assert person.id_number_mask == number[:4] + "*" * 10 + number[-4:]
        for person in Person.objects.exclude(phone_enc=""):
            phone = phone_of(person)
            assert normalize_phone(phone) == phone

    def test_it_indexes_every_person_for_search(self, demo_loaded: str) -> None:
        indexed = set(SearchKey.objects.values_list("person_id", flat=True))
        assert indexed == set(Person.objects.values_list("pk", flat=True))
        mismatched = SearchKey.objects.exclude(grid_id__in=Grid.objects.values("pk"))
        assert not mismatched.exists()
        gridworker = User.objects.get(username="gridworker")
        for query in ("zrz", "鄭容哲"):
            hits = search(gridworker, query)
            assert any(h.person.name == "郑容哲" and h.household.dwelling.code == "3-2-302"
                       for h in hits), query

    def test_it_records_only_valid_codes(self, demo_loaded: str) -> None:
        for origin, ethnicity, languages in Person.objects.values_list(
                "origin_code", "ethnicity", "languages"):
            assert normalize_origin(origin) == origin
            assert ethnicity == "" or is_valid_ethnicity(ethnicity)
            assert set(languages) <= LANGUAGE_CODES
        declared = Person.objects.exclude(ethnicity="").count()
        assert 0.25 < declared / Person.objects.count() < 0.75  # optional: many leave it empty

    def test_it_names_a_guardian_for_every_consent_of_a_child_under_14(
            self, demo_loaded: str) -> None:
        consents = Consent.objects.select_related("person")
        assert consents.filter(purpose="registry").exists()
        for consent in consents:
            person = consent.person
            if person.age_on(consent.recorded_on) < 14:
                assert consent.guardian_id is not None, person.name
        assert not consents.filter(purpose="referral", department__isnull=True).exists()

    def test_it_refuses_to_load_over_existing_data(self, demo_loaded: str) -> None:
        before = residents()
        with pytest.raises(CommandError, match="--reset"):
            demo(seed=2)
        assert residents() == before

    def test_it_keeps_the_audit_log_when_resetting(self, demo_loaded: str) -> None:
        demo(seed=1, reset=True)
        actions = list(AuditEntry.objects.filter(object_type="demo").order_by("seq")
                       .values_list("action", "object_type"))
        assert actions == [("create", "demo"), ("delete", "demo"), ("create", "demo")]
        # The services' entries of the first load are still there after the reset.
        first_reset = AuditEntry.objects.get(object_type="demo", action="delete").seq
        assert AuditEntry.objects.filter(seq__lt=first_reset).exclude(object_type="demo").exists()
        assert verify_chain().ok
