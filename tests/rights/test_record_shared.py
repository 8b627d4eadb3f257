"""A person's record holds what is about them (jiayuan.rights.record_fields.SHARED):
in a household of two, a dispute with two parties and a visit to two
households, the other people's names, phones, ID numbers and circumstances
appear nowhere in the first person's JSON or PDF."""

from __future__ import annotations

import json
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone, translation

from jiayuan.care import services as care
from jiayuan.care.models import Duty
from jiayuan.desk.models import Case
from jiayuan.engage.volunteers.models import LiaisonArea, Volunteer
from jiayuan.lib.idcard import make_id_number
from jiayuan.registry import services as registry
from jiayuan.registry.models import Household, Person
from jiayuan.rights.record import person_record
from jiayuan.rights.record_fields import LEFT_OUT
from jiayuan.rights.record_pdf import record_pdf
from tests.conftest import make_dwelling

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "rights"
HAN_ID = make_id_number("222401", date(1970, 4, 2), 42)
BAI_ID = make_id_number("222401", date(1972, 8, 9), 47)
BAI_PHONE = "13966664821"
CHENG_PHONE = "13700009357"
# What must never be in 韩丽华's record: her husband's and her neighbour's name,
# phone (whole or its last digits) and ID number, and the husband's illness.
SECRETS = ("白玉林", BAI_PHONE, "4821", BAI_ID, "程志远", CHENG_PHONE, "9357", "透析",
           "严重疾病", "Serious illness")


@pytest.fixture
def shared(personas: dict[str, Any], grid_a: Any, make_case: Any) -> dict[str, Any]:
    head = personas["head"]
    today = timezone.localdate()
    h = registry.household_create(
        actor=head, dwelling=make_dwelling(grid_a, "8", "1", "201"), residency="resident",
        moved_in=date(2010, 1, 1), note="白玉林常年透析",
        head={"name": "韩丽华", "sex": "F", "birth_date": date(1970, 4, 2), "id_number": HAN_ID,
              "phone": "13811112222", "origin_code": "222400", "sensitive_consent": True})
    han = h.head
    bai = registry.person_create(actor=head, household=h, name="白玉林", sex="M",
                                 birth_date=date(1972, 8, 9), relation="spouse",
                                 id_number=BAI_ID, phone=BAI_PHONE, sensitive_consent=True)
    registry.circumstance_add(actor=head, household=h, kind="serious_illness", started=today,
                              person=bai, sensitive_consent=True)
    registry.circumstance_add(actor=head, household=h, kind="hardship", started=today,
                              note="白玉林透析开销大")
    h2 = registry.household_create(
        actor=head, dwelling=make_dwelling(grid_a, "8", "1", "301"), residency="resident",
        moved_in=date(2012, 1, 1),
        head={"name": "程志远", "sex": "M", "birth_date": date(1965, 1, 1), "id_number": "",
              "phone": CHENG_PHONE, "origin_code": "222400"})
    # A visit to both households, and one to hers alone.
    care.visit_log(actor=personas["gridworker"], households=[h, h2], mode="home",
                   purpose="routine", found="白玉林在透析；程志远不在家", needs="程志远要轮椅",
                   volunteers="程志远", sensitive_note="白玉林情绪低落")
    care.visit_log(actor=personas["gridworker"], households=[h], mode="home",
                   purpose="routine", found="白玉林刚透析回来")
    # A dispute between her and the neighbour.
    dispute = care.dispute_create(actor=head, grid=grid_a, kind="neighbours", source="walk_in",
                                  summary="程志远家漏水", details="白玉林说楼上漏水",
                                  opened_on=today - timedelta(days=3))
    care.party_add(actor=head, dispute=dispute, role="applicant", person=han)
    care.party_add(actor=head, dispute=dispute, role="respondent", person=h2.head)
    care.session_add(actor=head, dispute=dispute, held_at=timezone.now() - timedelta(hours=1),
                     attendees="韩丽华、程志远", notes="程志远答应修水管")
    # A request of the household her husband called in.
    case = make_case(person=None, caller_name="白玉林", caller_phone=BAI_PHONE,
                     summary="白玉林透析补助")
    Case.objects.filter(pk=case.pk).update(household=h, grid=h.grid)
    care.pairing_create(actor=head, household=h, helper_kind="volunteer",
                        goals="陪白玉林去透析", helper_person=h2.head)
    Duty.objects.create(household=h, grid_id=h.grid_id, rule="illness", key="shared-illness",
                        detail={}, raised_on=today, due=today + timedelta(days=7),
                        status="open", assignee=personas["gridworker"])
    registry.person_reveal(actor=personas["caseworker"], person=bai, field="phone", confirmed=True)
    volunteer = Volunteer.objects.create(community=grid_a.community, grid=grid_a,
                                         person=h2.head)
    LiaisonArea.objects.create(volunteer=volunteer, household=h, grid=grid_a)
    return {"han": han, "bai": bai, "household": h, "case": case, "dispute": dispute}


def _texts(actor: Any, person: Person, lang: str) -> tuple[str, str]:
    with translation.override(lang):
        record = person_record(actor, person)
        data = json.dumps(record, ensure_ascii=False)
        pdf = record_pdf(record)
    return data, pdf_text(pdf, f"shared-record-{lang}.pdf")


def pdf_text(pdf: bytes, name: str = "record.pdf") -> str:
    """The PDF's text on one line (a long value wraps in its cell)."""
    path = ARTIFACTS / name  # for people to look at (git-ignored)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.replace("\n", "")


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_it_never_shows_the_other_people(shared: dict, personas: dict, lang: str) -> None:
    data, text = _texts(personas["caseworker"], shared["han"], lang)
    for secret in SECRETS:
        assert secret not in data, secret
        assert secret not in text, secret
    # Her own details and the shared rows themselves are there.
    for mine in ("韩丽华", HAN_ID, shared["dispute"].ref, shared["case"].ref):
        assert mine in data and mine in text


def test_the_shared_rows_keep_their_allowed_columns(shared: dict, personas: dict) -> None:
    with translation.override("en"):
        sections = person_record(personas["caseworker"], shared["han"])["sections"]
        left_out = str(LEFT_OUT)
    household = sections["household"]["rows"][0]
    assert household["head"] == "韩丽华" and household["note"] == left_out
    visits = sections["visits"]["rows"]
    assert {v["found"] for v in visits} == {left_out}
    assert {v["mode"] for v in visits} == {"Home visit"}
    assert {v["created_by"] for v in visits} == {"gridworker"}
    dispute = sections["disputes"]["rows"][0]
    assert dispute["kind"] == "Between neighbours" and dispute["summary"] == left_out
    assert [(p["party"], p["role"]) for p in dispute["parties"]["rows"]] == [
        ("韩丽华", "Applicant"), ("another party", "Respondent")]
    case = next(c for c in sections["cases"]["rows"] if c["ref"] == shared["case"].ref)
    assert case["caller_name"] == "another caller" and case["caller_phone_mask"] is None
    assert case["summary"] == left_out and case["item"]
    pairing = sections["pairings"]["rows"][0]
    assert pairing["helper"] == "a volunteer (a resident)"
    assert pairing["goals"] == left_out
    assert sections["duties"]["rows"][0]["reason"] == left_out
    assert [r["volunteer"] for r in sections["liaisons"]["rows"]] == [
        "a volunteer (a resident)"]
    # Only her own circumstance and the household's are there; the husband's is his.
    assert [c["kind"] for c in sections["circumstances"]["rows"]] == ["Hardship"]
    assert sections["circumstances"]["rows"][0]["note"] == left_out


def test_a_person_alone_sees_their_household_rows_whole(
        personas: dict, grid_a: Any) -> None:
    """The control: nobody else can be in them, so nothing is left out."""
    head = personas["head"]
    h: Household = registry.household_create(
        actor=head, dwelling=make_dwelling(grid_a, "8", "2", "101"), residency="resident",
        moved_in=date(2010, 1, 1), note="独居，耳背",
        head={"name": "孤老人", "sex": "M", "birth_date": date(1940, 1, 1), "id_number": "",
              "phone": "", "origin_code": "222400"})
    care.visit_log(actor=personas["gridworker"], households=[h], mode="home",
                   purpose="routine", found="身体还好")
    sections = person_record(personas["caseworker"], h.head)["sections"]
    assert sections["household"]["rows"][0]["note"] == "独居，耳背"
    assert sections["visits"]["rows"][0]["found"] == "身体还好"
