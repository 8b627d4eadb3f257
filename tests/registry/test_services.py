from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from jiayuan.core.models import AuditEntry
from jiayuan.registry import services
from jiayuan.registry.identifiers import id_number_of, phone_of
from jiayuan.registry.models import Household, Membership, Person, SearchKey
from tests.conftest import ZHENG_ID


def test_it_opens_a_household_with_its_head(household):
    head = household.head
    assert head.name == "鄭容哲" and head.relation == "head"
    assert head.pinyin == "Zheng Rongzhe"
    assert household.addresses.count() == 1
    assert Membership.objects.filter(person=head, household=household, left__isnull=True).exists()


def test_it_encrypts_identifiers_and_keeps_a_mask(household):
    head = Person.objects.get(pk=household.head_id)
    assert ZHENG_ID not in head.id_number_enc and "13812345678" not in head.phone_enc
    assert id_number_of(head) == ZHENG_ID and phone_of(head) == "13812345678"
    assert head.id_number_mask == ZHENG_ID[:4] + "*" * 10 + ZHENG_ID[-4:]
    assert head.phone_mask == "138****5678" and head.phone_last4 == "5678"


def test_it_never_writes_identifiers_or_ethnicity_to_the_audit_log(household):
    dump = str(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert ZHENG_ID not in dump and "13812345678" not in dump
    entry = AuditEntry.objects.get(object_type="registry.person",
                                   object_id=str(household.head_id), action="create")
    assert entry.changes["ethnicity"] == "(changed)"


def test_it_refuses_a_duplicate_id_number_and_saves_nothing(household, head, dwelling_a2):
    before = (Household.objects.count(), Person.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.household_create(actor=head, dwelling=dwelling_a2, residency="registered",
                                  moved_in=date(2020, 1, 1),
                                  head={"name": "冒名", "sex": "M", "id_number": ZHENG_ID})
    assert "id_number" in exc.value.error_dict
    assert (Household.objects.count(), Person.objects.count(),
            AuditEntry.objects.count()) == before


def test_it_refuses_a_household_without_a_head(head, dwelling_a2):
    with pytest.raises(ValidationError):
        services.household_create(actor=head, dwelling=dwelling_a2, residency="registered",
                                  moved_in=date(2020, 1, 1), head={})
    assert not Household.objects.filter(dwelling=dwelling_a2).exists()


def test_it_moves_a_household_and_keeps_its_history(household, head, dwelling_b):
    services.household_move(actor=head, household=household, dwelling=dwelling_b,
                            on=date(2025, 3, 1))
    household.refresh_from_db()
    assert household.grid_id == dwelling_b.grid_id
    assert set(Person.objects.filter(household=household).values_list("grid_id", flat=True)) \
        == {dwelling_b.grid_id}
    assert set(SearchKey.objects.filter(person__household=household)
               .values_list("grid_id", flat=True)) == {dwelling_b.grid_id}
    old, new = household.addresses.order_by("moved_in")
    assert old.moved_out == date(2025, 3, 1) and new.moved_out is None


def test_a_grid_worker_cannot_move_a_household_into_another_grid(household, personas,
                                                                 dwelling_b):
    with pytest.raises(Http404):
        services.household_move(actor=personas["gridworker"], household=household,
                                dwelling=dwelling_b, on=date(2025, 3, 1))
    household.refresh_from_db()
    assert household.dwelling.grid_id != dwelling_b.grid_id


def test_a_grid_worker_cannot_move_a_person_into_a_household_outside_scope(
        household, household_b, personas):
    wife = household.members.get(name="金英姬")
    with pytest.raises(Http404):
        services.person_move(actor=personas["gridworker"], person=wife,
                             to_household=household_b, on=date(2025, 1, 1), relation="spouse")
    wife.refresh_from_db()
    assert wife.household_id == household.pk


def test_a_head_who_moves_out_needs_a_successor(household, household_b, head):
    zheng = household.head
    with pytest.raises(ValidationError) as exc:
        services.person_move(actor=head, person=zheng, to_household=household_b,
                             on=date(2025, 1, 1), relation="relative")
    assert "new_head" in exc.value.error_dict
    wife = household.members.get(name="金英姬")
    services.person_move(actor=head, person=zheng, to_household=household_b,
                         on=date(2025, 1, 1), relation="relative", new_head=wife)
    household.refresh_from_db()
    zheng.refresh_from_db()
    assert household.head_id == wife.pk
    assert zheng.household_id == household_b.pk and zheng.grid_id == household_b.grid_id
    assert zheng.memberships.count() == 2


def test_a_last_member_moving_away_closes_the_household(household_b, household, head):
    ma = household_b.head
    services.person_move(actor=head, person=ma, to_household=household, on=date(2025, 5, 1),
                         relation="lodger")
    household_b.refresh_from_db()
    assert household_b.moved_out == date(2025, 5, 1)


def test_roles_without_edit_rights_cannot_write(household, personas):
    for role in ("mediator", "coordinator", "auditor"):
        with pytest.raises(PermissionDenied):
            services.person_update(actor=personas[role], person=household.head, occupation="x")


def test_consent_for_a_child_needs_a_guardian(household, head):
    child = household.members.get(name="郑民浩")
    with pytest.raises(ValidationError) as exc:
        services.consent_record(actor=head, person=child, purpose="photo",
                                recorded_on=date(2026, 1, 1))
    assert "guardian" in exc.value.error_dict
    consent = services.consent_record(actor=head, person=child, purpose="photo",
                                      recorded_on=date(2026, 1, 1), guardian=household.head)
    assert consent.guardian_id == household.head_id
    services.consent_withdraw(actor=head, consent=consent, on=date(2026, 2, 1))
    consent.refresh_from_db()
    assert consent.status == "withdrawn"


def test_reveal_is_audited_and_needs_the_permission(household, personas):
    zheng = household.head
    value = services.person_reveal(actor=personas["caseworker"], person=zheng,
                                   field="id_number", confirmed=True)
    assert value == ZHENG_ID
    assert AuditEntry.objects.filter(action="reveal", actor_username="caseworker",
                                     object_id=str(zheng.pk)).exists()
    with pytest.raises(PermissionDenied):
        services.person_reveal(actor=personas["gridworker"], person=zheng, field="id_number", confirmed=True)
    assert services.person_reveal(actor=personas["gridworker"], person=zheng,
                                  field="phone", confirmed=True) == "13812345678"
    assert AuditEntry.objects.filter(action="denied", actor_username="gridworker").exists()


def test_a_whole_id_number_needs_a_recent_confirmation(household, personas):
    before = AuditEntry.objects.filter(action="reveal").count()
    with pytest.raises(services.ConfirmationRequired):
        services.person_reveal(actor=personas["caseworker"], person=household.head,
                               field="id_number", confirmed=False)
    assert services.person_reveal(actor=personas["caseworker"], person=household.head,
                                  field="phone", confirmed=False) == "13812345678"
    assert AuditEntry.objects.filter(action="reveal").count() == before + 1


def test_circumstances_need_consent_and_are_erased_when_it_is_withdrawn(household, head):
    from jiayuan.registry.models import Circumstance

    wife = household.members.get(name="金英姬")
    with pytest.raises(ValidationError):
        services.circumstance_add(actor=head, household=household, person=wife,
                                  kind="serious_illness", started=date(2025, 1, 1))
    assert not Circumstance.objects.exists()
    services.circumstance_add(actor=head, household=household, person=wife,
                              kind="serious_illness", started=date(2025, 1, 1),
                              sensitive_consent=True)
    services.circumstance_add(actor=head, household=household, kind="hardship",
                              started=date(2025, 1, 1))  # the head's consent is on record
    consent = wife.consents.get(purpose="sensitive")
    services.consent_withdraw(actor=head, consent=consent, on=date(2026, 1, 1))
    assert list(Circumstance.objects.values_list("kind", flat=True)) == ["hardship"]
    head_consent = household.head.consents.get(purpose="sensitive")
    services.consent_withdraw(actor=head, consent=head_consent, on=date(2026, 1, 1))
    household.refresh_from_db()
    assert not Circumstance.objects.exists() and household.festivals == []
    assert Person.objects.get(pk=household.head_id).ethnicity == ""


def test_circumstances_move_with_the_person(household, household_b, head, personas):

    wife = household.members.get(name="金英姬")
    item = services.circumstance_add(actor=head, household=household, person=wife,
                                     kind="serious_illness", started=date(2025, 1, 1),
                                     sensitive_consent=True)
    services.person_move(actor=head, person=wife, to_household=household_b,
                         on=date(2025, 6, 1), relation="relative")
    item.refresh_from_db()
    assert item.household_id == household_b.pk
    from jiayuan.registry.selectors import household_file

    assert household_file(personas["gridworker"], household).circumstances == []


def test_withdrawal_erases_household_details_no_current_head_consents_to(household, head):
    wife = household.members.get(name="金英姬")
    services.household_update(actor=head, household=household, head=wife)
    zheng_consent = household.head.consents.get(purpose="sensitive")
    services.consent_withdraw(actor=head, consent=zheng_consent, on=date(2026, 1, 1))
    household.refresh_from_db()
    assert household.festivals == []


def test_audit_entries_with_ipv4_mapped_addresses_verify(head):
    from django.test import RequestFactory

    from jiayuan.core.audit import current_ip, record, verify_chain
    from jiayuan.core.middleware import client_ip

    ip = client_ip(RequestFactory().get("/", REMOTE_ADDR="::ffff:10.0.0.5"))
    assert ip == "10.0.0.5"
    token = current_ip.set("2001:db8::1")
    try:
        record("update", actor=head, object_type="x", object_id=1)
    finally:
        current_ip.reset(token)
    record("update", actor=head, object_type="x", object_id=2, ip=ip)
    assert verify_chain().ok
