"""Two writes to one household at once (the audit tip no longer runs every
service one at a time): the registry locks households before people
(common.lock_households), the person before reading their consents, and the
unique index's refusal of an ID number is the check's own."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from jiayuan.core.models import AuditEntry
from jiayuan.registry import services
from jiayuan.registry.choices import ConsentPurpose, Relation
from jiayuan.registry.models import Consent, Person
from jiayuan.registry.services import consents, households, people
from tests.conftest import ZHENG_ID
from tests.locking import Meeting, needs_postgres, run_together


def spouse_of(household: Any) -> Person:
    return Person.objects.get(household=household, relation=Relation.SPOUSE)


def test_an_id_number_registered_since_the_check_is_refused_like_the_check(
        head, household, monkeypatch):
    # Two desks register one ID number at once: both pass the check, the
    # unique index refuses the second (here the check is skipped instead).
    monkeypatch.setattr(people, "_check_unique_id", lambda *args, **kwargs: None)
    with pytest.raises(ValidationError) as refused:
        services.person_create(actor=head, household=household, name="郑容哲", sex="M",
                               birth_date=date(1958, 3, 14), id_number=ZHENG_ID)
    assert refused.value.message_dict == people._already_registered().message_dict
    assert Person.objects.filter(name="郑容哲").count() == 0


def test_a_consent_withdrawn_twice_from_two_pages_is_withdrawn_once(head, household):
    consent = Consent.objects.get(person=household.head, purpose=ConsentPurpose.SENSITIVE)
    other_page = Consent.objects.get(pk=consent.pk)  # loaded before the first withdrawal
    services.consent_withdraw(actor=head, consent=consent, on=date(2026, 2, 1))
    with pytest.raises(ValidationError):
        services.consent_withdraw(actor=head, consent=other_page, on=date(2026, 2, 2))
    assert AuditEntry.objects.filter(object_type="registry.consent", object_id=str(consent.pk),
                                     action="update").count() == 1


def _allowed(errors: list[BaseException]) -> None:
    """Either write may be refused (it came second); none may fail otherwise."""
    assert all(isinstance(e, ValidationError) for e in errors), errors


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_an_ethnic_group_written_while_the_last_consent_goes_does_not_outlive_it(
        head, household, monkeypatch):
    spouse = spouse_of(household)
    consent = services.consent_record(actor=head, person=spouse,
                                      purpose=ConsentPurpose.SENSITIVE,
                                      recorded_on=date(2026, 1, 5))
    # Each meets the other once it has read the consents: without the
    # person's lock the writer saw the consent, the withdrawal saw no ethnic
    # group to erase, and both committed.
    meeting, real = Meeting(), consents.has_sensitive_consent

    def has(person: Person) -> bool:
        found = real(person)
        meeting.arrive()
        return found

    monkeypatch.setattr(consents, "has_sensitive_consent", has)
    _results, errors = run_together(
        lambda: services.person_update(actor=head, person=spouse_of(household),
                                       ethnicity="01"),
        lambda: services.consent_withdraw(actor=head, consent=consent, on=date(2026, 2, 1)))
    _allowed(errors)
    spouse.refresh_from_db()
    assert spouse.ethnicity == "" or real(spouse)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_move_and_a_change_of_head_at_once_do_not_deadlock(
        head, household, household_b, monkeypatch):
    spouse = spouse_of(household)
    # Each meets the other once it holds its first row: the change of head
    # holds the household and wants the spouse, the move held the spouse and
    # wanted the household (a deadlock, one of them failed).
    meeting, real = Meeting(), households.claim

    def claim(obj: Any, *args: Any) -> Any:
        locked = real(obj, *args)
        meeting.arrive()
        return locked

    monkeypatch.setattr(households, "claim", claim)
    _results, errors = run_together(
        lambda: services.household_update(actor=head, household=household, head=spouse,
                                          old_head_relation=Relation.SPOUSE),
        lambda: services.person_move(actor=head, person=spouse, to_household=household_b,
                                     on=date(2026, 2, 1), relation=Relation.OTHER_RELATIVE))
    _allowed(errors)
    assert len(errors) <= 1
