"""Timeline lines the system writes are rendered in the reader's language.

They are stored as a code and parameters, whoever wrote them and in whatever
language; what a person typed stays as typed. Existing rows written as
translated text are converted by the migration desk 0005.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import Client
from django.urls import reverse
from django.utils import translation

from jiayuan.desk import services
from jiayuan.desk.choices import EventKind, Status
from jiayuan.desk.models import Case, CaseEvent
from tests.desk.test_portal import form_data, visitor

migration = importlib.import_module(
    "jiayuan.desk.migrations.0005_timeline_lines_as_codes_and_parameters")


def _read(event: CaseEvent, lang: str) -> tuple[str, str]:
    event = CaseEvent.objects.select_related("actor").get(pk=event.pk)
    with translation.override(lang):
        return event.display_text, event.who


def test_a_portal_request_in_traditional_chinese_reads_in_each_language(community,
                                                                       school_item):
    visitor("zh-hant").post(reverse("portal_request"), form_data(school_item))
    event = CaseEvent.objects.get(kind=EventKind.CREATED)
    assert event.code == "received" and event.text == ""
    assert _read(event, "en") == ("Request received: School place for a migrant child",
                                  "Resident portal")
    assert _read(event, "zh-hans") == ("收到诉求：随迁子女入学", "居民服务平台")
    assert _read(event, "zh-hant") == ("收到訴求：隨遷子女入學", "居民服務平台")


def test_lines_written_by_a_chinese_desk_read_in_english(make_case, personas):
    worker = personas["caseworker"]
    with translation.override("zh-hans"):
        case = make_case(actor=worker)
        case = services.case_update(actor=worker, case=case, version=case.version,
                                    owner=worker, summary="换一个说法")
        case = services.transition(actor=worker, case=case, action="acknowledge",
                                   version=case.version)
    owner = case.events.get(kind=EventKind.ASSIGNED)
    assert _read(owner, "en")[0] == f"Owner: {worker.display_name}"
    assert _read(owner, "zh-hant")[0] == f"承辦人：{worker.display_name}"
    edited = case.events.get(kind=EventKind.EDITED)
    with translation.override("en"):
        label = str(Case._meta.get_field("summary").verbose_name)
    assert _read(edited, "en")[0] == label


def test_a_note_stays_as_typed(make_case, personas):
    worker = personas["caseworker"]
    case = make_case(actor=worker)
    note = services.add_note(actor=worker, case=case, kind=EventKind.NOTE, text="打电话给学校")
    assert note.code == "" and _read(note, "en")[0] == "打电话给学校"


def test_the_resident_status_page_renders_in_the_residents_language(
        make_case, personas, education):
    """A line the English desk wrote reads in Traditional Chinese on the portal."""
    case = make_case(actor=personas["caseworker"])
    with translation.override("en"):
        services._event(case, EventKind.REFERRAL, personas["caseworker"], public=True,
                        code="referred", params={"dept": {"zh-hans": "区教育局",
                                                          "zh-hant": "區教育局",
                                                          "en": "District Education Bureau"}})
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hant")
    body = client.get(reverse("portal_status", args=[case.ref, case.public_token])).content
    assert "已轉介至區教育局。" in body.decode()
    assert "Referred to" not in body.decode()


def _legacy(case: Case, kind: str, text: str, **extra: Any) -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=kind, text=text, **extra)


def test_the_migration_converts_known_lines_in_every_language(make_case, personas, education):
    case = make_case()
    CaseEvent.objects.all().delete()
    rows = {
        "received_hant": _legacy(case, EventKind.CREATED, "收到訴求：隨遷子女入學",
                                 actor_name="居民服務平台"),
        "received_en": _legacy(case, EventKind.CREATED,
                               "Request received: School place for a migrant child",
                               actor_name="Resident portal"),
        "owner_nobody": _legacy(case, EventKind.ASSIGNED, "承辦人：（無承辦人）"),
        "owner": _legacy(case, EventKind.ASSIGNED, "承办人：王芳"),
        "resolved": _legacy(case, EventKind.STATUS, "Job found × 2. 在超市",
                            to_status=Status.RESOLVED),
        "follow": _legacy(case, EventKind.FOLLOW_UP,
                          "Reached the resident; satisfaction 5/5. 很满意"),
        "referred": _legacy(case, EventKind.REFERRAL, "已转介至区教育局。"),
        "ack": _legacy(case, EventKind.REPLY, "The department acknowledged the referral.",
                       actor_name="区教育局 · 李老师"),
        "sla": _legacy(case, EventKind.SLA, "First response target missed (due 2026-01-02 "
                       "10:00). Resolution target missed (due 2026-01-20 10:00)."),
        "note": _legacy(case, EventKind.NOTE, "Owner: 写在备注里"),
        "free": _legacy(case, EventKind.STATUS, "居民说下周再来", to_status=Status.WAITING_RESIDENT),
    }
    # The models as the migration saw them (Department was still the desk's).
    historical = MigrationLoader(connection).project_state(
        ("desk", "0005_timeline_lines_as_codes_and_parameters")).apps
    migration.forwards(historical, None)
    got = {k: CaseEvent.objects.get(pk=v.pk) for k, v in rows.items()}
    assert got["received_hant"].code == "received"
    assert got["received_hant"].params["item"]["en"] == "School place for a migrant child"
    assert got["received_hant"].params["by"] == "portal" and got["received_hant"].actor_name == ""
    assert _read(got["received_en"], "zh-hant") == ("收到訴求：隨遷子女入學", "居民服務平台")
    assert got["owner_nobody"].params == {"name": None}
    assert _read(got["owner"], "en")[0] == "Owner: 王芳"
    assert got["resolved"].params == {"outcome": "job", "quantity": 2, "note": "在超市"}
    assert got["follow"].params == {"n": 5, "comment": "很满意"}
    assert _read(got["referred"], "en")[0] == "Referred to District Education Bureau."
    assert got["ack"].code == "dept_acknowledged"
    assert _read(got["ack"], "en")[1] == "District Education Bureau · 李老师"
    assert got["sla"].params == {"response": "2026-01-02 10:00",
                                 "resolution": "2026-01-20 10:00"}
    # A note that looks like a system line, and a reason typed by a person, stay text.
    assert (got["note"].code, got["note"].text) == ("", "Owner: 写在备注里")
    assert (got["free"].code, got["free"].text) == ("", "居民说下周再来")
    for event in got.values():
        if event.code:
            assert event.text == ""


def test_every_message_renders_in_every_language():
    from jiayuan.desk import timeline

    params = {"item": {"zh-hans": "入学"}, "name": "王芳", "ref": "X-1", "n": 2, "max": 3,
              "dept": {"en": "Bureau"}, "reason": "r", "due": "2026-01-01 10:00",
              "fields": ["summary"], "outcome": "job", "quantity": 2, "note": "n",
              "response": "2026-01-01 10:00", "resolution": "2026-01-02 10:00", "answer": "a"}
    for lang in ("zh-hans", "zh-hant", "en"):
        with translation.override(lang):
            for code in [*timeline.MESSAGES, *timeline.COMPOSED]:
                assert timeline.message(code, params), (lang, code)


def test_demo_timelines_keep_codes_and_read_in_english(db):
    """The demo writes its timelines as the services do: an English reader sees
    no Chinese system line (names and typed notes excepted)."""
    from io import StringIO

    from django.core.management import call_command

    call_command("demo", scale="tiny", stdout=StringIO())
    coded = CaseEvent.objects.exclude(code="")
    assert coded.filter(code="received").exists() and coded.filter(code="resolved").exists()
    with translation.override("en"):
        for event in coded.filter(code__in=["received", "resolved", "referred",
                                            "followup_reached"])[:200]:
            line = event.display_text
            assert line and line[0].isascii(), (event.code, line)
