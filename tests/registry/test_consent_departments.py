"""Referral consents name a department of the list: matching the free text of
older consents (the migration), listing what matched nothing, the form."""

from __future__ import annotations

from datetime import date
from importlib import import_module
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import Client
from django.urls import reverse

from jiayuan.desk.models import Department
from jiayuan.lib.departments import match_department
from jiayuan.registry.models import Consent

NAMES = {1: ["education", "区教育局", "區教育局", "District Education Bureau"],
         2: ["civil-affairs", "区民政局", "區民政局", "District Civil Affairs Bureau"],
         3: ["health", "区卫健委", "區衛健委", "District Health Commission"]}


@pytest.mark.parametrize("text, expected", [
    ("区教育局", 1),                        # exactly as the list spells it
    (" 區教育局 ", 1),                      # Traditional, spaces
    ("district education bureau", 1),      # case
    ("教育局", 1),                          # contained in 区教育局
    ("区教育局（招生办）", 1),               # contains 区教育局
    ("民政", 2),
    ("区", None),                           # too short to say
    ("局", None),
    ("区局", None),
    ("街道办", None),                       # no such department
    ("", None),
])
def test_it_matches_a_typed_department_name_to_one_department(text, expected):
    assert match_department(text, NAMES) == expected


def test_it_refuses_a_name_that_fits_several_departments():
    names = {**NAMES, 4: ["education-2", "市教育局"]}
    assert match_department("教育局", names) is None
    assert match_department("区教育局", names) == 1  # the exact name still wins


def _old_consent(person: Any, head: Any, text: str) -> Consent:
    return Consent.objects.create(person=person, purpose="referral", department_text=text,
                                  recorded_on=date(2025, 3, 1), recorded_by=head)


def test_the_migration_links_old_consents_and_prints_those_it_cannot(
        household, head, education, legal_partner, capsys):
    typed = _old_consent(household.head, head, "教育局")
    exact = _old_consent(household.head, head, "社区法律诊所")
    stray = _old_consent(household.head, head, "街道办")
    photo = Consent.objects.create(person=household.head, purpose="photo",
                                   recorded_on=date(2025, 3, 1), recorded_by=head)
    name = "0005_consent_names_a_department"
    migration = import_module(f"jiayuan.registry.migrations.{name}")
    # The models as that migration saw them (Department was still the desk's).
    historical = MigrationLoader(connection).project_state(("registry", name)).apps
    migration.link_consents(historical, None)
    for c in (typed, exact, stray, photo):
        c.refresh_from_db()
    assert typed.department == education and typed.department_text == "教育局"
    assert exact.department == legal_partner
    assert stray.department is None and photo.department is None
    printed = capsys.readouterr().out
    assert "1 consent(s) name no department" in printed
    assert f"consent {stray.pk}: '街道办'" in printed and "教育局" not in printed


def test_the_command_lists_the_consents_that_match_no_department(household, head, education):
    stray = _old_consent(household.head, head, "街道办")
    linked = _old_consent(household.head, head, "区教育局")
    linked.department = education
    linked.save()
    out = StringIO()
    call_command("unmatched_consents", stdout=out)
    text = out.getvalue()
    assert f"consent {stray.pk} · person {household.head.pk}" in text and "'街道办'" in text
    assert f"consent {linked.pk} " not in text
    assert "1 referral consent(s) name no department" in text
    stray.delete()
    out = StringIO()
    call_command("unmatched_consents", stdout=out)
    assert "Every referral consent names a department" in out.getvalue()


def test_the_consent_form_offers_the_departments_and_the_page_names_it(
        household, personas, education):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(personas["caseworker"])
    url = reverse("consent_add", args=[household.head.pk])
    body = client.get(url).content.decode()
    assert f'<option value="{education.pk}">District Education Bureau</option>' in body
    response = client.post(url, {"purpose": "referral", "department": "99999",
                                 "recorded_on": "2025-03-01"})
    assert response.status_code == 200 and "Choose a department from the list" in (
        response.content.decode())
    response = client.post(url, {"purpose": "referral", "department": "",
                                 "recorded_on": "2025-03-01"})
    assert "Name the department" in response.content.decode()
    assert not Consent.objects.filter(purpose="referral").exists()
    response = client.post(url, {"purpose": "referral", "department": education.pk,
                                 "recorded_on": "2025-03-01", "evidence": "signed"})
    assert response.status_code == 302
    consent = Consent.objects.get(purpose="referral")
    assert consent.department == education
    page = client.get(reverse("person_detail", args=[household.head.pk])).content.decode()
    assert "(District Education Bureau)" in page


def test_a_department_named_by_a_consent_cannot_be_deleted(household, head, education):
    from django.db.models import ProtectedError

    Consent.objects.create(person=household.head, purpose="referral", department=education,
                           recorded_on=date(2025, 3, 1), recorded_by=head)
    with pytest.raises(ProtectedError):
        Department.objects.filter(pk=education.pk).delete()
