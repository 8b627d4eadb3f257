"""A caseworker on a phone resolves a residence-permit case with "certificate
or permit issued" and records the permit on the resident's record in the same
step; the person page then shows it, and the log holds both changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from jiayuan.core.models import AuditEntry
from jiayuan.desk.models import ServiceItem
from jiayuan.registry.models import Person
from tests.journeys.conftest import PHONE, assert_audit_intact, login, shot


@pytest.fixture
def permit_case(make_case, household, category):
    item = ServiceItem.objects.create(category=category, code="residence-permit",
                                      name_zh_hans="居住证办理",
                                      name_en="Applying for a residence permit")
    return make_case(person=household.members.get(name="金英姬"), item=item,
                     summary="办理居住证")


def test_resolving_a_permit_case_records_the_permit_on_the_person(live_server, browser,
                                                                 personas, permit_case):
    expiry = timezone.localdate() + timedelta(days=365)
    page = login(browser, live_server, "caseworker", viewport=PHONE)
    page.goto(f"{live_server.url}/desk/cases/{permit_case.pk}/")
    page.click("#actions summary.button.primary")
    form = page.locator("#actions details[open] form")
    form.locator("select[name=outcome]").select_option("certificate")
    # The permit fields are offered, open, for a residence-permit service.
    form.locator("input[name=permit_number]").fill("320500-2026-0042")
    form.locator("input[name=permit_expiry]").fill(expiry.isoformat())
    shot(page, "resolve-permit-360")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    form.locator("button.primary").click()
    page.wait_for_url(f"{live_server.url}/desk/cases/{permit_case.pk}/")

    person = Person.objects.get(pk=permit_case.person_id)
    assert (person.permit_number, person.permit_expiry) == ("320500-2026-0042", expiry)
    page.goto(f"{live_server.url}/people/{person.pk}/")
    assert "320500-2026-0042" in page.content()

    assert_audit_intact()
    entries = AuditEntry.objects.filter(actor_username="caseworker").order_by("seq")
    mine = [(e.object_type, e.action) for e in entries]
    assert ("desk.case", "update") in mine and ("registry.person", "update") in mine
