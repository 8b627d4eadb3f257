"""The case state machine and the rules around it, through the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import override_settings
from django.utils import timezone, translation

from jiayuan.core.models import AuditEntry
from jiayuan.desk import services, workflow
from jiayuan.desk.choices import COUNTED_OUTCOMES, EventKind, Outcome, Status
from jiayuan.desk.models import Case, CaseDocument, CaseEvent, RefCounter
from jiayuan.desk.selectors import repeat_flags

INPUTS = {
    "wait_department": {"note": "等教育局回复"},
    "wait_resident": {"note": "等居民补交材料"},
    "reopen": {"note": "居民反映问题没解决"},
    "withdraw": {"note": "居民已自行解决"},
    "resolve": {"outcome": "school_place", "outcome_quantity": 1},
}


@pytest.fixture(autouse=True)
def english():
    """These tests read the messages; they read them in English."""
    with translation.override("en"):
        yield


def _in_status(case: Case, status: str) -> Case:
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    return case


@pytest.mark.parametrize("status", list(Status.values))
@pytest.mark.parametrize("action", list(workflow.ACTIONS))
def test_every_transition_allowed_or_refused_per_table(case: Case, make_case: Any,
                                                       personas: dict, status: str,
                                                       action: str) -> None:
    cw = personas["caseworker"]
    case = _in_status(case, status)
    other = make_case(summary="同一件事")
    kwargs: dict[str, Any] = dict(INPUTS.get(action, {}))
    if action == "cancel_duplicate":
        kwargs["duplicate_of"] = other
    events_before = case.events.count()
    allowed = workflow.can(status, action) and action != "close"
    if allowed:
        done = services.transition(actor=cw, case=case, action=action, version=case.version,
                                   **kwargs)
        assert done.status == workflow.ACTIONS[action].target
        assert done.version == case.version + 1
        last = done.events.order_by("-id").first()
        assert (last.kind, last.from_status, last.to_status) == (
            EventKind.STATUS, status, done.status)
    else:
        with pytest.raises(ValidationError) as exc:
            services.transition(actor=cw, case=case, action=action, version=case.version,
                                **kwargs)
        assert exc.value.messages  # a message the worker can read
        case.refresh_from_db()
        assert case.status == status
        assert case.events.count() == events_before


def test_table_matches_issue() -> None:
    # Closing happens only through the follow-up call; cancelled is final.
    assert workflow.allowed(Status.CANCELLED) == []
    assert {a.name for a in workflow.allowed(Status.CLOSED)} == {"reopen"}
    assert {a.name for a in workflow.allowed(Status.RESOLVED)} == {"close", "reopen"}
    assert "close" not in {a.name for a in workflow.buttons(Status.RESOLVED)}


def test_unknown_action_refused(case: Case, personas: dict) -> None:
    with pytest.raises(ValidationError, match="Unknown action"):
        services.transition(actor=personas["caseworker"], case=case, action="explode",
                            version=case.version)


def test_reasons_required(case: Case, personas: dict) -> None:
    cw = personas["caseworker"]
    case = services.transition(actor=cw, case=case, action="start", version=case.version)
    with pytest.raises(ValidationError) as exc:
        services.transition(actor=cw, case=case, action="wait_resident", version=case.version)
    assert "note" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        services.transition(actor=cw, case=case, action="resolve", version=case.version,
                            outcome="not_helped")
    assert "outcome_note" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        services.transition(actor=cw, case=case, action="resolve", version=case.version)
    assert "outcome" in exc.value.error_dict


def test_duplicate_links_and_refuses_self(case: Case, make_case: Any, personas: dict) -> None:
    cw = personas["caseworker"]
    with pytest.raises(ValidationError, match="itself"):
        services.transition(actor=cw, case=case, action="cancel_duplicate",
                            version=case.version, duplicate_of=case)
    original = make_case(summary="原件")
    done = services.transition(actor=cw, case=case, action="cancel_duplicate",
                               version=case.version, duplicate_of=original)
    assert done.duplicate_of == original
    assert list(original.duplicates.all()) == [done]


def test_first_response_recorded_once(case: Case, personas: dict) -> None:
    cw = personas["caseworker"]
    assert case.acknowledged_at is None
    case = services.transition(actor=cw, case=case, action="acknowledge", version=case.version)
    first = case.acknowledged_at
    assert first is not None
    case = services.transition(actor=cw, case=case, action="start", version=case.version)
    assert case.acknowledged_at == first


# --- due dates -----------------------------------------------------------------

def test_due_dates_from_catalogue(make_case: Any, school_item: Any, green_item: Any) -> None:
    opened = timezone.now().replace(microsecond=0)
    normal = make_case(opened_at=opened)
    assert normal.response_due == opened + timedelta(hours=48)
    assert normal.due == opened + timedelta(days=20)
    urgent = make_case(opened_at=opened, priority="urgent")
    assert urgent.response_due == opened + timedelta(hours=2)
    assert urgent.due == opened + timedelta(days=10)
    green = make_case(opened_at=opened, item=green_item)
    assert green.response_due == opened + timedelta(hours=2)
    assert green.due == opened + timedelta(days=4)  # ceil(7 / 2)


def test_changing_service_recomputes_due(case: Case, personas: dict, green_item: Any) -> None:
    updated = services.case_update(actor=personas["caseworker"], case=case,
                                   version=case.version, item=green_item)
    assert updated.due == case.opened_at + timedelta(days=4)
    assert updated.events.filter(kind=EventKind.EDITED).exists()


# --- three must-arrive (三必到) --------------------------------------------------

def test_onsite_case_cannot_resolve_before_onsite_contact(make_case: Any, household: Any,
                                                          onsite_item: Any,
                                                          personas: dict) -> None:
    cw = personas["caseworker"]
    case = make_case(person=household.head, item=onsite_item)
    assert case.needs_onsite
    with pytest.raises(ValidationError, match="三必到") as exc:
        services.transition(actor=cw, case=case, action="resolve", version=case.version,
                            outcome="answered")
    assert exc.value.code == "onsite"
    case.refresh_from_db()
    assert case.status == Status.NEW and case.resolved_at is None
    services.add_note(actor=cw, case=case, kind=EventKind.CALL, text="打了电话")
    case.refresh_from_db()
    assert case.onsite_at is None  # a call is not being there
    services.add_note(actor=cw, case=case, kind=EventKind.ONSITE, text="上门查看了漏水")
    case.refresh_from_db()
    done = services.transition(actor=cw, case=case, action="resolve", version=case.version,
                               outcome="answered")
    assert done.status == Status.RESOLVED


@pytest.mark.parametrize("delta", [
    pytest.param(timedelta(days=-1), id="before-the-request"),
    pytest.param(timedelta(minutes=-1), id="a-minute-before"),
    pytest.param(timedelta(days=1), id="in-the-future"),
])
def test_it_refuses_an_onsite_contact_outside_the_life_of_the_request(
        make_case: Any, household: Any, onsite_item: Any, personas: dict,
        delta: timedelta) -> None:
    cw = personas["caseworker"]
    opened = timezone.now() - timedelta(hours=3)
    case = make_case(person=household.head, item=onsite_item, opened_at=opened)
    events, entries = case.events.count(), AuditEntry.objects.count()
    at = (timezone.now() if delta > timedelta(0) else opened.replace(second=0)) + delta
    with pytest.raises(ValidationError) as exc:
        services.add_note(actor=cw, case=case, kind=EventKind.ONSITE, text="上门查看了漏水",
                          at=at)
    assert "at" in exc.value.error_dict
    message = " ".join(exc.value.messages)
    assert ("before the request was received" in message) == (delta < timedelta(0))
    case.refresh_from_db()
    assert case.onsite_at is None
    assert case.events.count() == events and AuditEntry.objects.count() == entries
    with pytest.raises(ValidationError, match="三必到"):
        services.transition(actor=cw, case=case, action="resolve", version=case.version,
                            outcome="answered")


def test_it_accepts_an_onsite_contact_in_the_minute_the_request_was_received(
        make_case: Any, household: Any, onsite_item: Any, personas: dict) -> None:
    """The form gives minutes: 10:23 is not before a request received at 10:23:45."""
    opened = (timezone.now() - timedelta(hours=3)).replace(second=45)
    case = make_case(person=household.head, item=onsite_item, opened_at=opened)
    services.add_note(actor=personas["caseworker"], case=case, kind=EventKind.ONSITE,
                      text="受理时就在现场", at=opened.replace(second=0, microsecond=0))
    case.refresh_from_db()
    assert case.onsite_at == opened.replace(second=0, microsecond=0)


def test_a_request_taken_on_a_home_visit_counts_the_visit_before_it_was_filed(
        make_case: Any, household: Any, onsite_item: Any, personas: dict) -> None:
    """The grid worker met the resident at home on Monday and filed the request
    at the station on Tuesday: Monday's visit was the on-site contact."""
    case = make_case(person=household.head, item=onsite_item, channel="home_visit")
    visited = case.opened_at - timedelta(days=1)
    services.add_note(actor=personas["gridworker"], case=case, kind=EventKind.ONSITE,
                      text="入户时居民提出", at=visited)
    case.refresh_from_db()
    assert case.onsite_at == visited


def test_it_lets_notes_and_calls_predate_the_request(case: Case, personas: dict) -> None:
    """Only the on-site contact, which satisfies 三必到, is held to the request's dates."""
    earlier = case.opened_at - timedelta(hours=2)
    services.add_note(actor=personas["caseworker"], case=case, kind=EventKind.CALL,
                      text="居民先打过电话", at=earlier)
    assert case.events.filter(kind=EventKind.CALL, at=earlier).exists()


# --- outcome quantities -------------------------------------------------------------

@pytest.mark.parametrize("quantity", [None, 0])
@pytest.mark.parametrize("outcome", sorted(COUNTED_OUTCOMES))
def test_it_refuses_a_counted_outcome_without_a_number(case: Case, personas: dict,
                                                       outcome: str,
                                                       quantity: int | None) -> None:
    with pytest.raises(ValidationError) as exc:
        services.transition(actor=personas["caseworker"], case=case, action="resolve",
                            version=case.version, outcome=outcome, outcome_quantity=quantity)
    assert list(exc.value.error_dict) == ["outcome_quantity"]
    assert "is counted in the reports: say how many, at least 1" in exc.value.messages[0]
    assert str(Outcome(outcome).label) in exc.value.messages[0]
    case.refresh_from_db()
    assert case.status == Status.NEW and case.outcome == "" and case.resolved_at is None


def test_it_keeps_the_number_of_a_counted_outcome(case: Case, personas: dict) -> None:
    done = services.transition(actor=personas["caseworker"], case=case, action="resolve",
                               version=case.version, outcome="job", outcome_quantity=2)
    assert (done.status, done.outcome, done.outcome_quantity) == (Status.RESOLVED, "job", 2)
    assert done.events.get(to_status=Status.RESOLVED).display_text == "Job found × 2"


def test_it_needs_no_number_for_an_outcome_that_is_not_counted(case: Case,
                                                               personas: dict) -> None:
    done = services.transition(actor=personas["caseworker"], case=case, action="resolve",
                               version=case.version, outcome="answered", outcome_quantity=3)
    assert done.status == Status.RESOLVED and done.outcome_quantity is None


# --- follow-up --------------------------------------------------------------------

def _resolved(case: Case, cw: Any) -> Case:
    return services.transition(actor=cw, case=case, action="resolve", version=case.version,
                               outcome="school_place", outcome_quantity=1)


def test_follow_up_reached_closes(case: Case, personas: dict) -> None:
    cw = personas["caseworker"]
    with pytest.raises(ValidationError, match="after the case is resolved"):
        services.record_follow_up(actor=cw, case=case, reached=True, satisfaction=5)
    case = _resolved(case, cw)
    with pytest.raises(ValidationError) as exc:
        services.record_follow_up(actor=cw, case=case, reached=True)
    assert "satisfaction" in exc.value.error_dict
    services.record_follow_up(actor=cw, case=case, reached=True, satisfaction=4,
                              comment="孩子已入学")
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.closed_at is not None
    assert case.follow_ups.get().satisfaction == 4


@override_settings(DESK_FOLLOWUP_ATTEMPTS=3)
def test_follow_up_closes_after_n_failed_attempts(case: Case, personas: dict) -> None:
    cw = personas["caseworker"]
    case = _resolved(case, cw)
    for attempt in (1, 2):
        services.record_follow_up(actor=cw, case=case, reached=False)
        case.refresh_from_db()
        assert case.status == Status.RESOLVED, attempt
    services.record_follow_up(actor=cw, case=case, reached=False)
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.follow_ups.filter(reached=False).count() == 3


def test_reopen_clears_outcome(case: Case, personas: dict) -> None:
    cw = personas["caseworker"]
    case = _resolved(case, cw)
    case = services.transition(actor=cw, case=case, action="reopen", version=case.version,
                               note="学校说名额没有了")
    assert case.status == Status.IN_PROGRESS
    assert (case.outcome, case.resolved_at) == ("", None)


# --- concurrency ---------------------------------------------------------------------

def test_second_save_with_stale_version_is_refused(case: Case, personas: dict) -> None:
    cw, head = personas["caseworker"], personas["head"]
    seen = case.version  # both open the page
    services.case_update(actor=cw, case=case, version=seen, summary="孩子要上小学一年级")
    with pytest.raises(services.Conflict, match="changed this case"):
        services.case_update(actor=head, case=case, version=seen, summary="覆盖别人的修改")
    with pytest.raises(services.Conflict):
        services.transition(actor=head, case=case, action="start", version=seen)
    case.refresh_from_db()
    assert case.summary == "孩子要上小学一年级"
    assert case.status == Status.NEW


# --- scope, permissions, intake --------------------------------------------------------

def test_outsider_cannot_touch_grid_a_case(case: Case, personas: dict) -> None:
    with pytest.raises(Http404):
        services.transition(actor=personas["outsider"], case=case, action="start",
                            version=case.version)
    with pytest.raises(Http404):
        services.add_note(actor=personas["outsider"], case=case, kind="note", text="x")


@pytest.mark.parametrize("role", ["coordinator", "auditor", "admin"])
def test_roles_without_work_cases_refused(case: Case, personas: dict, role: str) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.transition(actor=personas[role], case=case, action="start",
                            version=case.version)


def test_intake_needs_a_requester(make_case: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        make_case(caller_name="  ")
    assert "caller_name" in exc.value.error_dict


def test_refs_are_sequential_per_station_and_year(make_case: Any, community: Any) -> None:
    first, second = make_case(), make_case()
    year = timezone.localdate().year
    assert first.ref == f"{community.code}-{year}-00001"
    assert second.ref == f"{community.code}-{year}-00002"
    assert RefCounter.objects.get(prefix=community.code, year=year).last == 2


def test_create_is_audited_without_the_summary(case: Case) -> None:
    entry = AuditEntry.objects.filter(object_type="desk.case", object_id=str(case.pk)).get()
    assert entry.action == "create"
    assert entry.changes["summary"] == "(changed)"  # the request's text stays out of the log


def test_caller_phone_encrypted_and_masked(make_case: Any) -> None:
    case = make_case(caller_name="李女士", caller_phone="13912345678")
    raw = Case.objects.filter(pk=case.pk).values_list("caller_phone_enc", flat=True).get()
    assert "13912345678" not in raw
    assert case.caller_phone_mask.endswith("5678") and "1234" not in case.caller_phone_mask


# --- repeated requests ---------------------------------------------------------------

@override_settings(DESK_REPEAT_OPEN=3, DESK_REPEAT_DAYS=30)
def test_repeat_flags(make_case: Any, household: Any, green_item: Any, onsite_item: Any) -> None:
    head = household.head
    first = make_case(person=head)
    assert not first.is_repeat and repeat_flags(household) == []
    again = make_case(person=head)  # same service within 30 days
    assert again.is_repeat
    assert any("30" in str(f) for f in repeat_flags(household))
    make_case(person=head, item=green_item)
    assert any("3" in str(f) for f in repeat_flags(household))


def test_repeat_window_excludes_older_requests(make_case: Any, household: Any) -> None:
    old = make_case(person=household.head, opened_at=timezone.now() - timedelta(days=45))
    new = make_case(person=household.head)
    assert not old.is_repeat and not new.is_repeat


# --- documents ---------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_document_upload_accepted(case: Case, personas: dict, tmp_path: Any,
                                  settings: Any) -> None:
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    doc = services.add_document(actor=personas["caseworker"], case=case,
                                upload=SimpleUploadedFile("户口簿.pdf", PDF, "application/pdf"))
    assert doc.content_type == "application/pdf" and doc.size == len(PDF)
    assert (tmp_path / doc.file.name).read_bytes() == PDF
    assert case.events.filter(kind=EventKind.DOCUMENT, document=doc).exists()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("big.pdf", b"%PDF-" + b"x" * 2048, "limit"),
    ("script.exe", b"MZ\x90\x00", "not accepted"),
    ("fake.pdf", b"<html><script>alert(1)</script>", "contents are not"),
    ("empty.png", b"", "empty"),
])
def test_bad_uploads_refused(case: Case, personas: dict, tmp_path: Any, settings: Any,
                             name: str, content: bytes, message: str) -> None:
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.DESK_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match=message):
        services.add_document(actor=personas["caseworker"], case=case,
                              upload=SimpleUploadedFile(name, content))
    assert not CaseDocument.objects.exists()
    assert not CaseEvent.objects.filter(kind=EventKind.DOCUMENT).exists()
    assert list(tmp_path.rglob("*.*")) == []


def test_an_upload_without_a_size_is_refused(case: Case, personas: dict, tmp_path: Any,
                                             settings: Any) -> None:
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("户口簿.pdf", PDF, "application/pdf")
    upload.size = None  # an UploadedFile built without one (a form's field always sets it)
    with pytest.raises(ValidationError, match="without its name or size"):
        services.add_document(actor=personas["caseworker"], case=case, upload=upload)
    assert not CaseDocument.objects.exists()


def test_audit_entries_name_the_case_by_reference_only(case: Case, personas: dict) -> None:
    services.case_update(actor=personas["caseworker"], case=case, version=case.version,
                         summary="身体不好需要低保")
    for entry in AuditEntry.objects.filter(object_type="desk.case"):
        assert entry.object_repr == case.ref
        assert "低保" not in str(entry.changes) and "入学" not in str(entry.changes)


def test_onsite_rule_cannot_be_edited_away(make_case: Any, household: Any, onsite_item: Any,
                                           school_item: Any, personas: dict) -> None:
    case = make_case(person=household.head, item=onsite_item)
    with pytest.raises(ValidationError) as exc:
        services.case_update(actor=personas["caseworker"], case=case, version=case.version,
                             needs_onsite=False)
    assert "needs_onsite" in exc.value.error_dict
    plain = make_case(person=household.head, item=school_item)
    with pytest.raises(ValidationError):
        services.case_update(actor=personas["caseworker"], case=plain, version=plain.version,
                             item=onsite_item)
    plain.refresh_from_db()
    assert plain.item == school_item


def test_cases_follow_their_household_to_another_grid(case: Case, household: Any,
                                                      dwelling_b: Any, personas: dict) -> None:
    from jiayuan.registry import services as registry

    registry.household_move(actor=personas["head"], household=household, dwelling=dwelling_b,
                            on=timezone.localdate())
    case.refresh_from_db()
    assert case.grid_id == dwelling_b.building.grid_id
    from jiayuan.desk.selectors import can_see

    assert can_see(personas["outsider"], case)  # grid B's worker now
    assert not can_see(personas["gridworker"], case)


@override_settings(DESK_FOLLOWUP_ATTEMPTS=2)
def test_failed_calls_before_a_reopen_do_not_count(case: Case, personas: dict) -> None:
    cw = personas["caseworker"]
    case = _resolved(case, cw)
    services.record_follow_up(actor=cw, case=case, reached=False)
    case.refresh_from_db()
    case = services.transition(actor=cw, case=case, action="reopen", version=case.version,
                               note="没解决")
    case = _resolved(case, cw)
    services.record_follow_up(actor=cw, case=case, reached=False)
    case.refresh_from_db()
    assert case.status == Status.RESOLVED  # one failed call since resolving, not two
