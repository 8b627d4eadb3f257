"""The disclosures section of a record (jiayuan.rights.record_disclosures): the
audit entries in words, in the reader's language, with their codes beside."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from jiayuan.desk import selectors as desk_selectors
from jiayuan.registry import services as registry
from jiayuan.rights.record import open_record, person_record
from jiayuan.rights.record_pdf import record_pdf
from tests.rights.test_record_shared import pdf_text

RAW = ("reveal_id", "id_number", "registry.person", "desk.case", "person_record",
       "caller_phone", "field:", "format:")


@pytest.fixture
def disclosed(personas: dict[str, Any], household: Any, make_case: Any) -> Any:
    person = household.head
    registry.person_reveal(actor=personas["caseworker"], person=person, field="id_number", confirmed=True)
    registry.person_reveal(actor=personas["caseworker"], person=person, field="phone", confirmed=True)
    case = make_case(person=None)
    case.person, case.household = None, household
    case.save(update_fields=["person", "household"])
    desk_selectors.caller_phone_of(personas["caseworker"], case)
    open_record(personas["head"], person.pk, fmt="pdf")
    return person


@pytest.mark.parametrize(("lang", "words"), [
    ("zh-hans", ("显示了身份证号码", "显示了电话号码", "显示了来电人电话号码",
                 "以 PDF 格式下载了个人信息档案", "查看了隐藏信息的完整内容", "社工", "站长")),
    ("en", ("ID-card number shown", "phone number shown", "caller's phone number shown",
            "personal record downloaded as PDF", "Revealed a masked field", "Caseworker",
            "Station head")),
])
def test_it_says_what_was_disclosed_in_words(disclosed: Any, personas: dict, lang: str,
                                             words: tuple[str, ...]) -> None:
    with translation.override(lang):
        record = person_record(personas["head"], disclosed)
        text = record_pdf(record)
    rows = record["sections"]["disclosures"]["rows"]
    shown = " ".join(f'{r["actor"]} {r["role"]["text"]} {r["action"]["text"]} '
                     f'{r["about"]["text"]} {r["what"]["text"]}' for r in rows)
    for word in words:
        assert word in shown, word
    for raw in RAW:
        assert raw not in shown, raw
    assert {r["actor"] for r in rows} == {"caseworker", "head"}
    # The codes stay beside the words, for programs.
    assert {r["action"]["code"] for r in rows} == {"reveal", "print"}
    assert "field=id_number" in {r["what"]["code"] for r in rows}
    words_in_pdf = pdf_text(text)
    for word in words:
        assert word in words_in_pdf, word
    for raw in RAW:
        assert raw not in words_in_pdf, raw
