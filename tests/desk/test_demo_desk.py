"""The desk's starting catalogue (manage.py load_catalogue) and the demo's year of
cases (manage.py demo, tiny scale)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from jiayuan.core.models import AuditEntry, User
from jiayuan.demo.loader import reset
from jiayuan.desk import services
from jiayuan.desk.choices import Channel, EventKind, ReferralStatus, Status
from jiayuan.desk.demo import catalogue
from jiayuan.desk.demo.catalogue import load_catalogue
from jiayuan.desk.models import (
    Case,
    CaseEvent,
    Department,
    DigestLog,
    FollowUp,
    RefCounter,
    Referral,
    Reminder,
    ServiceCategory,
    ServiceItem,
)
from jiayuan.registry.models import Consent, Person
from tests.conftest import DEMO_TODAY
from tests.shared_data import demo_once

# The demo is loaded for DEMO_TODAY with the clock there: the same data on any day.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_today")]
REF = re.compile(r"^ZJJ-(\d{4})-(\d{5})$")


demo_loaded = demo_once(seed=1)


def demo(**options: Any) -> str:
    out = StringIO()
    call_command("demo", scale="tiny", today=DEMO_TODAY, stdout=out, **options)
    return out.getvalue()


def demo_now() -> datetime:
    """The demo's "now": every demo case happened before the start of today."""
    return timezone.make_aware(datetime.combine(timezone.localdate(), time()))


def case_rows() -> list[tuple]:
    return list(Case.objects.order_by("ref").values_list(
        "ref", "item__code", "channel", "status", "priority", "person__name", "caller_name",
        "summary", "opened_at", "due", "owner__username", "outcome", "is_repeat",
        "duplicate_of__ref"))


# --- the catalogue -----------------------------------------------------------

def test_the_catalogue_has_every_text_in_three_languages() -> None:
    counts = load_catalogue()
    assert counts["category"]["created"] == ServiceCategory.objects.count() == 14
    assert counts["item"]["created"] == ServiceItem.objects.count()
    assert 45 <= ServiceItem.objects.count() <= 55
    assert Department.objects.filter(kind="government").count() >= 10
    assert Department.objects.filter(kind="partner").count() >= 14
    used = set(ServiceItem.objects.values_list("category__code", flat=True))
    assert used == set(ServiceCategory.objects.values_list("code", flat=True))  # none empty
    for field, model in (("name", ServiceCategory), ("name", Department),
                         ("handles", Department), ("name", ServiceItem),
                         ("description", ServiceItem)):
        for row in model.objects.values(f"{field}_zh_hans", f"{field}_zh_hant", f"{field}_en"):
            assert all(row.values()), (model.__name__, row)
            assert re.search(r"[A-Za-z]{3}", row[f"{field}_en"]), row  # real English
    # Traditional Chinese is converted, not copied.
    assert Department.objects.get(code="civil-affairs").name_zh_hant == "區民政局"
    assert ServiceItem.objects.get(code="school-place").name_zh_hant == "隨遷子女入學申請"
    for item in ServiceItem.objects.exclude(documents_zh_hans=""):
        lines = [item.documents_zh_hans.splitlines(), item.documents_zh_hant.splitlines(),
                 item.documents_en.splitlines()]
        assert len({len(x) for x in lines}) == 1, item.code  # one document per line, each
    assert ServiceItem.objects.filter(green_channel=True).count() >= 3
    assert ServiceItem.objects.filter(onsite_required=True).count() >= 3
    school = ServiceItem.objects.get(code="school-place")
    assert (school.response_hours, school.resolution_days) == (48, 30)
    assert school.department.code == "education"
    # The catalogue ships no contact details: a real station enters its own.
    assert not Department.objects.exclude(phone="").exists()


def test_loading_the_catalogue_twice_creates_nothing_and_keeps_edits() -> None:
    load_catalogue()
    item = ServiceItem.objects.get(code="residence-permit")
    item.name_zh_hans, item.resolution_days, item.active = "居住证申领", 10, False
    item.save()
    dept = Department.objects.get(code="education")
    dept.phone = "0512-57000000"
    dept.save()
    before = ServiceItem.objects.count(), Department.objects.count()

    counts = load_catalogue()
    assert sum(c["created"] + c["updated"] for c in counts.values()) == 0
    assert (ServiceItem.objects.count(), Department.objects.count()) == before
    item.refresh_from_db()
    assert (item.name_zh_hans, item.resolution_days) == ("居住证申领", 10)

    out = StringIO()
    call_command("load_catalogue", "--update", stdout=out)
    item.refresh_from_db()
    dept.refresh_from_db()
    assert (item.name_zh_hans, item.resolution_days) == ("居住证办理", 15)
    assert item.active is False  # whether a service is offered is the station's choice
    assert dept.phone == "0512-57000000"  # so are contact details
    assert re.search(r"services\s+0\s+1\s+", out.getvalue())
    assert AuditEntry.objects.filter(object_type="desk.catalogue").count() == 1


def test_the_command_reports_what_it_created() -> None:
    out = StringIO()
    call_command("load_catalogue", stdout=out)
    assert re.search(rf"services\s+{len(catalogue.ITEMS)}\s+0\s+0", out.getvalue())
    out = StringIO()
    call_command("load_catalogue", stdout=out)
    assert re.search(rf"services\s+0\s+0\s+{len(catalogue.ITEMS)}", out.getvalue())
    assert "--update" in out.getvalue()
    assert AuditEntry.objects.filter(object_type="desk.catalogue").count() == 1


# --- the demo's cases ----------------------------------------------------------

def test_the_same_seed_gives_the_same_cases() -> None:
    demo(seed=4)
    first = case_rows()
    events = CaseEvent.objects.count()
    demo(seed=4, reset=True)
    assert case_rows() == first
    assert CaseEvent.objects.count() == events
    demo(seed=5, reset=True)
    assert case_rows() != first


@pytest.mark.xdist_group("desk-demo")
class TestTheLoadedDemo:
    """Checks of one load (seed 1, DEMO_TODAY), made once for the class."""

    def test_the_demo_has_cases_in_every_status_and_channel(self, demo_loaded: str) -> None:
        out = demo_loaded
        assert "desk cases" in out
        assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
        assert set(Case.objects.values_list("channel", flat=True)) == set(Channel.values)
        assert 80 <= Case.objects.count() <= 200
        # Most cases of a year are closed; older ones all are (or were cancelled).
        old = Case.objects.filter(opened_at__lt=demo_now() - timedelta(days=120))
        assert set(old.values_list("status", flat=True)) <= {Status.CLOSED, Status.CANCELLED}
        assert Case.objects.filter(status=Status.CLOSED).count() > Case.objects.count() * 0.7
        # Unmatched portal requests carry only a name and a masked phone.
        unmatched = Case.objects.filter(person__isnull=True)
        assert unmatched.filter(channel=Channel.PORTAL).exists()
        for case in unmatched:
            assert case.caller_name and case.caller_phone_mask and case.household_id is None
            assert "*" in case.caller_phone_mask and case.grid_id is None
        # Some unmatched callers are residents calling from the phone on their file, so
        # that triage has someone to offer; most are not in the registry.
        hashes = list(unmatched.values_list("caller_phone_hash", flat=True))
        registered = Person.objects.filter(phone_hash__in=hashes).values_list("phone_hash",
                                                                             flat=True)
        assert 0 < len(set(registered)) < len(set(hashes))
        # Owners are demo staff who may work on cases.
        owners = User.objects.filter(pk__in=Case.objects.values("owner_id"))
        assert owners.exists() and all(u.has("work_cases") for u in owners)
        # One audit entry for the bulk load, with the desk's counts in it; a case
        # a meeting's decision opened went through case_create, audited on its own.
        entry = AuditEntry.objects.get(object_type="demo")
        opened_by_services = AuditEntry.objects.filter(object_type="desk.case", action="create")
        assert entry.changes["case"] == Case.objects.count() - opened_by_services.count()

    def test_demo_cases_are_consistent_with_their_dates_and_timeline(self, demo_loaded: str) -> None:
        now = demo_now()
        assert not CaseEvent.objects.filter(at__gte=now).exists()
        for case in Case.objects.select_related("item"):
            response_due, due = services.targets(case.item, case.priority, case.opened_at)
            assert (case.response_due, case.due) == (response_due, due), case.ref
            events = list(case.events.all())
            assert events[0].kind == EventKind.CREATED and events[0].at == case.opened_at
            statuses = [e.to_status for e in events if e.kind == EventKind.STATUS]
            assert (statuses[-1] if statuses else Status.NEW) == case.status, case.ref
            if case.status != Status.CANCELLED:
                assert case.response_breached == (
                    (case.acknowledged_at or now) > case.response_due), case.ref
                assert case.resolution_breached == ((case.resolved_at or now) > case.due), case.ref
            if case.status in (Status.RESOLVED, Status.CLOSED):
                assert case.outcome and case.resolved_at
                if case.needs_onsite:
                    assert case.onsite_at is not None and case.onsite_at <= case.resolved_at
            else:
                assert case.outcome == "" and case.resolved_at is None
            if case.status == Status.CLOSED:
                calls = list(case.follow_ups.all())
                assert calls and (calls[-1].reached
                                  or len(calls) == settings.DESK_FOLLOWUP_ATTEMPTS), case.ref
                assert all(c.satisfaction is None or 1 <= c.satisfaction <= 5 for c in calls)
        scores = list(FollowUp.objects.filter(reached=True).values_list("satisfaction", flat=True))
        assert sum(s >= 4 for s in scores) > len(scores) * 0.7
        # Duplicates point at an earlier, uncancelled case of the same request.
        duplicates = Case.objects.filter(duplicate_of__isnull=False).select_related("duplicate_of")
        assert duplicates.exists()
        for case in duplicates:
            original = case.duplicate_of
            assert case.status == Status.CANCELLED and original.status != Status.CANCELLED
            assert (original.household_id, original.item_id) == (case.household_id, case.item_id)
            assert original.opened_at < case.opened_at
            assert case.is_repeat
        # is_repeat: the same household asked for the same service within 30 days.
        for case in Case.objects.filter(household__isnull=False, duplicate_of__isnull=True):
            since = case.opened_at - timedelta(days=settings.DESK_REPEAT_DAYS)
            earlier = Case.objects.filter(household_id=case.household_id, item_id=case.item_id,
                                          opened_at__gte=since, opened_at__lt=case.opened_at)
            if not earlier.exists():
                assert not case.is_repeat, case.ref
        assert Case.objects.filter(is_repeat=True, duplicate_of__isnull=True).exists()

    def test_every_referral_has_the_persons_consent_for_that_department(self, demo_loaded: str) -> None:
        referrals = Referral.objects.select_related("case", "department", "consent")
        assert referrals.exists()
        assert referrals.filter(status=ReferralStatus.ANSWERED).exclude(answer="").exists()
        for referral in referrals:
            consent = referral.consent
            assert consent is not None and referral.override_reason == ""
            assert consent.person_id == referral.case.person_id
            assert (consent.purpose, consent.status) == ("referral", "given")
            assert consent.department_id == referral.department_id
            assert consent.recorded_on <= timezone.localtime(referral.sent_at).date()
            assert services.referral_consent(referral.case, referral.department) is not None
            assert User.objects.get(pk=referral.sent_by_id).has("refer")
            if referral.status == ReferralStatus.ANSWERED:
                assert referral.answer and referral.answered_at >= referral.sent_at
        caseworker = User.objects.get(username="caseworker")
        desk_consents = Consent.objects.filter(evidence__startswith="转介同意书")
        assert desk_consents.exists()
        assert set(desk_consents.values_list("recorded_by_id", flat=True)) == {caseworker.pk}

    def test_references_are_unique_in_order_and_the_counter_continues(self, demo_loaded: str) -> None:
        numbers: dict[int, list[int]] = {}
        for ref in Case.objects.order_by("opened_at", "id").values_list("ref", flat=True):
            match = REF.match(ref)
            assert match, ref
            numbers.setdefault(int(match[1]), []).append(int(match[2]))
        for year, seq in numbers.items():
            assert seq == list(range(1, len(seq) + 1)), year  # opening order, no gaps
            assert RefCounter.objects.get(prefix="ZJJ", year=year).last == len(seq)
        caseworker = User.objects.get(username="caseworker")
        person = Person.objects.filter(left_on__isnull=True, household__moved_out__isnull=True,
                                       grid__community__code="ZJJ").first()
        year = timezone.localdate().year
        last = RefCounter.objects.filter(prefix="ZJJ", year=year).values_list(
            "last", flat=True).first() or 0
        case = services.case_create(actor=caseworker, item=ServiceItem.objects.get(
            code="policy-consultation"), channel=Channel.WALK_IN, summary="咨询政策",
            person=person)
        assert case.ref == f"ZJJ-{year}-{last + 1:05d}"
        assert case.pk == Case.objects.order_by("pk").last().pk  # the id sequence was reset

    def test_reset_removes_every_desk_row_but_keeps_the_catalogue(self, demo_loaded: str) -> None:
        person = Person.objects.first()
        Reminder.objects.create(kind="permit_expiry", person=person, grid_id=person.grid_id,
                                due=timezone.localdate())
        DigestLog.objects.create(user=User.objects.get(username="head"), day=timezone.localdate())
        items = ServiceItem.objects.count()
        counts = reset()
        assert counts["case"] > 0
        for model in (Case, CaseEvent, FollowUp, Referral, RefCounter, Reminder, DigestLog):
            assert not model.objects.exists(), model.__name__
        assert ServiceItem.objects.count() == items and Department.objects.exists()
        # And through the command: a second load over the first one works.
        out = demo(seed=1)
        assert Case.objects.exists()
        demo(seed=1, reset=True)
        assert "desk cases" in out
