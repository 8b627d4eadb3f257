"""A tombstone (rights.erasure) is nobody: every service that records something
new about a person refuses an erased one (registry.services.common.check_not_erased),
writes no row and no audit entry; pickers and the search never offer one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from jiayuan.care import services as care
from jiayuan.care.models import DisputeParty, Pairing
from jiayuan.care.visits.services import visit_case_open
from jiayuan.civic.meetings import services as meetings
from jiayuan.civic.meetings.models import Participant
from jiayuan.civic.suggestions.models import Suggestion
from jiayuan.civic.suggestions.services import suggestion_create
from jiayuan.core.models import AuditEntry
from jiayuan.desk import services as desk
from jiayuan.desk.models import Case
from jiayuan.engage.activities import services as activities
from jiayuan.engage.activities import services_attendance as attendance
from jiayuan.engage.activities.models import SessionVolunteer, SignUp
from jiayuan.engage.volunteers import services as volunteers
from jiayuan.engage.volunteers.ledger import hours_credit
from jiayuan.engage.volunteers.models import Certificate, HoursClaim, HoursEntry, Volunteer
from jiayuan.engage.volunteers.services_hours import certificate_issue, claim_create
from jiayuan.registry import services as registry
from jiayuan.registry.models import (
    ERASED_NAME,
    Business,
    Circumstance,
    Consent,
    Household,
    Membership,
    Person,
)
from jiayuan.registry.search import search
from jiayuan.registry.selectors import person_picks
from jiayuan.rights.erasure import erase_person

MESSAGE = "This person's data has been erased: nothing more can be recorded about them."


@pytest.fixture
def ctx(personas: dict[str, Any], household: Household, household_b: Household, grid_a: Any,
        school_item: Any) -> dict[str, Any]:
    """金英姬 of 郑容哲's household, a volunteer with a visit, a dispute, a
    meeting, an activity and a hotline request about, then erased."""
    head = personas["head"]
    now = timezone.now()
    person = Person.objects.get(household=household, name="金英姬")
    volunteer = volunteers.volunteer_register(actor=head, person=person, skills="cooking",
                                             roles=["informant"])
    # hours on the ledger: without the guard a certificate would be issued
    hours_credit(actor=head, volunteer=volunteer, on=timezone.localdate(), hours=Decimal("1"),
                 source="staff")
    visit, _ = care.visit_log(actor=head, households=[household], mode="home",
                              purpose="routine", found="ok")
    dispute = care.dispute_create(actor=head, grid=grid_a, kind="neighbours",
                                  source="walk_in", summary="楼上漏水",
                                  opened_on=timezone.localdate() - timedelta(days=1))
    meeting = meetings.meeting_create(actor=head, kind="roundtable", grid=grid_a,
                                      title="议事", starts_at=now + timedelta(days=2),
                                      organiser=head, agenda=["议题"])
    activity = activities.activity_create(actor=head, kind="festival", title="文化节",
                                          grid=grid_a, published=True)
    start = now + timedelta(days=3)
    session = activities.session_add(actor=head, activity=activity, starts_at=start,
                                     ends_at=start + timedelta(hours=2), place="广场",
                                     capacity=10)
    call = desk.case_create(actor=head, item=school_item, channel="hotline", summary="来电",
                            caller_name="来电人", caller_phone="13700002222")
    signup = activities.signup_staff(actor=head, session=session, person=person)
    participant = meetings.participant_add(actor=head, meeting=meeting, kind="resident",
                                           person=person)
    [portal] = activities.signup_portal(session=session, names=["来报名的人"],
                                        phone="13812340000", photo_consent=False, source="src")
    erase_person(actor=head, person=person, reason="request")
    person.refresh_from_db()
    assert person.is_erased
    volunteer.refresh_from_db()
    call.refresh_from_db()
    return {"head": head, "t": person, "household": household, "other": household_b,
            "volunteer": volunteer, "visit": visit, "dispute": dispute, "meeting": meeting,
            "session": session, "portal": portal, "signup": signup,
            "participant": participant, "call": call, "item": school_item, "grid": grid_a,
            "today": timezone.localdate()}


Call = Callable[[dict[str, Any]], Any]

# (what is refused, the call, the table it would have written a row to)
GUARDED: list[tuple[str, Call, type | None]] = [
    ("person_update", lambda c: registry.person_update(
        actor=c["head"], person=c["t"], occupation="教师"), None),
    ("person_leave", lambda c: registry.person_leave(
        actor=c["head"], person=c["t"], on=c["today"]), None),
    ("person_set_permit", lambda c: registry.person_set_permit(
        actor=c["head"], person=c["t"], permit_number="P-1", permit_expiry=None), None),
    ("person_move", lambda c: registry.person_move(
        actor=c["head"], person=c["t"], to_household=c["other"], on=c["today"],
        relation="other_relative"), Membership),
    ("circumstance_add", lambda c: registry.circumstance_add(
        actor=c["head"], household=c["household"], kind="hardship", started=c["today"],
        person=c["t"], sensitive_consent=True), Circumstance),
    ("consent_record", lambda c: registry.consent_record(
        actor=c["head"], person=c["t"], purpose="photo", recorded_on=c["today"]), Consent),
    ("household_update_head", lambda c: registry.household_update(
        actor=c["head"], household=c["household"], head=c["t"]), None),
    ("business_create_owner", lambda c: registry.business_create(
        actor=c["head"], name="小店", kind="restaurant", grid=c["grid"], address="幸福路1号",
        owner=c["t"]),
     Business),
    ("case_create", lambda c: desk.case_create(
        actor=c["head"], item=c["item"], channel="walk_in", summary="请求", person=c["t"]),
     Case),
    ("match_requester", lambda c: desk.match_requester(
        actor=c["head"], case=c["call"], person=c["t"], version=c["call"].version), None),
    ("visit_case_open", lambda c: visit_case_open(
        actor=c["head"], visit=c["visit"], person=c["t"], item=c["item"], summary="走访发现"),
     Case),
    ("pairing_create", lambda c: care.pairing_create(
        actor=c["head"], household=c["other"], helper_kind="volunteer", goals="每周探望",
        helper_person=c["t"]), Pairing),
    ("party_add", lambda c: care.party_add(
        actor=c["head"], dispute=c["dispute"], role="applicant", person=c["t"]), DisputeParty),
    ("participant_add", lambda c: meetings.participant_add(
        actor=c["head"], meeting=c["meeting"], kind="resident", person=c["t"]), Participant),
    ("walk_in", lambda c: meetings.walk_in(
        actor=c["head"], meeting=c["meeting"], person=c["t"]), Participant),
    ("suggestion_create", lambda c: suggestion_create(
        actor=c["head"], title="修路灯", body="楼下路灯坏了", category="other",
        person=c["t"]), Suggestion),
    ("signup_staff", lambda c: activities.signup_staff(
        actor=c["head"], session=c["session"], person=c["t"]), SignUp),
    ("signup_match", lambda c: activities.signup_match(
        actor=c["head"], signup=c["portal"], person=c["t"]), None),
    ("volunteer_register", lambda c: volunteers.volunteer_register(
        actor=c["head"], person=c["t"]), Volunteer),
    ("volunteer_update", lambda c: volunteers.volunteer_update(
        actor=c["head"], volunteer=c["volunteer"], roles=[], skills="烹饪", languages="",
        availability="", status="active"), None),
    ("volunteer_consent_record", lambda c: volunteers.volunteer_consent_record(
        actor=c["head"], volunteer=c["volunteer"]), None),
    ("hours_claim", lambda c: claim_create(
        actor=c["head"], volunteer=c["volunteer"], on=c["today"], hours=2, what="清扫"),
     HoursClaim),
    ("hours_credit", lambda c: hours_credit(
        actor=c["head"], volunteer=c["volunteer"], on=c["today"], hours=Decimal("2"),
        source="staff", note="清扫楼道"), HoursEntry),
    ("certificate_issue", lambda c: certificate_issue(
        actor=c["head"], volunteer=c["volunteer"], year=c["today"].year), Certificate),
    ("volunteer_link_renew", lambda c: volunteers.volunteer_link_renew(
        actor=c["head"], volunteer=c["volunteer"]), None),
    ("informant_report", lambda c: volunteers.informant_report(
        actor=c["head"], volunteer=c["volunteer"], summary="楼道堆物", item=c["item"]), Case),
    ("session_volunteer_add", lambda c: attendance.session_volunteer_add(
        actor=c["head"], session=c["session"], volunteer=c["volunteer"]), SessionVolunteer),
    ("activity_attendance_mark", lambda c: attendance.attendance_mark(
        actor=c["head"], session=c["session"], signup_id=c["signup"].pk), None),
    ("meeting_attendance_mark", lambda c: meetings.attendance_mark(
        actor=c["head"], meeting=c["meeting"], participant=c["participant"],
        attendance="present"), None),
]


@pytest.mark.parametrize(("call", "table"), [(c, t) for _, c, t in GUARDED],
                         ids=[name for name, _, _ in GUARDED])
def test_it_refuses_to_record_anything_about_a_tombstone(ctx: dict[str, Any], call: Call,
                                                         table: type | None) -> None:
    t = ctx["t"]
    version = Person.objects.values_list("version", flat=True).get(pk=t.pk)
    rows = table.objects.count() if table is not None else None
    volunteer = Volunteer.objects.filter(pk=ctx["volunteer"].pk).values().get()
    entries = AuditEntry.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        call(ctx)
    assert MESSAGE in refused.value.messages
    assert Person.objects.filter(pk=t.pk, name=ERASED_NAME, version=version).exists()
    assert Volunteer.objects.filter(pk=ctx["volunteer"].pk).values().get() == volunteer
    if table is not None:
        assert table.objects.count() == rows
    assert AuditEntry.objects.count() == entries
    assert Case.objects.get(pk=ctx["call"].pk).person_id is None
    assert SignUp.objects.get(pk=ctx["portal"].pk).person_id is None


def test_it_says_so_in_the_readers_language(ctx: dict[str, Any]) -> None:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        registry.person_update(actor=ctx["head"], person=ctx["t"], occupation="教师")
    assert "此人的数据已被删除" in refused.value.messages[0]


def test_it_still_records_about_the_living(ctx: dict[str, Any]) -> None:
    """The guard is about the tombstone only: its household's other members
    are written as before."""
    grandson = Person.objects.get(household=ctx["household"], name="郑民浩")
    registry.person_update(actor=ctx["head"], person=grandson, occupation="学生")
    assert Person.objects.get(pk=grandson.pk).occupation == "学生"


def test_pickers_and_the_search_never_offer_a_tombstone(ctx: dict[str, Any]) -> None:
    head, t = ctx["head"], ctx["t"]
    # Even were its search keys back (a restored backup, a reindex), the
    # tombstone is not a hit.
    registry.reindex_person(t)
    assert all(h.person is None or h.person.pk != t.pk for h in search(head, ERASED_NAME))
    assert t.pk not in [p.pk for p in person_picks(head, ERASED_NAME)]
    Person.objects.filter(pk=t.pk).update(left_on=None)
    assert t.pk not in [p.pk for p in person_picks(head, ERASED_NAME)]


def test_the_roster_import_never_writes_to_a_tombstone(ctx: dict[str, Any],
                                                       grid_a: Any) -> None:
    """A tombstone has no ID hash; a row named and dated like one (no birth
    date) at its dwelling is refused (the tombstone's mark is no name), and
    were it not, the planner skips tombstones and the writer refuses them
    (sheets.importing plan/write): the import cannot change one."""
    from jiayuan.sheets import importing
    from tests.sheets.test_importer import csv_bytes

    t = ctx["t"]
    before = Person.objects.filter(pk=t.pk).values().get()
    row = [ERASED_NAME, "女", "", "", "13600001234", "3", "2", "302", "妻", ""]
    batch = importing.start(actor=ctx["head"], grid=grid_a, data=csv_bytes([row]),
                            filename="roster.csv")
    report = importing.commit(actor=ctx["head"], batch=batch)
    [result] = report.rows
    assert result.person is None and result.outcome == "rejected"  # not a name
    assert Person.objects.filter(pk=t.pk).values().get() == before
