"""Resolving a case with "certificate or permit issued" offers to record the
residence permit on the requester's record, in the same transaction."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiayuan.core.models import AuditEntry
from jiayuan.desk import services
from jiayuan.desk.models import Case, ServiceItem
from jiayuan.registry.models import Person


@pytest.fixture
def permit_item(category) -> ServiceItem:
    return ServiceItem.objects.create(category=category, code="residence-permit",
                                      name_zh_hans="居住证办理",
                                      name_en="Applying for a residence permit")


@pytest.fixture
def permit_case(make_case, household, permit_item) -> Case:
    return make_case(person=household.members.get(name="金英姬"), item=permit_item,
                     summary="办理居住证")


def in_a_year() -> date:
    return timezone.localdate() + timedelta(days=365)


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def resolve(case, actor, **kwargs):
    return services.transition(actor=actor, case=case, action="resolve", version=case.version,
                               outcome=kwargs.pop("outcome", "certificate"),
                               outcome_quantity=1, **kwargs)


# --- service ------------------------------------------------------------------

def test_it_records_the_permit_with_the_resolution(permit_case, personas):
    expiry = in_a_year()
    resolve(permit_case, personas["caseworker"], permit_number="320500-2026-0042",
            permit_expiry=expiry)
    person = Person.objects.get(pk=permit_case.person_id)
    assert (person.permit_number, person.permit_expiry) == ("320500-2026-0042", expiry)
    permit_case.refresh_from_db()
    assert permit_case.status == "resolved"
    entry = AuditEntry.objects.filter(object_type="registry.person",
                                      object_id=str(person.pk)).order_by("-seq").first()
    # Audited, the number never in clear.
    assert entry.changes["permit_number"] == "(changed)"
    assert entry.changes["reason"] == f"case {permit_case.ref}"
    assert "320500-2026-0042" not in str(entry.changes)


def test_a_permit_with_another_outcome_is_refused_and_nothing_is_written(permit_case,
                                                                        personas):
    with pytest.raises(ValidationError) as exc:
        resolve(permit_case, personas["caseworker"], outcome="answered",
                permit_number="X-1", permit_expiry=in_a_year())
    assert "permit_number" in exc.value.error_dict
    permit_case.refresh_from_db()
    assert permit_case.status != "resolved"
    assert Person.objects.get(pk=permit_case.person_id).permit_number == ""


def test_a_role_that_cannot_edit_the_registry_cannot_record_it(permit_case, personas):
    with pytest.raises(ValidationError):
        resolve(permit_case, personas["mediator"], permit_number="X-1")
    permit_case.refresh_from_db()
    assert permit_case.status != "resolved"


def test_a_request_without_a_registered_person_cannot_record_it(make_case, permit_item,
                                                                 personas):
    case = make_case(item=permit_item)
    with pytest.raises(ValidationError):
        resolve(case, personas["caseworker"], permit_number="X-1")


def test_resolving_without_a_permit_leaves_the_person_alone(permit_case, personas):
    version = Person.objects.get(pk=permit_case.person_id).version
    resolve(permit_case, personas["caseworker"])
    assert Person.objects.get(pk=permit_case.person_id).version == version


# --- page ---------------------------------------------------------------------

def test_the_resolve_form_offers_the_permit_fields(permit_case, personas):
    html = client_for(personas["caseworker"]).get(
        reverse("case_detail", kwargs={"pk": permit_case.pk})).content.decode()
    assert 'name="permit_number"' in html and 'name="permit_expiry"' in html
    # A mediator (no registry edits) is not offered them.
    html = client_for(personas["mediator"]).get(
        reverse("case_detail", kwargs={"pk": permit_case.pk})).content.decode()
    assert 'name="permit_number"' not in html


def test_resolving_through_the_page_records_the_permit(permit_case, personas):
    expiry = in_a_year()
    response = client_for(personas["gridworker"]).post(
        reverse("case_transition", kwargs={"pk": permit_case.pk}),
        {"action": "resolve", "version": permit_case.version, "outcome": "certificate",
         "outcome_quantity": "1", "permit_number": "320500-2026-0042",
         "permit_expiry": expiry.isoformat()})
    assert response.status_code == 302
    person = Person.objects.get(pk=permit_case.person_id)
    assert (person.permit_number, person.permit_expiry) == ("320500-2026-0042", expiry)


def test_a_past_expiry_is_named_and_nothing_is_saved(permit_case, personas):
    response = client_for(personas["caseworker"]).post(
        reverse("case_transition", kwargs={"pk": permit_case.pk}),
        {"action": "resolve", "version": permit_case.version, "outcome": "certificate",
         "outcome_quantity": "1", "permit_number": "X-1", "permit_expiry": "2001-01-01"})
    assert response.status_code == 400
    assert "expires in the future" in response.content.decode()
    permit_case.refresh_from_db()
    assert permit_case.status != "resolved"
    assert Person.objects.get(pk=permit_case.person_id).permit_number == ""


def test_the_permit_of_a_case_out_of_scope_is_not_reachable(permit_case, personas):
    response = client_for(personas["outsider"]).post(
        reverse("case_transition", kwargs={"pk": permit_case.pk}),
        {"action": "resolve", "version": permit_case.version, "outcome": "certificate",
         "outcome_quantity": "1", "permit_number": "X-1"})
    assert response.status_code == 404
    assert Person.objects.get(pk=permit_case.person_id).permit_number == ""
