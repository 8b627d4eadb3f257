"""The household and person pages show what higher apps register through
jiayuan.registry.panels, in order; the registry itself imports none of them."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from jiayuan.registry import panels


def test_it_registers_the_higher_apps_sections_in_order() -> None:
    household = [s.__module__ for s in panels.household.sections()]
    assert household == ["jiayuan.desk.panels", "jiayuan.care.panels"]
    assert [s.__module__ for s in panels.person.sections()] == [
        "jiayuan.desk.panels", "jiayuan.civic.panels", "jiayuan.engage.panels",
        "jiayuan.rights.panels", "jiayuan.rights.erasure"]
    assert [s.__module__ for s in panels.business.sections()] == ["jiayuan.care.panels"]


def test_it_renders_each_section_with_the_object_and_skips_empty_ones(
        household: Any, personas: dict, rf: Any) -> None:
    page = panels.Panel("h")
    page.register(lambda actor, h, query: None, order=1, name="nothing")
    page.register(lambda actor, h, query: ("registry/_revealed.html",
                                    {"value": f"№{h.pk}", "field": "phone"}),
                  order=2, name="number")
    request = rf.get("/")
    request.user = personas["head"]
    html = page.render(request, household)
    assert len(html) == 1 and f"№{household.pk}" in html[0]


def test_the_household_page_still_shows_requests_and_care(household: Any,
                                                          personas: dict) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(personas["head"])
    html = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    for anchor in ('id="cases"', 'id="duties"', 'id="visits"', 'id="disputes"',
                   'id="pairings"'):
        assert anchor in html
    html = client.get(reverse("person_detail", args=[household.head_id])).content.decode()
    assert 'id="cases"' in html
