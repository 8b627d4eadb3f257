"""person_create and person_update refuse a birth date or sex that disagrees
with the ID number, given now or stored (the rule used to live only in the
person edit view). Same messages as the forms."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from jiayuan.core.models import AuditEntry
from jiayuan.registry import services
from jiayuan.registry.models import Person
from tests.conftest import make_id_number


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


def test_person_update_refuses_a_birth_date_the_stored_number_contradicts(
        household: Any, head: Any) -> None:
    person = Person.objects.get(pk=household.head_id)  # born 1958-03-14 by the number
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.person_update(actor=head, person=person, birth_date=date(1958, 3, 15))
    assert not hasattr(exc.value, "error_dict")  # the stored number is not on the form
    assert "does not match the ID number, which gives 1958-03-14" in exc.value.messages[0]
    person.refresh_from_db()
    assert person.birth_date == date(1958, 3, 14) and AuditEntry.objects.count() == entries


def test_person_update_refuses_a_sex_the_stored_number_contradicts(household: Any,
                                                                    head: Any) -> None:
    person = Person.objects.get(pk=household.head_id)
    with pytest.raises(ValidationError) as exc:
        services.person_update(actor=head, person=person, sex="F")
    assert "The sex does not match the ID number, which is a man's." in exc.value.messages
    assert Person.objects.get(pk=person.pk).sex == "M"


def test_person_update_refuses_a_new_number_that_contradicts_the_record(
        household: Any, head: Any) -> None:
    wife = Person.objects.get(household=household, relation="spouse")  # F, 1960-05-02
    wrong = make_id_number("222401", date(1961, 5, 2), 42)
    with pytest.raises(ValidationError) as exc:
        services.person_update(actor=head, person=wife, id_number=wrong)
    assert "id_number" in exc.value.error_dict
    assert not Person.objects.get(pk=wife.pk).id_number_hash


def test_person_update_accepts_what_agrees_and_leaves_other_edits_alone(
        household: Any, head: Any) -> None:
    person = Person.objects.get(pk=household.head_id)
    services.person_update(actor=head, person=person, birth_date=date(1958, 3, 14), sex="M",
                           occupation="退休")
    wife = Person.objects.get(household=household, relation="spouse")
    services.person_update(actor=head, person=wife,
                           id_number=make_id_number("222401", date(1960, 5, 2), 42))
    assert Person.objects.get(pk=wife.pk).id_number_hash


def test_person_create_refuses_a_number_that_contradicts_the_birth_date_or_sex(
        household: Any, head: Any) -> None:
    number = make_id_number("222401", date(1990, 1, 1), 31)  # a man's
    before = Person.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=head, household=household, name="郑一", sex="M",
                               birth_date=date(1990, 1, 2), id_number=number)
    assert "id_number" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=head, household=household, name="郑一", sex="F",
                               birth_date=date(1990, 1, 1), id_number=number)
    assert "which is a man's" in str(exc.value)
    assert Person.objects.count() == before


def test_the_edit_page_shows_the_refusal_above_the_form_and_keeps_the_input(
        household: Any, personas: dict) -> None:
    from django.test import Client
    from django.urls import reverse

    from tests.registry.test_views_post import person_form

    person = Person.objects.get(pk=household.head_id)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(personas["caseworker"])
    data = person_form(person, birth_date="1958-03-15", version=str(person.version))
    data.pop("relation")  # the head's form has no relation field
    response = client.post(reverse("person_edit", args=[person.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "which gives 1958-03-14" in html and 'value="1958-03-15"' in html
    assert Person.objects.get(pk=person.pk).birth_date == date(1958, 3, 14)
