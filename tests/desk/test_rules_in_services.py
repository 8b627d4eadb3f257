"""Rules the desk's forms check, enforced again by the services themselves: a
caller that skips the form (API, importer, command) is held to the same rules.
Each test calls the service directly and fails if its rule is taken out."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from jiayuan.core.roles import Role
from jiayuan.desk import services
from jiayuan.desk.catalogue.forms import ServiceItemForm
from jiayuan.desk.choices import Channel
from jiayuan.desk.models import Case, Department, ServiceCategory, ServiceItem
from jiayuan.places.models import Community
from jiayuan.registry import services as registry_services
from jiayuan.registry.models import Person
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def far_worker(db: Any) -> Any:
    """A caseworker of another community."""
    far = Community.objects.create(name="别的社区", code="FAR")
    return make_user("far-caseworker", Role.CASEWORKER, far)


def owner_error(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(exc.value.message_dict["owner"])


# --- 1. the owner is a worker of the actor's community -------------------------------

def test_case_create_refuses_an_owner_of_another_community(make_case: Any, household: Any,
                                                           far_worker: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        make_case(person=household.head, owner=far_worker)
    assert "another community" in owner_error(exc)
    assert not Case.objects.exists()


def test_case_create_accepts_an_owner_of_the_community(make_case: Any, household: Any,
                                                       personas: dict) -> None:
    case = make_case(person=household.head, owner=personas["gridworker"])
    assert case.owner == personas["gridworker"]


def test_case_update_refuses_an_owner_of_another_community(case: Case, personas: dict,
                                                           far_worker: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.case_update(actor=personas["caseworker"], case=case, version=case.version,
                             owner=far_worker)
    assert "another community" in owner_error(exc)
    case.refresh_from_db()
    assert case.owner is None


def test_case_update_still_refuses_an_account_that_cannot_work_cases(case: Case,
                                                                     personas: dict) -> None:
    with pytest.raises(ValidationError) as exc:
        services.case_update(actor=personas["caseworker"], case=case, version=case.version,
                             owner=personas["auditor"])
    assert "cannot work on cases" in owner_error(exc)


# --- 2. a current resident, a staff channel ---------------------------------------

def test_case_create_refuses_a_person_who_has_left(make_case: Any, household: Any,
                                                   personas: dict) -> None:
    wife = household.members.get(name="金英姬")
    registry_services.person_leave(actor=personas["head"], person=wife, on=date(2026, 1, 1))
    wife = Person.objects.get(pk=wife.pk)
    with pytest.raises(ValidationError) as exc:
        make_case(person=wife)
    assert "person" in exc.value.message_dict
    assert not Case.objects.exists()


@pytest.mark.parametrize("channel", [Channel.PORTAL, "fax", ""])
def test_case_create_refuses_the_portal_and_unknown_channels(make_case: Any, household: Any,
                                                             channel: str) -> None:
    with pytest.raises(ValidationError) as exc:
        make_case(person=household.head, channel=channel)
    assert "channel" in exc.value.message_dict
    assert not Case.objects.exists()


def test_the_portal_still_files_its_own_requests(community: Any,
                                                 school_item: ServiceItem) -> None:
    case = services.portal_create(
        item=school_item, summary="孩子需要入学", details="", caller_name="王先生",
        caller_phone="13912345678", community=community,
        source=services.portal_source_hash("203.0.113.9"), contact_consent=True)
    assert case.channel == Channel.PORTAL


# --- 3. the catalogue --------------------------------------------------------------

def save_item(actor: Any, item: ServiceItem) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        services.catalogue_save(actor=actor, instance=item)
    return exc.value.message_dict


def test_catalogue_save_keeps_the_code(school_item: ServiceItem, head: Any) -> None:
    school_item.code = "school-place-2"
    assert "code" in save_item(head, school_item)
    assert ServiceItem.objects.get(pk=school_item.pk).code == "school-place"


@pytest.mark.parametrize(("hours", "days", "field"), [
    (0, 20, "response_hours"), (721, 365, "response_hours"),
    (24, 0, "resolution_days"), (24, 366, "resolution_days"),
    (72, 2, "response_hours"),  # the first response would be due after the resolution
])
def test_catalogue_save_checks_the_targets(school_item: ServiceItem, head: Any, hours: int,
                                           days: int, field: str) -> None:
    school_item.response_hours, school_item.resolution_days = hours, days
    assert field in save_item(head, school_item)
    stored = ServiceItem.objects.get(pk=school_item.pk)
    assert (stored.response_hours, stored.resolution_days) == (48, 20)


def test_catalogue_save_accepts_the_widest_targets(school_item: ServiceItem,
                                                   head: Any) -> None:
    school_item.response_hours, school_item.resolution_days = 720, 365
    assert services.catalogue_save(actor=head, instance=school_item) is True


def test_the_form_and_the_service_give_the_same_message(school_item: ServiceItem) -> None:
    data = {name: getattr(school_item, name) for name in ServiceItemForm._meta.fields}
    data.update(category=school_item.category_id, department=school_item.department_id,
                response_hours=72, resolution_days=2)
    form = ServiceItemForm(data, instance=ServiceItem.objects.get(pk=school_item.pk))
    assert not form.is_valid()
    assert form.errors["response_hours"] == [
        "The first response (72 hours) would be due after the resolution (2 days)."]


def test_catalogue_save_refuses_a_retired_department_for_a_service(
        category: ServiceCategory, school_item: ServiceItem, education: Department,
        legal_partner: Department, head: Any) -> None:
    Department.objects.filter(pk__in=[education.pk, legal_partner.pk]).update(active=False)
    new = ServiceItem(category=category, code="legal-aid", name_zh_hans="法律援助",
                      department=legal_partner, response_hours=24, resolution_days=10)
    assert "department" in save_item(head, new)
    assert not ServiceItem.objects.filter(code="legal-aid").exists()
    school_item.department = legal_partner
    assert "department" in save_item(head, school_item)
    # A service keeps the department it already had, even retired since.
    school_item = ServiceItem.objects.get(pk=school_item.pk)
    school_item.resolution_days = 15
    assert services.catalogue_save(actor=head, instance=school_item) is True


def test_catalogue_save_checks_the_models_own_rules(head: Any) -> None:
    category = ServiceCategory(code="not a slug!", name_zh_hans="其他")
    assert "code" in save_item(head, category)  # type: ignore[arg-type]
    assert not ServiceCategory.objects.filter(name_zh_hans="其他").exists()


# --- 4. a permit just issued expires in the future ---------------------------------

def test_resolving_refuses_a_permit_expiry_in_the_past(make_case: Any, household: Any,
                                                       personas: dict) -> None:
    case = make_case(person=household.members.get(name="金英姬"))
    for expiry in (timezone.localdate(), timezone.localdate() - timedelta(days=1)):
        with pytest.raises(ValidationError) as exc:
            services.transition(actor=personas["caseworker"], case=case, action="resolve",
                                version=case.version, outcome="certificate",
                                outcome_quantity=1, permit_number="X-1",
                                permit_expiry=expiry)
        assert "permit_expiry" in exc.value.message_dict
    case.refresh_from_db()
    assert case.status != "resolved"
    person = Person.objects.get(pk=case.person_id)
    assert (person.permit_number, person.permit_expiry) == ("", None)


# --- 5. the department gives a name when it acknowledges -----------------------------

def test_referral_acknowledge_needs_a_name(case: Case, household: Any, education: Any,
                                           personas: dict) -> None:
    registry_services.consent_record(actor=personas["head"], person=household.head,
                                     purpose="referral", recorded_on=date(2026, 1, 5),
                                     department=education)
    referral = services.referral_create(actor=personas["caseworker"], case=case,
                                        department=education, message="请安排孩子入学",
                                        version=case.version)
    token = services.referral_token(referral)
    with pytest.raises(ValidationError) as exc:
        services.referral_acknowledge(token=token, name="  ")
    assert "name" in exc.value.message_dict
    referral.refresh_from_db()
    assert referral.status == "sent" and referral.acknowledged_at is None
    assert services.referral_acknowledge(token=token, name="李").status == "acknowledged"
