"""Matching a portal sign-up to the registry: the services (permission,
scope, a resident signed up twice, audit, undoing a match) and the session
page (the picker per row, forged ids, bad input, the link to the file)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.engage.activities import services as s
from jiayuan.engage.activities import services_attendance as att
from jiayuan.engage.activities.models import SignUp
from jiayuan.engage.activities.selectors import residency_figures
from jiayuan.places.models import Grid
from jiayuan.registry.models import Person
from tests.conftest import station_moment
from tests.engage.test_activities_services import make_session, portal

DAY = date(2027, 5, 10)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(station_moment(DAY), tick=False), translation.override("en"):
        yield station_moment(DAY)


def _updates(signup: SignUp) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=AuditAction.UPDATE,
                                          object_type="engage.signup",
                                          object_id=str(signup.pk)).order_by("seq"))


def _fresh(signup: SignUp) -> SignUp:
    return SignUp.objects.get(pk=signup.pk)


# --- the services -------------------------------------------------------------------

def test_it_matches_a_portal_sign_up_and_the_figures_count_the_household(
        personas: Any, grid_a: Grid, household: Any, clock: Any) -> None:
    head = personas["head"]
    session = make_session(head, grid_a, clock)
    (a,) = portal(session, "郑先生")
    before = dict(residency_figures(session.activity))
    assert before["Not in the registry"] == 1 and before["Resident (hukou elsewhere)"] == 0
    s.signup_match(actor=personas["gridworker"], signup=a, person=household.head)
    a = _fresh(a)
    assert a.person_id == household.head_id and a.name == "郑先生"
    assert a.grid_id == grid_a.pk and a.source == "portal" and a.status == "confirmed"
    after = dict(residency_figures(session.activity))
    assert after["Not in the registry"] == 0 and after["Resident (hukou elsewhere)"] == 1
    (entry,) = _updates(a)
    assert entry.actor_id == personas["gridworker"].pk
    assert entry.changes["person_id"] == [None, household.head_id]


def test_the_same_match_twice_is_one(personas: Any, grid_a: Grid, household: Any,
                                     clock: Any) -> None:
    head = personas["head"]
    (a,) = portal(make_session(head, grid_a, clock), "郑先生")
    s.signup_match(actor=head, signup=a, person=household.head)
    s.signup_match(actor=head, signup=a, person=household.head)
    assert len(_updates(a)) == 1


def test_a_resident_signed_up_already_is_refused(personas: Any, grid_a: Grid,
                                                  household: Any, clock: Any) -> None:
    head = personas["head"]
    session = make_session(head, grid_a, clock, capacity=None)
    s.signup_staff(actor=head, session=session, person=household.head)
    a, b = portal(session, "郑先生", "金女士")
    with pytest.raises(ValidationError, match="already signed up for this session"):
        s.signup_match(actor=head, signup=a, person=household.head)
    wife = Person.objects.get(household=household, name="金英姬")
    s.signup_match(actor=head, signup=b, person=wife)
    with pytest.raises(ValidationError, match="already signed up for this session"):
        s.signup_match(actor=head, signup=a, person=wife)
    assert _fresh(a).person_id is None and not _updates(a)


def test_a_match_once_made_stops_a_second_staff_sign_up(personas: Any, grid_a: Grid,
                                                         household: Any, clock: Any) -> None:
    head = personas["head"]
    session = make_session(head, grid_a, clock)
    (a,) = portal(session, "郑先生")
    s.signup_match(actor=head, signup=a, person=household.head)
    with pytest.raises(ValidationError, match="already signed up"):
        s.signup_staff(actor=head, session=session, person=household.head)
    att.attendance_mark(actor=head, session=session, signup_id=a.pk)
    assert _fresh(a).attended_at == clock


def test_a_resident_out_of_scope_or_gone_is_refused(personas: Any, grid_a: Grid,
                                                    household: Any, household_b: Any,
                                                    clock: Any) -> None:
    session = make_session(personas["head"], grid_a, clock)
    (a,) = portal(session, "马先生")
    with pytest.raises(ValidationError, match="not in your grids"):
        s.signup_match(actor=personas["gridworker"], signup=a, person=household_b.head)
    Person.objects.filter(pk=household.head_id).update(left_on=DAY)
    with pytest.raises(ValidationError, match="not in your grids"):
        s.signup_match(actor=personas["head"], signup=a, person=household.head)
    assert _fresh(a).person_id is None and not _updates(a)


def test_a_sign_up_out_of_scope_is_refused(personas: Any, grid_a: Grid, household_b: Any,
                                           clock: Any) -> None:
    """The outsider (a worker of grid B) has the resident in scope, not the session."""
    session = make_session(personas["head"], grid_a, clock)
    (a,) = portal(session, "马先生")
    with pytest.raises(ValidationError, match="not one of yours"):
        s.signup_match(actor=personas["outsider"], signup=a, person=household_b.head)
    assert _fresh(a).person_id is None


def test_it_needs_the_permission_to_run_activities(personas: Any, grid_a: Grid,
                                                   household: Any, clock: Any) -> None:
    (a,) = portal(make_session(personas["head"], grid_a, clock), "郑先生")
    for role in ("auditor", "mediator"):
        with pytest.raises(PermissionDenied):
            s.signup_match(actor=personas[role], signup=a, person=household.head)
        with pytest.raises(PermissionDenied):
            s.signup_unmatch(actor=personas[role], signup=a)
    assert _fresh(a).person_id is None


def test_a_cancelled_or_matched_sign_up_is_refused(personas: Any, grid_a: Grid,
                                                   household: Any, clock: Any) -> None:
    head = personas["head"]
    session = make_session(head, grid_a, clock)
    a, b = portal(session, "郑先生", "金女士")
    s.signup_cancel(actor=head, signup=a)
    with pytest.raises(ValidationError, match="cancelled"):
        s.signup_match(actor=head, signup=a, person=household.head)
    s.signup_match(actor=head, signup=b, person=household.head)
    wife = Person.objects.get(household=household, name="金英姬")
    with pytest.raises(ValidationError, match="matched to a resident already"):
        s.signup_match(actor=head, signup=b, person=wife)
    assert _fresh(a).person_id is None and _fresh(b).person_id == household.head_id


def test_undoing_a_match_gives_the_sign_up_back_its_name(personas: Any, grid_a: Grid,
                                                         household: Any, clock: Any) -> None:
    head = personas["head"]
    session = make_session(head, grid_a, clock)
    (a,) = portal(session, "郑先生")
    s.signup_match(actor=head, signup=a, person=household.head)
    s.signup_unmatch(actor=head, signup=a)
    a = _fresh(a)
    assert a.person_id is None and a.name == "郑先生"
    assert a.grid_id == session.activity.grid_id
    assert [e.changes["person_id"] for e in _updates(a)] == [
        [None, household.head_id], [household.head_id, None]]
    # The resident may now be signed up by staff.
    assert s.signup_staff(actor=head, session=session, person=household.head).person_id


def test_a_staff_sign_up_cannot_be_unmatched(personas: Any, grid_a: Grid, household: Any,
                                             clock: Any) -> None:
    head = personas["head"]
    staff = s.signup_staff(actor=head, session=make_session(head, grid_a, clock),
                           person=household.head)
    with pytest.raises(ValidationError, match="cancel it instead"):
        s.signup_unmatch(actor=head, signup=staff)
    assert _fresh(staff).person_id == household.head_id


# --- the session page ------------------------------------------------------------------

def staff(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _urls(session: Any, signup: Any) -> tuple[str, str, str]:
    args = [session.pk, signup.pk]
    return (reverse("session_signup_match", args=args),
            reverse("session_match_search", args=args),
            reverse("session_signup_unmatch", args=args))


def test_the_roll_offers_a_picker_per_unmatched_sign_up(personas: Any, grid_a: Grid,
                                                        household: Any, clock: Any) -> None:
    head = personas["head"]
    session = make_session(head, grid_a, clock)
    a, b = portal(session, "郑先生", "金女士")
    match, search, _unmatch = _urls(session, a)
    client = staff(personas["gridworker"])
    page = client.get(reverse("session_detail", args=[session.pk])).content.decode()
    assert page.count("Match to a resident") == 2
    assert match in page and f'id="match-{a.pk}-q"' in page and f'id="match-{b.pk}-q"' in page
    found = client.post(search, {"q": "鄭容哲"}).content.decode()
    assert f"?pick={household.head_id}" in found and f"#match-{a.pk}" in found
    chosen = client.get(search, {"pick": household.head_id}).content.decode()
    assert f'name="person" value="{household.head_id}"' in chosen
    # An auditor reads the roll but gets no picker.
    page = staff(personas["auditor"]).get(reverse("session_detail", args=[session.pk]))
    assert page.status_code == 200 and "Match to a resident" not in page.content.decode()


def test_matching_on_the_page_links_the_file_for_those_who_may_see_it(
        personas: Any, grid_a: Grid, household: Any, clock: Any) -> None:
    head = personas["head"]
    # A community-wide activity: the grid-B worker sees its roll, not grid A's file.
    activity = s.activity_create(actor=head, kind="festival", title="邻里节", published=True)
    session = s.session_add(actor=head, activity=activity, starts_at=clock + timedelta(days=1),
                            ends_at=clock + timedelta(days=1, hours=2), place="广场")
    (a,) = portal(session, "郑先生")
    match, _search, unmatch = _urls(session, a)
    r = staff(personas["gridworker"]).post(match, {"person": household.head_id})
    assert r.status_code == 302 and _fresh(a).person_id == household.head_id
    page = staff(head).get(reverse("session_detail", args=[session.pk])).content.decode()
    link = reverse("person_detail", args=[household.head_id])
    assert link in page and "鄭容哲" in page and "signed up as 郑先生" in page
    assert "Undo the match" in page and "Match to a resident" not in page
    other = staff(personas["outsider"]).get(reverse("session_detail", args=[session.pk]))
    assert other.status_code == 200
    assert "鄭容哲" in other.content.decode() and link not in other.content.decode()
    assert staff(head).post(unmatch).status_code == 302 and _fresh(a).person_id is None


def test_bad_input_on_the_match_form_is_a_message(personas: Any, grid_a: Grid,
                                                   household: Any, household_b: Any,
                                                   clock: Any) -> None:
    head = personas["head"]
    session = make_session(head, grid_a, clock)
    s.signup_staff(actor=head, session=session, person=household.head)
    (a,) = portal(session, "郑先生")
    match, _search, _unmatch = _urls(session, a)
    client = staff(personas["gridworker"])
    for data, said in (({}, "Choose the resident from the search."),
                       ({"person": "abc"}, "not in your grids"),
                       ({"person": household_b.head_id}, "not in your grids"),
                       ({"person": household.head_id}, "already signed up for this session")):
        r = client.post(match, data)
        assert r.status_code == 400 and said in r.content.decode(), data
    assert _fresh(a).person_id is None and not _updates(a)


def test_forged_ids_are_404(personas: Any, grid_a: Grid, grid_b: Grid, household: Any,
                            clock: Any) -> None:
    head = personas["head"]
    session = make_session(head, grid_a, clock)
    other = make_session(head, grid_a, clock)
    (a,) = portal(session, "郑先生")
    (x,) = portal(other, "别人")
    theirs = make_session(head, grid_b, clock)
    (y,) = portal(theirs, "乙")
    client = staff(personas["gridworker"])
    # A sign-up of another session under this session's id.
    for url in _urls(session, x):
        r = client.post(url, {"person": household.head_id}) if "people" not in url \
            else client.post(url, {"q": "鄭"})
        assert r.status_code == 404, url
    # Someone else's session (grid B) for the grid-A worker.
    for url in _urls(theirs, y):
        r = client.post(url, {"person": household.head_id}) if "people" not in url \
            else client.post(url, {"q": "鄭"})
        assert r.status_code == 404, url
    assert not SignUp.objects.filter(pk__in=[a.pk, x.pk, y.pk], person__isnull=False).exists()
