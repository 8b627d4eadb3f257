"""Erasure by anonymisation (rights.erasure): no trace of the person in any table."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone, translation

from jiayuan.care import services as care
from jiayuan.care.models import Pairing
from jiayuan.civic.suggestions.models import Suggestion
from jiayuan.core import audit
from jiayuan.core.crypto import encrypt
from jiayuan.core.models import AuditEntry
from jiayuan.core.roles import Role
from jiayuan.core.versioning import Conflict
from jiayuan.desk import services as desk
from jiayuan.desk.models import Case, CaseDocument, Referral
from jiayuan.engage.cards.models import CardBatch
from jiayuan.lib.idcard import make_id_number
from jiayuan.lib.phone import mask_phone
from jiayuan.places.models import Community, Grid
from jiayuan.registry import services as registry
from jiayuan.registry.identifiers import id_hash, phone_hash
from jiayuan.registry.models import ERASED_NAME, Consent, Household, Person, SearchKey
from jiayuan.rights.erasure import erase_person
from jiayuan.sheets.models import ImportBatch, ImportChange
from tests.conftest import make_dwelling, make_user
from tests.world import _matrix_set

NAME = "矩阵唯一名字玛依拉"
PHONE = "13812341961"
ID_NUMBER = make_id_number("222401", date(1961, 3, 14), 31)


@pytest.fixture
def world(personas: dict[str, Any], grid_a: Grid, education: Any, school_item: Any) -> dict:
    """玛依拉 (the matrix's "own" set, renamed: a case, referral, document,
    dispute, visit, duty, pairing, business, consent, circumstance, meeting,
    suggestion, volunteer, sign-up...), named in other people's rows too, and a
    bystander who must keep everything."""
    head = personas["head"]
    with audit.batch():
        own = _matrix_set(tag="唯一名字玛依拉", grid=grid_a, owner=personas["gridworker"],
                          head=head, item=school_item, department=education,
                          birth_year=1961)
        other = _matrix_set(tag="旁人", grid=grid_a, owner=personas["caseworker"], head=head,
                            item=school_item, department=education, birth_year=1962)
    person = Person.objects.get(pk=own["person"])
    bystander = Person.objects.get(pk=other["person"])
    case = Case.objects.get(pk=own["case"])
    other_case = Case.objects.get(pk=other["case"])
    today = timezone.localdate()
    # Free text that names them, in their rows and in other people's.
    desk.add_note(actor=head, case=case, kind="note", text=f"{NAME}来电，手机{PHONE}")
    other_note = desk.add_note(actor=head, case=other_case, kind="note",
                               text=f"邻居{NAME}（身份证{ID_NUMBER}）作证")
    desk.case_create(actor=head, item=school_item, channel="hotline", summary="来电咨询",
                     caller_name=NAME, caller_phone=PHONE)
    other_household = Household.objects.get(pk=other["household"])
    other_visit, _ = care.visit_log(actor=personas["gridworker"], households=[other_household],
                                    mode="home", purpose="routine",
                                    found=f"与{NAME}（138 1234 1961）同住一楼")
    dispute = care.dispute_create(actor=head, grid=grid_a, kind="neighbours", source="walk_in",
                                  summary=f"{NAME}与邻居争车位", opened_on=today - timedelta(days=2))
    typed_party = care.party_add(actor=head, dispute=dispute, role="respondent", name=NAME)
    care.pairing_create(actor=head, household=other_household, helper_kind="volunteer",
                        goals=f"由{NAME}每周探望", helper_person=person)
    consent = Consent.objects.get(pk=own["consent"])
    Consent.objects.filter(pk=consent.pk).update(evidence=f"{NAME}签字 2026-041")
    Suggestion.objects.filter(pk=other["suggestion"]).update(
        contact_name=NAME, contact_phone_enc=encrypt(PHONE), contact_phone_mask=mask_phone(PHONE))
    # The roster import that wrote them, with its file and rows.
    batch = ImportBatch.objects.get(pk=own["batch"])
    ImportBatch.objects.filter(pk=batch.pk).update(
        not_imported=[{"sheet": "Sheet1", "row": 3, "name": NAME, "outcome": "duplicate",
                       "reasons": [f"手机 {PHONE}"]}])
    Person.objects.filter(pk=person.pk).update(import_batch_id=batch.pk)
    ImportChange.objects.create(batch=batch, person=person, before={
        "name": NAME, "id_number_hash": id_hash(ID_NUMBER), "phone_hash": phone_hash(PHONE)})
    CaseDocument.objects.create(
        case=case, file=ContentFile(b"%PDF-1.4\n%%EOF\n", name=f"{NAME}身份证.pdf"),
        name=f"{NAME}身份证.pdf", content_type="application/pdf", size=15, sha256="1" * 64,
        uploaded_by=head)
    return {"own": own, "other": other, "person": person, "bystander": bystander,
            "case": case, "batch": batch, "typed_party": typed_party.pk,
            "unlinked_dispute": dispute.pk, "other_visit": other_visit.pk,
            "other_note": other_note.pk}


def needles(person: Person) -> list[str]:
    return [NAME, PHONE, ID_NUMBER, id_hash(ID_NUMBER), phone_hash(PHONE),
            person.id_number_mask, person.phone_mask]


def traces(found: list[str]) -> list[str]:
    """Every text, JSON and file column of every model, read raw: where any of
    `found` still appears."""
    hits = []
    for model in apps.get_models():
        columns = [f.attname for f in model._meta.concrete_fields
                   if isinstance(f, (models.CharField, models.TextField, models.JSONField,
                                     models.FileField))]
        if not columns:
            continue
        for row in model._base_manager.values_list("pk", *columns):
            for column, value in zip(columns, row[1:], strict=True):
                text = value if isinstance(value, str) else json.dumps(value,
                                                                      ensure_ascii=False)
                hits += [f"{model._meta.label}.{column} #{row[0]}: {n}"
                         for n in found if n and n in text]
    return hits


def test_it_leaves_no_trace_of_the_person_in_any_table(world, head,
                                                      django_capture_on_commit_callbacks):
    person = world["person"]
    found = needles(person)
    assert traces(found), "the world names the person before the erasure"
    document = CaseDocument.objects.get(case=world["case"], name__contains=NAME)
    roster = world["batch"].file
    storage, document_name, roster_name = roster.storage, document.file.name, roster.name
    assert storage.exists(document_name) and storage.exists(roster_name)

    with django_capture_on_commit_callbacks(execute=True):
        counts = erase_person(actor=head, person=person, reason="request",
                              version=person.version)

    # Their numbers and keyed hashes: nowhere, the audit log included.
    assert traces([n for n in found if n != NAME]) == []
    # Their name: gone from every row reachable from them; left only in rows
    # linked to nobody or to someone else (a namesake's rows cannot be told
    # from text about them: test_a_namesake_keeps_their_text), and in the
    # audit entries about those rows. (The visit of the household they help,
    # other_visit, is reached: its text loses their name.)
    assert sorted(traces(found)) == sorted([
        f"care.Dispute.summary #{world['unlinked_dispute']}: {NAME}",
        f"care.DisputeParty.name #{world['typed_party']}: {NAME}",
        f"desk.CaseEvent.text #{world['other_note']}: {NAME}",
        f"engage.CardBatch.note #{CardBatch.objects.get(note=NAME).pk}: {NAME}",
        *[f"core.AuditEntry.changes #{e.pk}: {NAME}" for e in AuditEntry.objects.filter(
            Q(object_type="care.dispute", object_id=str(world["unlinked_dispute"]))
            | Q(object_type="engage.cardbatch"))
          if NAME in json.dumps(e.changes, ensure_ascii=False)]])
    assert not storage.exists(document_name) and not storage.exists(roster_name)
    person.refresh_from_db()
    assert person.is_erased and person.name == ERASED_NAME
    with translation.override("en"):
        assert str(person) == f"Erased person #{person.pk}"
    with translation.override("zh-hans"):
        assert str(person) == f"已删除人员 #{person.pk}"
    assert not SearchKey.objects.filter(person=person).exists()
    assert not ImportChange.objects.filter(person=person).exists()
    assert counts["registry.SearchKey"] > 0 and counts["desk.Case"] > 0
    assert counts["core.AuditEntry"] > 0
    redaction = AuditEntry.objects.get(action="redact")
    assert redaction.changes["subject"] == f"registry.person:{person.pk}"
    assert len(redaction.changes["seqs"]) == counts["core.AuditEntry"]
    call_command("verify_audit")


def test_the_tombstone_keeps_the_links_and_the_bystander_keeps_everything(world, head):
    person, bystander = world["person"], world["bystander"]
    before = (bystander.name, bystander.phone_hash, bystander.id_number_hash,
              SearchKey.objects.filter(person=bystander).count())
    erase_person(actor=head, person=person, reason="purpose")
    person.refresh_from_db()
    bystander.refresh_from_db()
    # The tombstone's links hold: cases, the household, the dispute, the sign-up.
    assert Case.objects.filter(person=person).count() == 1
    assert person.household_id == world["own"]["household"]
    assert person.sex == "M" and person.birth_date is None
    assert (person.id_number_hash, person.phone_mask, person.ethnicity) == (None, "", "")
    # Consents stay as purpose and dates, withdrawn, without their evidence.
    consent = Consent.objects.get(pk=world["own"]["consent"])
    assert (consent.status, consent.evidence) == ("withdrawn", "")
    assert consent.recorded_on and consent.withdrawn_on
    # The pairing they helped in has ended: no check-in for a helper who is nobody.
    helped = Pairing.objects.get(helper_person=person)
    assert (helped.status, helped.ended) == ("ended", timezone.localdate())
    assert before == (bystander.name, bystander.phone_hash, bystander.id_number_hash,
                      SearchKey.objects.filter(person=bystander).count())
    # The erasure is one entry, naming no one: the reason's code and the counts.
    entry = AuditEntry.objects.get(object_type="registry.person", object_id=str(person.pk),
                                   action="delete")
    assert entry.changes["erased"] == "purpose" and entry.actor_username == "head"
    assert NAME not in json.dumps(entry.changes, ensure_ascii=False) + entry.object_repr


def test_a_search_for_the_name_finds_nothing(world, head):
    from jiayuan.registry.search import search

    assert search(head, NAME)
    erase_person(actor=head, person=world["person"], reason="request")
    assert not search(head, NAME)
    assert not search(head, PHONE)


def test_only_a_head_may_erase(world, personas):
    person = world["person"]
    for role in ("caseworker", "gridworker", "auditor", "admin"):
        with pytest.raises(PermissionDenied):
            erase_person(actor=personas[role], person=person, reason="request")
    person.refresh_from_db()
    assert person.name == NAME


def test_out_of_scope_is_not_found_and_nothing_is_lost(world):
    far = Community.objects.create(name="别的社区", code="FAR")
    far_head = make_user("far-head", Role.HEAD, far)
    person = world["person"]
    with pytest.raises(Http404):
        erase_person(actor=far_head, person=person, reason="request")
    person.refresh_from_db()
    assert person.name == NAME and SearchKey.objects.filter(person=person).exists()


@pytest.mark.parametrize("reason", ["", "because", "<script>"])
def test_a_reason_is_required(world, head, reason):
    with pytest.raises(ValidationError) as info:
        erase_person(actor=head, person=world["person"], reason=reason)
    assert "reason" in info.value.message_dict
    world["person"].refresh_from_db()
    assert world["person"].name == NAME


def test_a_stale_form_and_a_second_erasure_are_refused(world, head):
    person = world["person"]
    with pytest.raises(Conflict):
        erase_person(actor=head, person=person, reason="request", version=person.version - 1)
    erase_person(actor=head, person=person, reason="request", version=person.version)
    person.refresh_from_db()
    with pytest.raises(ValidationError):
        erase_person(actor=head, person=person, reason="request")


def test_it_withdraws_referrals_sent_under_their_consent(world, head, education, personas):
    person, case = world["person"], world["case"]
    registry.consent_record(actor=head, person=person, purpose="referral",
                            recorded_on=date(2026, 1, 5), department=education)
    Referral.objects.all().delete()
    case.refresh_from_db()
    referral = desk.referral_create(actor=personas["caseworker"], case=case,
                                    department=education, message="请安排",
                                    version=case.version)
    assert referral.consent is not None
    erase_person(actor=head, person=person, reason="consent")
    referral.refresh_from_db()
    assert referral.status == "withdrawn"


def test_a_household_of_one_loses_its_note_and_circumstances(head, grid_a):
    dwelling = make_dwelling(grid_a, "8", "1", "101")
    household = registry.household_create(
        actor=head, dwelling=dwelling, residency="resident", moved_in=date(2010, 1, 1),
        note=f"{NAME}独居，腿脚不便",
        head={"name": NAME, "sex": "F", "birth_date": date(1950, 1, 1), "id_number": "",
              "phone": "", "origin_code": "", "sensitive_consent": True})
    registry.circumstance_add(actor=head, household=household, kind="hardship",
                              started=date(2025, 1, 1), note="低保")
    care.visit_log(actor=head, households=[household], mode="home", purpose="routine",
                   found="独居老人，需要助餐", sensitive_note="抑郁")
    erase_person(actor=head, person=household.head, reason="request")
    household.refresh_from_db()
    assert household.note == "" and not household.circumstances.exists()
    assert household.moved_out == timezone.localdate()
    visit = household.visits.get()
    assert (visit.found, visit.sensitive_note) == ("", "")
    assert Household.objects.filter(pk=household.pk).exists()


def test_the_head_of_a_household_with_others_is_refused(world, head):
    person = world["person"]
    registry.person_create(actor=head, household=person.household, name="阿依古丽", sex="F",
                           birth_date=date(1990, 1, 1), relation="spouse", id_number="",
                           phone="", origin_code="")
    with pytest.raises(ValidationError) as info, translation.override("en"):
        erase_person(actor=head, person=person, reason="request")
    assert "new head first" in str(info.value)
    person.refresh_from_db()
    assert person.name == NAME


def test_the_tombstone_leaves_and_an_emptied_household_moves_out(world, head):
    person = world["person"]
    erase_person(actor=head, person=person, reason="request")
    person.refresh_from_db()
    assert person.left_on == timezone.localdate()
    # They lived alone: the household, with no current member, moves out.
    assert person.household.moved_out == timezone.localdate()


def test_a_namesake_keeps_their_name(world, head, school_item):
    """Another resident with the same name, calling from another phone: their
    request keeps the caller's name; only the erased person's own rows and free
    text lose it."""
    namesake_case = desk.case_create(actor=head, item=school_item, channel="hotline",
                                     summary="来电咨询", caller_name=NAME,
                                     caller_phone="13900001111")
    person = world["person"]
    erase_person(actor=head, person=person, reason="request", version=person.version)
    namesake_case.refresh_from_db()
    assert namesake_case.caller_name == NAME
