"""Care's rules enforced by the services themselves, called without a page
(the API, the importer, commands): each test fails if its rule is removed from
the service (issue 14)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone, translation

from jiayuan.care import services as care
from jiayuan.care.choices import DisputeOutcome, PairingStatus, PartyRole
from jiayuan.care.models import (
    CheckIn,
    Dispute,
    DisputeParty,
    FestivalDate,
    MediationSession,
    Pairing,
    Visit,
)
from jiayuan.care.visits.services import visit_case_open
from jiayuan.core.roles import Role
from jiayuan.desk.models import Case
from jiayuan.places.models import Community
from jiayuan.registry.models import Person
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _dispute(actor: Any, grid: Any, **fields: Any) -> Dispute:
    fields.setdefault("kind", "neighbours")
    fields.setdefault("source", "walk_in")
    fields.setdefault("summary", "楼上漏水")
    return care.dispute_create(actor=actor, grid=grid, **fields)


@pytest.fixture
def mediator_b(community: Any, grid_b: Any) -> Any:
    """A mediator of grid B: grid A's disputes are not theirs."""
    return make_user("mediator_b", Role.MEDIATOR, community, [grid_b])


# --- 1. an object outside the actor's scope is "not found" -------------------------

def test_dispute_services_refuse_a_dispute_out_of_scope(personas, grid_a, mediator_b,
                                                         household):
    dispute = _dispute(personas["head"], grid_a)
    today = timezone.localdate()
    calls = [
        lambda: care.party_add(actor=mediator_b, dispute=dispute, role=PartyRole.APPLICANT,
                               name="张三"),
        lambda: care.session_add(actor=mediator_b, dispute=dispute, held_at=timezone.now(),
                                 attendees="双方", notes="谈了"),
        lambda: care.dispute_update(actor=mediator_b, dispute=dispute, summary="改了"),
        lambda: care.dispute_escalate(actor=mediator_b, dispute=dispute, on=today,
                                      what="报警"),
        lambda: care.dispute_close(actor=mediator_b, dispute=dispute,
                                   outcome=DisputeOutcome.RESOLVED, note="和好"),
    ]
    for call in calls:
        with pytest.raises(Http404):
            call()
    dispute.refresh_from_db()
    assert (dispute.summary, dispute.escalation, dispute.is_open) == ("楼上漏水", "", True)
    assert not DisputeParty.objects.exists() and not MediationSession.objects.exists()


def test_party_remove_refuses_a_party_of_a_dispute_out_of_scope(personas, grid_a,
                                                                  mediator_b):
    dispute = _dispute(personas["head"], grid_a)
    party = care.party_add(actor=personas["head"], dispute=dispute, role=PartyRole.APPLICANT,
                           name="张三")
    with pytest.raises(Http404):
        care.party_remove(actor=mediator_b, party=party)
    assert DisputeParty.objects.filter(pk=party.pk).exists()


def test_reopen_and_followup_refuse_a_dispute_out_of_scope(personas, grid_a, mediator_b):
    head = personas["head"]
    dispute = _dispute(head, grid_a, opened_on=timezone.localdate() - timedelta(days=3))
    care.dispute_close(actor=head, dispute=dispute, outcome=DisputeOutcome.RESOLVED,
                       note="和好")
    with pytest.raises(Http404):
        care.dispute_followup(actor=mediator_b, dispute=dispute, on=timezone.localdate(),
                              holding=True)
    with pytest.raises(Http404):
        care.dispute_reopen(actor=mediator_b, dispute=dispute, reason="又吵了")
    dispute.refresh_from_db()
    assert not dispute.is_open and dispute.followup_on is None


def test_a_mediator_of_the_dispute_may_act_on_it_wherever_it_is(personas, grid_a,
                                                                 mediator_b):
    # The same rule as the pages: the dispute is theirs when they mediate it.
    dispute = _dispute(personas["head"], grid_a, mediators=[mediator_b])
    care.dispute_update(actor=mediator_b, dispute=dispute, summary="改了")
    assert Dispute.objects.get(pk=dispute.pk).summary == "改了"


def _pairing(personas: Any, household: Any) -> Pairing:
    return care.pairing_create(actor=personas["head"], household=household,
                               helper_kind="staff", goals="每周探访",
                               helper_user=personas["gridworker"],
                               started=timezone.localdate() - timedelta(days=10))


def test_pairing_services_refuse_a_pairing_out_of_scope(personas, household):
    pairing = _pairing(personas, household)
    outsider = personas["outsider"]  # manages pairings, in grid B
    with pytest.raises(Http404):
        care.checkin_add(actor=outsider, pairing=pairing, on=timezone.localdate(),
                         mode="home")
    with pytest.raises(Http404):
        care.pairing_set_status(actor=outsider, pairing=pairing, status=PairingStatus.PAUSED)
    with pytest.raises(Http404):
        care.pairing_set_planned_end(actor=outsider, pairing=pairing,
                                     planned_end=timezone.localdate())
    pairing.refresh_from_db()
    assert (pairing.status, pairing.planned_end) == (PairingStatus.ACTIVE, None)
    assert not CheckIn.objects.exists()


def test_visit_services_refuse_a_visit_out_of_scope(personas, household, school_item,
                                                     make_case):
    visit, _created = care.visit_log(actor=personas["gridworker"], households=[household],
                                      mode="home", purpose="routine")
    outsider = personas["outsider"]  # logs visits, in grid B
    with pytest.raises(Http404):
        visit_case_open(actor=outsider, visit=visit, person=household.head,
                        item=school_item, summary="孙子要上小学")
    assert not Case.objects.exists()
    case = make_case(person=household.head)
    with pytest.raises(Http404):
        care.visit_link_case(actor=outsider, visit=visit, case=case)
    assert not visit.cases.exists()


# --- 2. mediators: active accounts of the community that mediate -------------------

def test_dispute_create_refuses_a_mediator_whose_role_does_not_mediate(personas, grid_a):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _dispute(personas["head"], grid_a, mediators=[personas["auditor"]])
    assert "mediators" in refused.value.error_dict
    assert not Dispute.objects.exists()


def test_dispute_create_refuses_an_inactive_or_foreign_mediator(personas, grid_a):
    inactive = make_user("gone", Role.MEDIATOR, personas["head"].community)
    inactive.is_active = False
    inactive.save()
    other = Community.objects.create(name="别的社区", code="OTH")
    foreign = make_user("foreign", Role.MEDIATOR, other)
    for mediator in (inactive, foreign):
        with pytest.raises(ValidationError) as refused:
            _dispute(personas["head"], grid_a, mediators=[mediator])
        assert "mediators" in refused.value.error_dict
    assert not Dispute.objects.exists()


def test_dispute_create_without_mediators_is_mediated_by_the_actor(personas, grid_a):
    dispute = _dispute(personas["head"], grid_a)
    assert list(dispute.mediators.all()) == [personas["head"]]


def test_dispute_update_needs_at_least_one_mediator(personas, grid_a):
    dispute = _dispute(personas["head"], grid_a)
    with pytest.raises(ValidationError) as refused:
        care.dispute_update(actor=personas["head"], dispute=dispute, mediators=[])
    assert "mediators" in refused.value.error_dict
    assert list(dispute.mediators.all()) == [personas["head"]]


def test_dispute_update_refuses_a_new_mediator_who_may_not_mediate(personas, grid_a):
    dispute = _dispute(personas["head"], grid_a)
    with pytest.raises(ValidationError) as refused:
        care.dispute_update(actor=personas["head"], dispute=dispute,
                            mediators=[personas["head"], personas["coordinator"]])
    assert "mediators" in refused.value.error_dict
    assert list(dispute.mediators.all()) == [personas["head"]]


def test_dispute_update_keeps_a_mediator_whose_role_changed_since(personas, grid_a):
    mediator = personas["mediator"]
    dispute = _dispute(personas["head"], grid_a, mediators=[mediator])
    mediator.role = Role.AUDITOR
    mediator.save()
    care.dispute_update(actor=personas["head"], dispute=dispute,
                        mediators=[mediator, personas["head"]])
    assert set(dispute.mediators.all()) == {mediator, personas["head"]}


# --- 3. a grid worker's dispute names one of their grids ---------------------------

def test_a_grid_worker_must_give_the_grid_of_the_dispute(community, grid_a):
    worker = make_user("mediator_a", Role.MEDIATOR, community, [grid_a])
    with pytest.raises(ValidationError) as refused:
        _dispute(worker, None)
    assert "grid" in refused.value.error_dict
    assert not Dispute.objects.exists()
    assert _dispute(worker, grid_a).grid == grid_a


def test_a_community_wide_mediator_may_open_one_for_the_whole_community(personas):
    assert _dispute(personas["head"], None).grid is None


# --- 4. pairing: the helper ---------------------------------------------------------

def _pair(actor: Any, household: Any, **fields: Any) -> Pairing:
    fields.setdefault("helper_kind", "volunteer")
    fields.setdefault("goals", "每周探访")
    return care.pairing_create(actor=actor, household=household, **fields)


def test_a_helper_account_must_be_active_staff_who_may_log_visits(personas, household):
    inactive = make_user("gone", Role.GRIDWORKER, personas["head"].community)
    inactive.is_active = False
    inactive.save()
    for helper in (personas["auditor"], inactive):
        with pytest.raises(ValidationError) as refused:
            _pair(personas["head"], household, helper_kind="staff", helper_user=helper)
        assert "helper_user" in refused.value.error_dict
    assert not Pairing.objects.exists()


def test_a_helper_account_must_work_in_the_households_grid(personas, household_b):
    with translation.override("en"), pytest.raises(ValidationError,
                                                   match="does not work in") as refused:
        _pair(personas["head"], household_b, helper_kind="staff",
              helper_user=personas["gridworker"])  # grid A
    assert "helper_user" in refused.value.error_dict
    assert not Pairing.objects.exists()


def test_a_staff_helper_is_paired_through_their_account(personas, household, household_b):
    with pytest.raises(ValidationError) as refused:
        _pair(personas["head"], household, helper_kind="staff",
              helper_person=household_b.head)
    assert "helper_user" in refused.value.error_dict
    assert not Pairing.objects.exists()


def test_a_resident_helper_who_left_is_refused(personas, household, household_b):
    helper = household_b.head
    Person.objects.filter(pk=helper.pk).update(left_on=timezone.localdate())
    helper.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        _pair(personas["head"], household, helper_person=helper)
    assert "helper_person" in refused.value.error_dict
    assert not Pairing.objects.exists()


def test_a_pairing_cannot_start_in_the_future(personas, household):
    with pytest.raises(ValidationError) as refused:
        _pair(personas["head"], household, helper_kind="staff",
              helper_user=personas["gridworker"],
              started=timezone.localdate() + timedelta(days=1))
    assert "started" in refused.value.error_dict
    assert not Pairing.objects.exists()


# --- 5. visitors: active staff of the community who log visits ---------------------

def test_visit_log_refuses_a_visitor_who_may_not_log_visits(personas, household):
    other = Community.objects.create(name="别的社区", code="OTH")
    foreign = make_user("foreign", Role.GRIDWORKER, other)
    inactive = make_user("gone", Role.GRIDWORKER, personas["head"].community)
    inactive.is_active = False
    inactive.save()
    for visitor in (personas["auditor"], foreign, inactive):
        with pytest.raises(ValidationError) as refused:
            care.visit_log(actor=personas["gridworker"], households=[household], mode="home",
                           purpose="routine", visitors=[personas["gridworker"], visitor])
        assert "visitors" in refused.value.error_dict
    assert not Visit.objects.exists()


# --- 6. the agreement and its follow-up check --------------------------------------

def test_an_agreement_is_not_signed_in_the_future(personas, grid_a):
    dispute = _dispute(personas["head"], grid_a)
    with pytest.raises(ValidationError) as refused:
        care.dispute_update(actor=personas["head"], dispute=dispute, agreement_text="一、修好。",
                            agreement_on=timezone.localdate() + timedelta(days=1))
    assert "agreement_on" in refused.value.error_dict
    assert Dispute.objects.get(pk=dispute.pk).agreement_on is None


def test_a_signed_agreement_needs_its_text(personas, grid_a):
    dispute = _dispute(personas["head"], grid_a)
    with pytest.raises(ValidationError) as refused:
        care.dispute_update(actor=personas["head"], dispute=dispute, agreement_text="  ",
                            agreement_on=timezone.localdate())
    assert "agreement_text" in refused.value.error_dict
    care.dispute_update(actor=personas["head"], dispute=dispute, agreement_text="一、修好。",
                        agreement_on=timezone.localdate())
    with pytest.raises(ValidationError) as refused:  # nor emptied once signed
        care.dispute_update(actor=personas["head"], dispute=dispute, agreement_text="")
    assert "agreement_text" in refused.value.error_dict


def test_the_followup_check_is_recorded_once(personas, grid_a):
    head = personas["head"]
    dispute = _dispute(head, grid_a, opened_on=timezone.localdate() - timedelta(days=3))
    care.dispute_close(actor=head, dispute=dispute, outcome=DisputeOutcome.RESOLVED,
                       note="和好")
    care.dispute_followup(actor=head, dispute=dispute, on=timezone.localdate(), holding=True,
                          note="好")
    with pytest.raises(ValidationError):
        care.dispute_followup(actor=head, dispute=dispute, on=timezone.localdate(),
                              holding=False, note="又吵了")
    dispute.refresh_from_db()
    assert (dispute.followup_holding, dispute.followup_note) == (True, "好")


# --- 7. the festival calendar -------------------------------------------------------

def test_the_calendar_refuses_the_other_festival(personas):
    before = FestivalDate.objects.count()
    with pytest.raises(ValidationError) as refused:
        care.festival_date_add(actor=personas["head"], festival="other",
                               day=timezone.localdate())
    assert "festival" in refused.value.error_dict
    assert FestivalDate.objects.count() == before


def test_the_calendar_refuses_a_year_outside_its_window(personas):
    today = timezone.localdate()
    before = FestivalDate.objects.count()
    for year in (today.year - 6, today.year + 11):
        with pytest.raises(ValidationError) as refused:
            care.festival_date_add(actor=personas["head"], festival="spring_festival",
                                   day=date(year, 2, 1))
        assert "date" in refused.value.error_dict
    assert FestivalDate.objects.count() == before
    for year in (today.year - 5, today.year + 10):
        care.festival_date_add(actor=personas["head"], festival="eid_al_fitr",
                               day=date(year, 12, 31))
    assert FestivalDate.objects.count() == before + 2
