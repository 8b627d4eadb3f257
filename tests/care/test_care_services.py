"""Care's rules called as services, without a page: the composite units of work
(a dispute opened from a request or a household, a request opened from a
visit), the disclosures the selectors record, the one optimistic lock."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from jiayuan.care import selectors
from jiayuan.care import services as care
from jiayuan.care.choices import DutyRule, PairingStatus, PartyRole
from jiayuan.care.duties import selectors as duty_selectors
from jiayuan.care.models import Dispute, DisputeParty, Duty
from jiayuan.care.visits import selectors as visit_selectors
from jiayuan.care.visits.services import visit_case_open
from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.core.roles import Role
from jiayuan.core.versioning import Conflict
from jiayuan.desk.models import Case
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _open(actor: Any, **fields: Any) -> Any:
    fields.setdefault("kind", "neighbours")
    fields.setdefault("source", "walk_in")
    fields.setdefault("summary", "楼上漏水")
    from jiayuan.care.mediation.services import dispute_open

    return dispute_open(actor=actor, **fields)


# --- a dispute opened with its first applicant -----------------------------------

def test_it_opens_a_dispute_from_a_request_with_its_requester_as_applicant(personas, case,
                                                                          grid_a):
    opened = _open(personas["head"], case=case, grid=grid_a, source="case")
    party = DisputeParty.objects.get(dispute=opened.dispute)
    assert (party.role, party.person) == (PartyRole.APPLICANT, case.person)
    assert opened.dispute.case == case and not opened.requester_outside


def test_a_requester_outside_the_actors_grids_is_not_added(personas, community, grid_b,
                                                          case):
    # A mediator of grid B who may see the request (it is theirs) but not the requester.
    mediator_b = make_user("mediator_b2", Role.MEDIATOR, community, [grid_b])
    Case.objects.filter(pk=case.pk).update(owner=mediator_b)
    case.refresh_from_db()
    opened = _open(mediator_b, case=case, grid=grid_b, source="case")
    assert opened.requester_outside
    assert not DisputeParty.objects.filter(dispute=opened.dispute).exists()


def test_a_dispute_and_its_applicant_are_saved_both_or_neither(community, household_b, grid_a):
    # A mediator of grid A may open a dispute in grid A, but the household of
    # grid B is not theirs: the party is refused, and so is the dispute.
    mediator_a = make_user("mediator_a1", Role.MEDIATOR, community, [grid_a])
    with translation.override("en"), pytest.raises(ValidationError, match="not in your grids"):
        _open(mediator_a, grid=grid_a, household=household_b)
    assert not Dispute.objects.exists()


def test_a_request_out_of_scope_is_refused_by_the_service(personas, community, grid_b, case):
    outsider = make_user("mediator_b3", Role.MEDIATOR, community, [grid_b])
    with translation.override("en"), pytest.raises(ValidationError, match="not in your area"):
        care.dispute_create(actor=outsider, kind="neighbours", source="case", summary="x",
                            grid=grid_b, case=case)
    assert not Dispute.objects.exists()


def test_a_stale_version_is_a_conflict_naming_who_saved_first(personas, grid_a):
    dispute = care.dispute_create(actor=personas["head"], kind="neighbours", source="walk_in",
                                  summary="x", grid=grid_a)
    loaded = dispute.version
    care.dispute_update(actor=personas["mediator"], dispute=dispute, version=loaded,
                        agreement_text="一、修好水管。")
    stale = Dispute.objects.get(pk=dispute.pk)
    stale.version = loaded
    with pytest.raises(Conflict, match=personas["mediator"].display_name):
        care.dispute_update(actor=personas["head"], dispute=stale, version=loaded,
                            agreement_text="二、赔偿。")
    assert Dispute.objects.get(pk=dispute.pk).agreement_text == "一、修好水管。"


def test_dispute_update_leaves_what_it_is_not_given(personas, grid_a):
    dispute = care.dispute_create(actor=personas["head"], kind="neighbours", source="walk_in",
                                  summary="楼上漏水", details="细节", grid=grid_a)
    care.dispute_update(actor=personas["head"], dispute=dispute, agreement_on=None)
    dispute.refresh_from_db()
    assert (dispute.summary, dispute.details, dispute.agreement_on) == ("楼上漏水", "细节", None)


# --- a request opened from a visit -------------------------------------------------

def _visit(actor: Any, household: Any) -> Any:
    visit, _created = care.visit_log(actor=actor, households=[household], mode="home",
                                     purpose="routine", needs="入学")
    return visit


def test_a_request_opened_from_a_visit_is_linked_to_it(personas, household, school_item):
    worker = personas["gridworker"]
    visit = _visit(worker, household)
    case = visit_case_open(actor=worker, visit=visit, person=household.head, item=school_item,
                           summary="孙子要上小学")
    assert case.channel == "home_visit"
    assert list(visit.cases.all()) == [case]


def test_a_request_from_a_visit_is_for_someone_the_visit_was_to(personas, household,
                                                               household_b, school_item):
    visit = _visit(personas["head"], household)
    with pytest.raises(ValidationError) as refused:
        visit_case_open(actor=personas["head"], visit=visit, person=household_b.head,
                        item=school_item, summary="x")
    assert "person" in refused.value.error_dict
    assert not Case.objects.exists()


# --- disclosures recorded by the selectors ---------------------------------------

def _duty(household: Any, rule: str, **detail: Any) -> Duty:
    return Duty.objects.create(household=household, grid_id=household.grid_id, rule=rule,
                               key=f"k-{rule}", detail=detail,
                               raised_on=timezone.localdate(),
                               due=timezone.localdate() + timedelta(days=7))


def _disclosures() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE,
                                          object_type="care.duty"))


def test_reading_a_sensitive_reason_is_recorded(personas, household):
    illness = _duty(household, DutyRule.ILLNESS)
    with translation.override("en"):
        [row] = duty_selectors.with_reasons(personas["head"], [illness])
    assert row.reason == "Serious illness"
    [entry] = _disclosures()
    assert entry.actor_id == personas["head"].pk and entry.changes["duties"] == [illness.pk]


def test_a_role_that_may_not_read_reasons_reads_and_discloses_nothing(personas, household):
    illness = _duty(household, DutyRule.ILLNESS)
    with translation.override("en"):
        [row] = duty_selectors.with_reasons(personas["auditor"], [illness])
    assert row.reason == "Must-visit duty"
    assert _disclosures() == []


def test_a_reason_that_discloses_nothing_is_not_recorded(personas, household):
    _duty(household, DutyRule.DISPUTE, refs=["ZJJ-T-2026-00001"])
    duty_selectors.with_reasons(personas["head"], Duty.objects.all())
    assert _disclosures() == []


def test_the_household_file_records_the_reasons_it_shows(personas, household):
    illness = _duty(household, DutyRule.ILLNESS)
    care_file = selectors.household_care(personas["head"], household)
    assert [d.pk for d in care_file.duties] == [illness.pk]
    assert len(_disclosures()) == 1


def test_reading_a_visits_sensitive_note_is_recorded(personas, household):
    visit, _created = care.visit_log(actor=personas["head"], households=[household],
                                     mode="home", purpose="routine",
                                     sensitive_note="家中有人重病")
    assert visit_selectors.show_sensitive_note(personas["head"], visit)
    assert AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE,
                                     object_type="care.visit",
                                     object_id=str(visit.pk)).count() == 1
    assert not visit_selectors.show_sensitive_note(personas["auditor"], visit)
    assert AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE,
                                     object_type="care.visit").count() == 1


# --- the layout keeps its entry points ----------------------------------------------

def test_the_scheduled_job_is_importable_from_the_duties_package():
    from jiayuan.care.duties import engine, run

    assert run is engine.run


def test_ending_a_pairing_before_it_started_names_the_date_field(personas, household):
    pairing = care.pairing_create(actor=personas["head"], household=household,
                                  helper_kind="staff", goals="每周探访",
                                  helper_user=personas["gridworker"],
                                  started=date(2026, 1, 10))
    with pytest.raises(ValidationError) as refused:
        care.pairing_set_status(actor=personas["head"], pairing=pairing,
                                status=PairingStatus.ENDED, on=date(2026, 1, 1))
    assert "on" in refused.value.error_dict
