"""Volunteer pages through the client: the list's query count, the
volunteer's page, the approval queue, the personal link, the star volunteers
and the certificate's PDF and verify page."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from jiayuan.core.models import AuditAction, AuditEntry, User
from jiayuan.core.roles import Role
from jiayuan.engage.choices import ClaimStatus, HoursSource, VolunteerRole
from jiayuan.engage.models import HoursClaim, HoursEntry, Volunteer
from jiayuan.engage.volunteers import services, services_hours
from jiayuan.engage.volunteers.ledger import hours_credit
from tests.conftest import make_user, station_moment

DAY = date(2027, 3, 10)


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(station_moment(DAY), tick=False), translation.override("en"):
        yield


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _staff_volunteers(head: Any, community: Any, n: int, start: int) -> list[Volunteer]:
    out = []
    for i in range(start, start + n):
        user = make_user(f"v{i}", Role.GRIDWORKER, community)
        v = services.volunteer_register(actor=head, user=user,
                                        roles=[VolunteerRole.SERVICE, VolunteerRole.CULTURE])
        hours_credit(actor=head, volunteer=v, on=DAY - timedelta(days=1), hours=Decimal("2"),
                     source=HoursSource.STAFF)
        out.append(v)
    return out


@pytest.fixture
def vol(head: Any, household: Any) -> Volunteer:
    return services.volunteer_register(actor=head, person=household.head,
                                       roles=[VolunteerRole.INFORMANT])


def _list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("volunteer_list")).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_with_this_years_hours_is_constant_in_queries(
        head: Any, community: Any, django_assert_max_num_queries: Any) -> None:
    _staff_volunteers(head, community, 3, 0)
    client = login(head)
    client.get(reverse("volunteer_list"))  # warm the session and caches
    few = _list_queries(client)
    _staff_volunteers(head, community, 15, 3)
    many = _list_queries(client)
    assert many == few
    with django_assert_max_num_queries(12):
        page = client.get(reverse("volunteer_list"))
    assert page.context["rows"][0][0].year_hours == Decimal("2")


def test_the_list_has_no_ethnicity_filter(head: Any) -> None:
    page = login(head).get(reverse("volunteer_list")).content.decode()
    assert "ethnic" not in page.lower() and "民族" not in page.replace("民族工作联络员", "")


def test_registering_a_resident_through_the_form(head: Any, household: Any) -> None:
    client = login(head)
    r = client.post(reverse("volunteer_new"), {"person": household.head_id,
                                               "roles": ["informant", "liaison"]})
    v = Volunteer.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("volunteer_detail",
                                                             kwargs={"pk": v.pk})
    assert client.get(r["Location"]).status_code == 200


def test_a_resident_out_of_scope_is_refused_on_the_form(
        community: Any, grid_a: Any, household_b: Any) -> None:
    coord_a = make_user("coord_a", Role.COORDINATOR, community, [grid_a])
    r = login(coord_a).post(reverse("volunteer_new"), {"person": household_b.head_id})
    assert r.status_code == 400 and not Volunteer.objects.exists()


def test_bad_hours_on_the_page_are_a_400_with_nothing_saved(vol: Volunteer, head: Any) -> None:
    client = login(head)
    url = reverse("volunteer_hours_add", kwargs={"pk": vol.pk})
    for data in ({"on": "2027-03-11", "hours": "2"}, {"on": "2027-03-09", "hours": "25"},
                 {"on": "yesterday", "hours": "x"}):
        r = client.post(url, data)
        assert r.status_code == 400
    assert not HoursEntry.objects.exists()
    assert client.post(url, {"on": "2027-03-09", "hours": "2.5"}).status_code == 302
    entry = HoursEntry.objects.get()
    rev = reverse("volunteer_entry_reverse", kwargs={"pk": vol.pk, "entry": entry.pk})
    assert client.post(rev, {"reason": "错了"}).status_code == 302
    assert client.post(rev, {"reason": "again"}).status_code == 400
    assert HoursEntry.objects.count() == 2


def test_the_personal_link_reports_hours_for_approval(vol: Volunteer, head: Any) -> None:
    portal = Client()
    url = reverse("portal_volunteer_hours", kwargs={"token": vol.self_token})
    page = portal.get(url)
    assert page.status_code == 200 and vol.person.name in page.content.decode()
    assert portal.post(url, {"on": "2027-03-09", "hours": "2", "what": "巡楼"}).status_code == 302
    assert portal.post(url, {"on": "2027-03-20", "hours": "2", "what": "巡楼"}).status_code == 400
    claim = HoursClaim.objects.get()
    queue = login(head)
    assert "巡楼" in queue.get(reverse("hours_claims")).content.decode()
    queue.post(reverse("hours_claim_approve", kwargs={"pk": claim.pk}))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED and claim.entry.hours == Decimal("2")


def test_a_renewed_link_shows_a_clear_page_like_an_unknown_one(vol: Volunteer,
                                                                head: Any) -> None:
    old = reverse("portal_volunteer_hours", kwargs={"token": vol.self_token})
    services.volunteer_link_renew(actor=head, volunteer=vol)
    gone = Client().get(old)
    unknown = Client().get(reverse("portal_volunteer_hours", kwargs={"token": "nope"}))
    assert gone.status_code == unknown.status_code == 404
    # The same page (but for the language form's CSRF token and return path).
    assert _strip(gone.content).replace(old.encode(), b"") == _strip(
        unknown.content).replace(reverse("portal_volunteer_hours",
                                         kwargs={"token": "nope"}).encode(), b"")
    assert "portal/not_found.html" in [t.name for t in gone.templates]
    assert Client().post(old, {"on": "2027-03-09", "hours": "1", "what": "x"}).status_code == 404
    assert not HoursClaim.objects.exists()


def _strip(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


def test_a_flood_on_the_link_stops_at_the_cap(vol: Volunteer) -> None:
    portal = Client()
    url = reverse("portal_volunteer_hours", kwargs={"token": vol.self_token})
    for i in range(services_hours.MAX_PENDING_CLAIMS):
        portal.post(url, {"on": (DAY - timedelta(days=i)).isoformat(), "hours": "1",
                          "what": "x"})
    r = portal.post(url, {"on": "2026-12-01", "hours": "1", "what": "x"})
    assert r.status_code == 429
    assert HoursClaim.objects.count() == services_hours.MAX_PENDING_CLAIMS


def test_the_stars_page_shows_only_consenting_volunteers(vol: Volunteer, head: Any,
                                                         community: Any) -> None:
    other = _staff_volunteers(head, community, 1, 0)[0]
    hours_credit(actor=head, volunteer=vol, on=DAY, hours=Decimal("3"),
                 source=HoursSource.STAFF)
    services.volunteer_consent_record(actor=head, volunteer=vol)
    page = Client().get(reverse("portal_stars")).content.decode()
    assert vol.person.name in page
    assert User.objects.get(pk=other.user_id).display_name not in page


def test_the_certificate_pdf_and_its_verify_page(vol: Volunteer, head: Any) -> None:
    hours_credit(actor=head, volunteer=vol, on=date(2026, 6, 1), hours=Decimal("21"),
                 source=HoursSource.STAFF)
    cert = services_hours.certificate_issue(actor=head, volunteer=vol, year=2026)
    pdf = login(head).get(reverse("volunteer_certificate_pdf",
                                  kwargs={"pk": vol.pk, "cert": cert.pk}))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    verify = reverse("portal_certificate", kwargs={"token": cert.token})
    page = Client().get(verify).content.decode()
    assert "cert-valid" in page and "21" in page and vol.person.name not in page
    services.volunteer_consent_record(actor=head, volunteer=vol)
    services_hours.certificate_revoke(actor=head, certificate=cert)
    page = Client().get(verify).content.decode()
    assert "cert-revoked" in page and vol.person.name in page
    assert Client().get(reverse("portal_certificate",
                                kwargs={"token": "nope"})).status_code == 404


def test_the_person_page_shows_the_volunteer_section(vol: Volunteer, head: Any) -> None:
    page = login(head).get(reverse("person_detail", kwargs={"pk": vol.person_id}))
    assert reverse("volunteer_detail", kwargs={"pk": vol.pk}) in page.content.decode()


@pytest.mark.parametrize(("day", "year"), [
    (date(2027, 1, 1), 2026), (date(2027, 2, 28), 2026), (date(2028, 2, 29), 2027),
    (date(2027, 3, 1), 2027), (date(2027, 12, 31), 2027)])
def test_the_certificate_form_offers_last_year_until_february(
        vol: Volunteer, head: Any, day: date, year: int) -> None:
    # 08:00 station time: still the day before in UTC (the station's date counts).
    with time_machine.travel(station_moment(day, time(8, 0)), tick=False):
        page = login(head).get(reverse("volunteer_detail", kwargs={"pk": vol.pk}))
    field = re.search(r'<input type="number" name="year"[^>]*>', page.content.decode())
    assert field is not None and f'value="{year}"' in field.group(0)


# --- a colleague reports hours (a claim, approved by a coordinator) -------------------

def _en(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_a_colleague_reports_hours_that_wait_for_approval(vol: Volunteer,
                                                          personas: Any) -> None:
    worker = _en(personas["gridworker"])
    page = worker.get(reverse("volunteer_detail", kwargs={"pk": vol.pk})).content.decode()
    url = reverse("volunteer_claim_add", kwargs={"pk": vol.pk})
    assert url in page and reverse("volunteer_hours_add", kwargs={"pk": vol.pk}) not in page
    r = worker.post(url, {"on": "2027-03-09", "hours": "1.5", "what": "帮忙搬桌椅"})
    assert r.status_code == 302 and r["Location"].endswith("#claim_form")
    claim = HoursClaim.objects.get()
    assert claim.status == ClaimStatus.PENDING and claim.hours == Decimal("1.5")
    assert not HoursEntry.objects.exists()
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, object_type="engage.hoursclaim")
    assert entry.actor_id == personas["gridworker"].pk
    queue = _en(personas["coordinator"])
    assert "帮忙搬桌椅" in queue.get(reverse("hours_claims")).content.decode()
    assert queue.post(reverse("hours_claim_approve", kwargs={"pk": claim.pk})).status_code == 302
    assert HoursEntry.objects.get().hours == Decimal("1.5")


def test_a_coordinator_keeps_the_direct_form(vol: Volunteer, personas: Any) -> None:
    page = _en(personas["coordinator"]).get(
        reverse("volunteer_detail", kwargs={"pk": vol.pk})).content.decode()
    assert reverse("volunteer_hours_add", kwargs={"pk": vol.pk}) in page
    assert reverse("volunteer_claim_add", kwargs={"pk": vol.pk}) not in page


def test_bad_hours_reported_are_a_message_and_nothing_is_saved(vol: Volunteer,
                                                               personas: Any) -> None:
    worker = _en(personas["gridworker"])
    url = reverse("volunteer_claim_add", kwargs={"pk": vol.pk})
    for data, said in (({"on": "2027-03-11", "hours": "2", "what": "x"}, "in the future"),
                       ({"on": "2027-03-09", "hours": "25", "what": "x"}, "24"),
                       ({"on": "yesterday", "hours": "2", "what": "x"}, "2026-05-01"),
                       ({"on": "2027-03-09", "hours": "2", "what": ""},
                        "Say what the volunteer did.")):
        r = worker.post(url, data)
        assert r.status_code == 400 and said in r.content.decode(), data
        assert 'id="claim_form" open' in r.content.decode()
    vol.status = "left"
    vol.save(update_fields=["status"])
    r = worker.post(url, {"on": "2027-03-09", "hours": "2", "what": "x"})
    assert r.status_code == 400 and "has left" in r.content.decode()
    assert not HoursClaim.objects.exists()


def test_reporting_for_someone_elses_volunteer_is_refused(vol: Volunteer,
                                                          personas: Any) -> None:
    url = reverse("volunteer_claim_add", kwargs={"pk": vol.pk})
    data = {"on": "2027-03-09", "hours": "2", "what": "x"}
    assert _en(personas["outsider"]).post(url, data).status_code == 404
    assert _en(personas["gridworker"]).post(
        reverse("volunteer_claim_add", kwargs={"pk": 2**31 - 1}), data).status_code == 404
    assert _en(personas["mediator"]).post(url, data).status_code == 403
    # An auditor reads the volunteers' pages but reports no hours.
    assert _en(personas["auditor"]).post(url, data).status_code == 403
    assert "Report hours for this volunteer" not in _en(personas["auditor"]).get(
        reverse("volunteer_detail", kwargs={"pk": vol.pk})).content.decode()
    assert not HoursClaim.objects.exists()


def test_the_ledger_shows_one_year_at_a_time(vol: Volunteer, head: Any) -> None:
    hours_credit(actor=head, volunteer=vol, on=DAY, hours=Decimal("2"),
                 source=HoursSource.STAFF, note="this-year-entry")
    hours_credit(actor=head, volunteer=vol, on=date(2025, 11, 2), hours=Decimal("3"),
                 source=HoursSource.STAFF, note="older-entry")
    url = reverse("volunteer_detail", kwargs={"pk": vol.pk})
    page = login(head).get(url).content.decode()
    assert "this-year-entry" in page and "older-entry" not in page
    # Every year with entries is offered, this one marked as shown.
    assert 'href="?year=2025#hours_form"' in page
    assert re.search(r'href="\?year=2027#hours_form" class="current"', page)
    older = login(head).get(url + "?year=2025").content.decode()
    assert "older-entry" in older and "this-year-entry" not in older
    for odd in ("²", "1999", "2029", "-1", "abc"):
        assert "this-year-entry" in login(head).get(url, {"year": odd}).content.decode(), odd
