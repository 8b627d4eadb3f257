"""Rules the registry's forms check that the services enforce too (issue 14), so
the importer, commands and the API skip none: each test calls a service directly."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jiayuan.core.roles import PERMISSIONS, Perm, Role
from jiayuan.directory.models import Department
from jiayuan.registry import services
from jiayuan.registry.models import Consent, Household, Person


def _tomorrow() -> date:
    return timezone.localdate() + timedelta(days=1)


@pytest.fixture
def no_sensitive(monkeypatch: pytest.MonkeyPatch, personas: dict[str, Any]) -> Any:
    """A grid worker whose role may edit the registry but not see sensitive details."""
    monkeypatch.setitem(PERMISSIONS, Role.GRIDWORKER,
                        PERMISSIONS[Role.GRIDWORKER] - {Perm.VIEW_SENSITIVE})
    return personas["gridworker"]


# --- 1. consents -----------------------------------------------------------------

def test_consent_record_refuses_a_date_in_the_future(household, head):
    child = household.members.get(name="郑民浩")
    with pytest.raises(ValidationError) as exc:
        # Dated far enough ahead, the child would be over 14 and need no guardian.
        services.consent_record(actor=head, person=child, purpose="photo",
                                recorded_on=date(2040, 1, 1))
    assert "recorded_on" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        services.consent_record(actor=head, person=household.head, purpose="photo",
                                recorded_on=_tomorrow())
    assert "recorded_on" in exc.value.error_dict
    assert not Consent.objects.filter(purpose="photo").exists()


def test_consent_record_needs_a_guardian_of_the_household(household, household_b, head):
    child = household.members.get(name="郑民浩")
    with pytest.raises(ValidationError) as exc:
        services.consent_record(actor=head, person=child, purpose="photo",
                                recorded_on=date(2026, 1, 1), guardian=household_b.head)
    assert "guardian" in exc.value.error_dict
    wife = household.members.get(name="金英姬")
    services.person_leave(actor=head, person=wife, on=date(2025, 1, 1))
    wife.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.consent_record(actor=head, person=child, purpose="photo",
                                recorded_on=date(2026, 1, 1), guardian=wife)
    assert "guardian" in exc.value.error_dict
    assert not Consent.objects.filter(person=child, purpose="photo").exists()
    consent = services.consent_record(actor=head, person=child, purpose="photo",
                                      recorded_on=date(2026, 1, 1), guardian=household.head)
    assert consent.guardian_id == household.head_id


def test_consent_record_refuses_an_inactive_department(household, head):
    closed = Department.objects.create(code="closed", name="已撤销的局", kind="government",
                                       active=False)
    with pytest.raises(ValidationError) as exc:
        services.consent_record(actor=head, person=household.head, purpose="referral",
                                recorded_on=date(2026, 1, 1), department=closed)
    assert "department" in exc.value.error_dict
    assert not Consent.objects.filter(purpose="referral").exists()


# --- 2. sensitive details need VIEW_SENSITIVE -------------------------------------

def test_person_create_refuses_ethnicity_without_view_sensitive(household, no_sensitive):
    with pytest.raises(PermissionDenied):
        services.person_create(actor=no_sensitive, household=household, name="朴顺子",
                               sex="F", relation="lodger", ethnicity="10",
                               sensitive_consent=True)
    with pytest.raises(PermissionDenied):
        services.person_create(actor=no_sensitive, household=household, name="朴顺子",
                               sex="F", relation="lodger", sensitive_consent=True)
    assert not Person.objects.filter(name="朴顺子").exists()
    # Without sensitive details the same role registers the person.
    services.person_create(actor=no_sensitive, household=household, name="朴顺子", sex="F",
                           relation="lodger")


def test_person_update_refuses_an_ethnicity_change_without_view_sensitive(household,
                                                                          no_sensitive):
    zheng = household.head
    with pytest.raises(PermissionDenied):
        services.person_update(actor=no_sensitive, person=zheng, ethnicity="01")
    with pytest.raises(PermissionDenied):
        services.person_update(actor=no_sensitive, person=zheng, ethnicity="")
    zheng.refresh_from_db()
    assert zheng.ethnicity == "10"
    # Other details, and the ethnicity sent back unchanged (a form), are fine.
    services.person_update(actor=no_sensitive, person=zheng, ethnicity="10", occupation="退休")


def test_household_festivals_need_view_sensitive(household, no_sensitive, dwelling_a2):
    with pytest.raises(PermissionDenied):
        services.household_update(actor=no_sensitive, household=household,
                                  festivals=["chuseok"])
    with pytest.raises(PermissionDenied):
        services.household_create(actor=no_sensitive, dwelling=dwelling_a2,
                                  residency="registered", moved_in=date(2020, 1, 1),
                                  festivals=["chuseok"], head={"name": "崔", "sex": "M"})
    services.household_update(actor=no_sensitive, household=household, note="二楼",
                              festivals=["spring_festival", "chuseok"])


# --- 3. people: the head, birth dates ---------------------------------------------

def test_person_create_refuses_a_second_head(household, head):
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=head, household=household, name="二号户主", sex="M",
                               relation="head")
    assert "relation" in exc.value.error_dict
    assert not Person.objects.filter(name="二号户主").exists()


def test_person_update_keeps_the_heads_relation(household, head):
    with pytest.raises(ValidationError) as exc:
        services.person_update(actor=head, person=household.head, relation="lodger")
    assert "relation" in exc.value.error_dict
    assert Person.objects.get(pk=household.head_id).relation == "head"


def test_people_services_refuse_a_birth_date_in_the_future(household, head):
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=head, household=household, name="未生", sex="F",
                               relation="lodger", birth_date=_tomorrow())
    assert "birth_date" in exc.value.error_dict
    wife = household.members.get(name="金英姬")
    with pytest.raises(ValidationError) as exc:
        services.person_update(actor=head, person=wife, birth_date=_tomorrow())
    assert "birth_date" in exc.value.error_dict
    wife.refresh_from_db()
    assert wife.birth_date == date(1960, 5, 2)


# --- 4. households ----------------------------------------------------------------

def test_household_create_refuses_a_moving_in_date_in_the_future(head, dwelling_a2):
    with pytest.raises(ValidationError) as exc:
        services.household_create(actor=head, dwelling=dwelling_a2, residency="registered",
                                  moved_in=_tomorrow(), head={"name": "未来", "sex": "M"})
    assert "moved_in" in exc.value.error_dict
    assert not Household.objects.filter(dwelling=dwelling_a2).exists()
