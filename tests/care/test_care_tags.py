"""`{% duty_reason duty user %}`: the reason of a must-visit duty in words the
user may read, and `days_late`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.utils import timezone, translation

from jiayuan.care.choices import SENSITIVE_RULES, DutyRule, DutyStatus
from jiayuan.care.models import Duty
from jiayuan.care.templatetags.care_tags import days_late, duty_reason

NO_SENSITIVE = ("mediator", "coordinator", "auditor")
WITH_SENSITIVE = ("head", "caseworker", "gridworker")


def duty(rule: str, **detail: Any) -> Duty:
    return Duty(rule=rule, detail=detail, due=date(2026, 9, 25), raised_on=date(2026, 9, 11))


def reason(d: Duty, user: Any) -> str:
    with translation.override("en"):
        return duty_reason(d, user)


EXPECTED = [
    (duty(DutyRule.DISPUTE, refs=["TST-D-2026-0001", "TST-D-2026-0004"]),
     "Open dispute TST-D-2026-0001, TST-D-2026-0004"),
    (duty(DutyRule.DISPUTE), "Open dispute"),
    (duty(DutyRule.REPEAT, open=3, repeats=0), "3 unresolved requests"),
    (duty(DutyRule.REPEAT, open=1, repeats=1), "1 unresolved request, the same request again"),
    (duty(DutyRule.REPEAT, open=2, repeats=1),
     "2 unresolved requests, including the same request again"),
    (duty(DutyRule.REPEAT), "Repeated unresolved requests"),
    (duty(DutyRule.ILLNESS), "Serious illness"),
    (duty(DutyRule.HARDSHIP), "Hardship"),
    (duty(DutyRule.DISABILITY), "Disability"),
    (duty(DutyRule.FESTIVAL, festival="chuseok", date="2026-09-25"), "Chuseok on 2026-09-25"),
    (duty(DutyRule.FESTIVAL, festival="eid_al_adha"), "Eid al-Adha / Corban"),
    (duty(DutyRule.FESTIVAL, festival="gone_festival", date="2026-09-25"),
     "gone_festival on 2026-09-25"),
    (duty(DutyRule.FESTIVAL), "Festival"),
]


@pytest.mark.parametrize("who", WITH_SENSITIVE)
@pytest.mark.parametrize(("d", "text"), EXPECTED)
def test_it_gives_the_whole_reason_to_roles_with_sensitive_access(
        personas: dict, who: str, d: Duty, text: str) -> None:
    assert reason(d, personas[who]) == text


@pytest.mark.parametrize("who", NO_SENSITIVE)
@pytest.mark.parametrize(("d", "text"), EXPECTED)
def test_it_withholds_sensitive_reasons(personas: dict, who: str, d: Duty, text: str) -> None:
    expected = "Must-visit duty" if d.rule in SENSITIVE_RULES else text
    if d.rule == DutyRule.DISPUTE and who == "coordinator":
        expected = "Open dispute"  # the references are for those who may read disputes
    assert reason(d, personas[who]) == expected


@pytest.mark.parametrize("user", [None, AnonymousUser()])
def test_nobody_logged_in_reads_no_sensitive_reason(user: Any) -> None:
    assert reason(duty(DutyRule.ILLNESS), user) == "Must-visit duty"


def test_an_inactive_account_reads_no_sensitive_reason(personas: dict) -> None:
    head = personas["head"]
    head.is_active = False
    assert reason(duty(DutyRule.ILLNESS), head) == "Must-visit duty"


def test_a_garbled_detail_falls_back_to_the_rule(personas: dict) -> None:
    d = duty(DutyRule.REPEAT)
    d.detail = ["not", "a", "dict"]
    assert reason(d, personas["head"]) == "Repeated unresolved requests"
    d = duty(DutyRule.REPEAT, open="many")
    assert reason(d, personas["head"]) == "Repeated unresolved requests"


def test_the_tag_renders_escaped_in_a_template(personas: dict) -> None:
    template = Template("{% load care_tags %}<p>{% duty_reason duty user %}</p>")
    d = duty(DutyRule.DISPUTE, refs=["<b>X</b>"])
    with translation.override("en"):
        html = template.render(Context({"duty": d, "user": personas["mediator"]}))
    assert html == "<p>Open dispute &lt;b&gt;X&lt;/b&gt;</p>"


def test_it_speaks_the_users_language(personas: dict) -> None:
    with translation.override("zh-hans"):
        text = duty_reason(duty(DutyRule.ILLNESS), personas["mediator"])
    with translation.override("en"):
        english = duty_reason(duty(DutyRule.ILLNESS), personas["mediator"])
    assert english == "Must-visit duty"
    assert isinstance(text, str) and text


def test_the_visit_pages_use_the_same_words(personas: dict) -> None:
    # The visit pages read reasons through the duties' selector, as the tag does.
    from jiayuan.care.duties.selectors import with_reasons

    d = duty(DutyRule.FESTIVAL, festival="chuseok", date="2026-09-25")
    with translation.override("en"):
        assert with_reasons(personas["head"], [d])[0].reason == "Chuseok on 2026-09-25"
        assert with_reasons(personas["auditor"], [d])[0].reason == "Must-visit duty"


def test_days_late_counts_only_open_duties_past_due() -> None:
    today = timezone.localdate()
    late = duty(DutyRule.ILLNESS)
    late.due, late.status = today - timedelta(days=4), DutyStatus.OPEN
    assert days_late(late) == 4
    assert days_late(late, today + timedelta(days=1)) == 5
    late.status = DutyStatus.DONE
    assert days_late(late) == 0
    coming = duty(DutyRule.ILLNESS)
    coming.due, coming.status = today + timedelta(days=2), DutyStatus.OPEN
    assert days_late(coming) == 0
    template = Template("{% load care_tags %}{{ d|days_late }}")
    late.status = DutyStatus.OPEN
    assert template.render(Context({"d": late})) == "4"
