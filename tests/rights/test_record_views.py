"""The record downloads check access before asking to confirm it is you: an
account without the permissions (or a person out of scope) is refused at once,
never sent to the confirmation page first."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jiayuan.core import reauth
from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.registry.models import Household, Person

NAMES = ("rights:person_record_json", "rights:person_record_pdf")


def _stale(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session.pop(reauth.CONFIRMED, None)
    session.save()
    return client


@pytest.mark.django_db
def test_an_account_without_the_permission_is_refused_before_confirming(
        personas: dict, household: Household) -> None:
    person = Person.objects.filter(household=household).first()
    assert person is not None
    client = _stale(personas["gridworker"])  # may not reveal ID numbers
    before = AuditEntry.objects.filter(action=AuditAction.DENIED).count()
    for name in NAMES:
        response = client.get(reverse(name, args=[person.pk]))
        assert response.status_code == 403
    denied = AuditEntry.objects.filter(action=AuditAction.DENIED).count()
    assert denied - before == len(NAMES)  # each refusal audited


@pytest.mark.django_db
def test_a_person_out_of_scope_is_404_before_confirming(personas: dict, grid_a: Any,
                                                        household_b: Household) -> None:
    from tests.conftest import make_user

    other = make_user("cw-a", "caseworker", personas["head"].community, [grid_a])
    person = Person.objects.get(pk=household_b.head_id)
    client = _stale(other)
    for name in NAMES:
        assert client.get(reverse(name, args=[person.pk])).status_code == 404


@pytest.mark.django_db
def test_who_may_is_still_asked_to_confirm(personas: dict, household: Household) -> None:
    person = Person.objects.filter(household=household).first()
    assert person is not None
    client = _stale(personas["caseworker"])
    for name in NAMES:
        response = client.get(reverse(name, args=[person.pk]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("reauth_confirm"))
