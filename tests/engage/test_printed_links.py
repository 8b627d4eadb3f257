"""What is printed or handed out carries the public address (settings.SITE_URL),
never the host the staff member happened to use: a poster's QR code, a
certificate's, the door's check-in code, a volunteer's personal link."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from jiayuan.engage.choices import HoursSource, VolunteerRole
from jiayuan.engage.column import pdf as poster
from jiayuan.engage.volunteers import services, services_hours
from jiayuan.engage.volunteers import views as volunteer_views
from jiayuan.engage.volunteers.ledger import hours_credit
from tests.engage.column_helpers import DAY, NOW, make_post
from tests.engage.test_activities_services import make_session

PUBLIC = "https://jiayuan.example.org"
INTERNAL = "10.0.0.5:8000"  # the station's own network: no resident's phone reaches it


@pytest.fixture(autouse=True)
def public_site(settings: Any) -> None:
    settings.SITE_URL = PUBLIC
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "10.0.0.5"]


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield NOW


def on_the_internal_host(user: Any) -> Client:
    client = Client(HTTP_HOST=INTERNAL)
    client.force_login(user)
    return client


def spy(monkeypatch: Any, owner: Any, name: str) -> list[str]:
    """Record the URL the PDF builder `owner.name` is given (its last argument)."""
    urls: list[str] = []
    real = getattr(owner, name)

    def record(*args: Any) -> bytes:
        urls.append(args[-1])
        return real(*args)

    monkeypatch.setattr(owner, name, record)
    return urls


def test_the_posters_qr_code_is_the_public_address(clock: Any, head: Any,
                                                   monkeypatch: Any) -> None:
    post = make_post(head)
    urls = spy(monkeypatch, poster, "post_poster_pdf")
    response = on_the_internal_host(head).get(reverse("post_poster_pdf", args=[post.pk]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert urls == [PUBLIC + reverse("portal_post", kwargs={"pk": post.pk})]


def test_the_volunteers_link_and_certificate_are_the_public_address(
        clock: Any, head: Any, household: Any, monkeypatch: Any) -> None:
    vol = services.volunteer_register(actor=head, person=household.head,
                                      roles=[VolunteerRole.SERVICE])
    client = on_the_internal_host(head)
    page = client.get(reverse("volunteer_detail", kwargs={"pk": vol.pk})).content.decode()
    link = PUBLIC + reverse("portal_volunteer_hours", kwargs={"token": vol.self_token})
    assert f"<code>{link}</code>" in page and INTERNAL not in page
    hours_credit(actor=head, volunteer=vol, on=DAY.replace(year=DAY.year - 1, month=6),
                 hours=Decimal("3"), source=HoursSource.STAFF)
    cert = services_hours.certificate_issue(actor=head, volunteer=vol, year=DAY.year - 1)
    urls = spy(monkeypatch, volunteer_views, "certificate_pdf")
    response = client.get(reverse("volunteer_certificate_pdf",
                                  kwargs={"pk": vol.pk, "cert": cert.pk}))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert urls == [PUBLIC + reverse("portal_certificate", kwargs={"token": cert.token})]


def test_the_doors_check_in_code_is_the_public_address(personas: Any, grid_a: Any,
                                                       clock: Any) -> None:
    session = make_session(personas["head"], grid_a, clock)
    page = on_the_internal_host(personas["head"]).get(
        reverse("session_detail", kwargs={"pk": session.pk})).content.decode()
    door = PUBLIC + reverse("checkin", kwargs={"token": session.checkin_token})
    assert door in page and INTERNAL not in page
