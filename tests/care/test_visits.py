"""The visit diary pages: the list, logging a visit (idempotent, in scope, with
duties closed), the visit page (sensitive note only for roles that may read
it), and a desk request opened from a visit. Access for every persona."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from jiayuan.care import services as care
from jiayuan.care.choices import DutyStatus
from jiayuan.care.duties import engine as duties
from jiayuan.care.models import Duty, Visit
from jiayuan.core.models import AuditEntry
from jiayuan.desk.models import Case
from jiayuan.registry.models import Business, Circumstance

VIEWERS = ("head", "caseworker", "gridworker", "mediator", "coordinator", "auditor")
LOGGERS = ("head", "caseworker", "gridworker", "mediator", "coordinator")
NO_SENSITIVE = ("mediator", "coordinator", "auditor")
NOTE = "家中老人确诊阿尔茨海默"


def log(actor: Any, household: Any = None, **fields: Any) -> Visit:
    fields.setdefault("mode", "home")
    fields.setdefault("purpose", "routine")
    if household is not None:
        fields.setdefault("households", [household])
    visit, _created = care.visit_log(actor=actor, **fields)
    return visit


def form_data(household: Any = None, **extra: Any) -> dict[str, Any]:
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "mode": "home", "purpose": "routine", "found": "老人腿脚不便\n家里很整洁",
        "needs": "想申请居家养老服务\n需要有人帮忙买菜", "volunteers": "李红",
    }
    if household is not None:
        data["households"] = [str(household.pk)]
    data.update(extra)
    return data


@pytest.fixture
def visit(personas: dict, household: Any) -> Visit:
    """The grid-A worker's home visit to 郑容哲, with a sensitive note."""
    return log(personas["gridworker"], household, found="身体还好", needs="孙子要上小学",
               sensitive_note=NOTE)


@pytest.fixture
def visit_b(personas: dict, household_b: Any) -> Visit:
    return log(personas["outsider"], household_b, found="B网格的走访")


@pytest.fixture
def shop(grid_a: Any) -> Business:
    return Business.objects.create(grid=grid_a, name="兰州拉面馆", kind="restaurant")


def client_for(client: Any, user: Any) -> Any:
    """Logged in, pages in English (the assertions read the English msgids)."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def rule_label(duty: Duty) -> str:
    with translation.override("en"):
        return str(duty.get_rule_display())


# --- access -------------------------------------------------------------------

@pytest.mark.parametrize("role", [*VIEWERS, "admin", "outsider"])
def test_it_shows_the_diary_to_roles_that_may_read_visits(client: Any, personas: dict,
                                                          visit: Visit, visit_b: Visit,
                                                          role: str) -> None:
    c = client_for(client, personas[role])
    responses = [c.get(reverse("visit_list"), {"view": v}) for v in ("mine", "week", "grid")]
    if role == "admin":
        assert {r.status_code for r in responses} == {403}
        return
    assert {r.status_code for r in responses} == {200}
    week = responses[1].content.decode()
    assert ("身体还好" in week) is (role != "outsider")
    assert ("B网格的走访" in week) is (role not in ("gridworker",))


@pytest.mark.parametrize("role", [*VIEWERS, "admin", "outsider"])
def test_it_shows_the_visit_page_in_scope_only(client: Any, personas: dict, visit: Visit,
                                               role: str) -> None:
    response = client_for(client, personas[role]).get(reverse("visit_detail",
                                                              args=[visit.pk]))
    expected = {"admin": 403, "outsider": 404}.get(role, 200)
    assert response.status_code == expected
    if expected == 200:
        assert "身体还好" in response.content.decode()


@pytest.mark.parametrize("role", [*VIEWERS, "admin", "outsider"])
def test_it_offers_the_visit_form_to_roles_that_log_visits(client: Any, personas: dict,
                                                           household: Any, role: str) -> None:
    c = client_for(client, personas[role])
    response = c.get(reverse("visit_new"), {"household": household.pk})
    expected = 200 if role in LOGGERS else {"outsider": 404}.get(role, 403)
    assert response.status_code == expected
    if expected == 200:
        html = response.content.decode()
        assert f'name="households" value="{household.pk}" checked' in html
        assert 'name="idempotency_key"' in html
        assert "js/visit-draft.js" in html


@pytest.mark.parametrize("role", [*VIEWERS, "admin", "outsider"])
def test_it_opens_a_request_from_a_visit_only_for_case_workers(client: Any, personas: dict,
                                                               visit: Visit, household: Any,
                                                               school_item: Any,
                                                               role: str) -> None:
    url = reverse("visit_case_new", args=[visit.pk]) + f"?household={household.pk}"
    response = client_for(client, personas[role]).get(url)
    expected = {"coordinator": 403, "auditor": 403, "admin": 403,
                "outsider": 404}.get(role, 200)
    assert response.status_code == expected


def test_it_keeps_the_grid_tab_to_my_grids(client: Any, personas: dict, grid_b: Any,
                                           visit: Visit) -> None:
    c = client_for(client, personas["gridworker"])
    assert c.get(reverse("visit_list"), {"view": "grid", "grid": grid_b.pk}).status_code == 404
    response = c.get(reverse("visit_list"), {"view": "grid"})
    assert "身体还好" in response.content.decode()


# --- the diary ----------------------------------------------------------------

def test_it_lists_my_visits_with_household_visitors_and_next_visit(
        client: Any, personas: dict, household: Any) -> None:
    worker, head = personas["gridworker"], personas["head"]
    next_day = timezone.localdate() + timedelta(days=30)
    log(worker, household, found="第一行\n第二行不显示", next_visit=next_day)
    log(head, household, found="站长自己去的")
    log(head, household, found="站长带网格员去的", visitors=[head, worker])
    html = client_for(client, worker).get(reverse("visit_list")).content.decode()
    assert "第一行" in html and "第二行不显示" not in html
    assert "站长带网格员去的" in html  # I was a visitor
    assert "站长自己去的" not in html  # neither author nor visitor
    assert "3-2-302" in html and "鄭容哲" in html
    assert reverse("household_detail", args=[household.pk]) in html
    assert next_day.strftime("%Y-%m-%d") in html


def test_it_leaves_visits_of_an_earlier_week_out_of_this_week(client: Any, personas: dict,
                                                              household: Any) -> None:
    worker = personas["gridworker"]
    log(worker, household, found="上个月的走访",
        visited_at=timezone.now() - timedelta(days=31))
    log(worker, household, found="今天的走访")
    html = client_for(client, worker).get(reverse("visit_list"),
                                          {"view": "week"}).content.decode()
    assert "今天的走访" in html and "上个月的走访" not in html


def test_the_diary_runs_a_bounded_number_of_queries(client: Any, personas: dict,
                                                    household: Any, dwelling_a2: Any,
                                                    shop: Business) -> None:
    from jiayuan.registry import services as registry

    worker = personas["gridworker"]
    other = registry.household_create(
        actor=personas["head"], dwelling=dwelling_a2, residency="resident",
        moved_in=timezone.localdate(), head={"name": "王芳", "sex": "F", "id_number": "",
                                             "phone": ""})
    c = client_for(client, worker)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("visit_list")).status_code == 200
        return len(ctx.captured_queries)

    log(worker, household)
    few = count()
    for _ in range(6):
        log(worker, households=[household, other], visitors=[worker, personas["head"]])
        log(worker, business=shop, mode="shop", purpose="merchant")
    assert count() == few


def test_the_diary_lists_every_visit_to_one_household(client: Any, personas: dict,
                                                      household: Any, dwelling_a2: Any) -> None:
    from jiayuan.registry import services as registry

    worker, head = personas["gridworker"], personas["head"]
    other = registry.household_create(
        actor=head, dwelling=dwelling_a2, residency="resident",
        moved_in=timezone.localdate(), head={"name": "王芳", "sex": "F", "id_number": "",
                                             "phone": ""})
    log(worker, household, found="给郑家的走访")
    log(head, household, found="站长去郑家", visited_at=timezone.now() - timedelta(days=400))
    log(worker, households=[household, other], found="两家一起走访")
    log(worker, other, found="只去王家")
    # The household wins over the tabs: "mine" would leave the head's visit out.
    response = client_for(client, worker).get(reverse("visit_list"),
                                              {"household": household.pk, "view": "mine"})
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("给郑家的走访", "站长去郑家", "两家一起走访"):
        assert text in html, text
    assert "只去王家" not in html
    assert "3 visits" in html
    assert reverse("household_detail", args=[household.pk]) in html


@pytest.mark.parametrize("role", [*VIEWERS, "admin", "outsider"])
def test_a_household_out_of_scope_is_not_found_in_the_diary(client: Any, personas: dict,
                                                             visit: Visit, household: Any,
                                                             role: str) -> None:
    response = client_for(client, personas[role]).get(reverse("visit_list"),
                                                      {"household": household.pk})
    expected = {"admin": 403, "outsider": 404}.get(role, 200)
    assert response.status_code == expected
    if expected == 200:
        assert "身体还好" in response.content.decode()


def test_an_unknown_or_forged_household_is_not_found_and_probing_is_audited(
        client: Any, personas: dict, household_b: Any, visit_b: Visit) -> None:
    c = client_for(client, personas["gridworker"])
    for wanted in (household_b.pk, 999999, "abc", "²"):
        response = c.get(reverse("visit_list"), {"household": wanted})
        assert response.status_code == 404, wanted
        assert "B网格的走访" not in response.content.decode()
    assert AuditEntry.objects.filter(action="denied", object_type="registry.household",
                                     object_id=str(household_b.pk)).count() == 1


def test_one_households_diary_takes_the_same_queries_however_many_visits(
        client: Any, personas: dict, household: Any, dwelling_a2: Any) -> None:
    from jiayuan.registry import services as registry

    worker, head = personas["gridworker"], personas["head"]
    other = registry.household_create(
        actor=head, dwelling=dwelling_a2, residency="resident",
        moved_in=timezone.localdate(), head={"name": "王芳", "sex": "F", "id_number": "",
                                             "phone": ""})
    c = client_for(client, worker)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = c.get(reverse("visit_list"), {"household": household.pk})
            assert response.status_code == 200
        return len(ctx.captured_queries)

    log(worker, household)
    few = count()
    for _ in range(8):
        log(worker, households=[household, other], visitors=[worker, head])
        log(head, household, found="站长去郑家")
    assert count() == few


# --- logging a visit ----------------------------------------------------------

def test_it_logs_a_visit_and_shows_it(client: Any, personas: dict, household: Any) -> None:
    worker = personas["gridworker"]
    c = client_for(client, worker)
    data = form_data(household, visitors=[str(worker.pk), str(personas["head"].pk)])
    response = c.post(reverse("visit_new"), data)
    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("visit_detail", args=[visit.pk])
    assert list(visit.households.all()) == [household]
    assert set(visit.visitors.all()) == {worker, personas["head"]}
    assert (visit.found, visit.volunteers, visit.created_by) == (
        "老人腿脚不便\n家里很整洁", "李红", worker)
    assert str(visit.idempotency_key) == data["idempotency_key"]
    page = c.get(response["Location"]).content.decode()
    assert "老人腿脚不便" in page and "李红" in page


def test_it_closes_the_households_open_duties(client: Any, personas: dict,
                                              household: Any) -> None:
    worker = personas["gridworker"]
    Circumstance.objects.create(household=household, person=household.head,
                                kind="serious_illness",
                                started=timezone.localdate() - timedelta(days=2))
    duties.run(timezone.now())
    duty = Duty.objects.get(household=household)
    c = client_for(client, worker)

    form = c.get(reverse("visit_new"), {"duty": duty.pk}).content.decode()
    assert 'value="duty" selected' in form
    assert f'name="households" value="{household.pk}" checked' in form
    assert rule_label(duty) in form  # the worker sees what the visit fulfils

    response = c.post(reverse("visit_new"), form_data(household, purpose="duty"), follow=True)
    duty.refresh_from_db()
    assert duty.status == DutyStatus.DONE and duty.visit == Visit.objects.get()
    assert "fulfilled 1 must-visit duty" in response.content.decode()
    assert rule_label(duty) in response.content.decode()  # listed on the visit page


def test_a_phone_call_closes_no_duty(client: Any, personas: dict, household: Any) -> None:
    Circumstance.objects.create(household=household, person=household.head, kind="disability",
                                started=timezone.localdate() - timedelta(days=400))
    duties.run(timezone.now())
    c = client_for(client, personas["gridworker"])
    c.post(reverse("visit_new"), form_data(household, mode="phone"))
    assert Duty.objects.get().status == DutyStatus.OPEN


def test_the_same_submission_twice_records_one_visit(client: Any, personas: dict,
                                                     household: Any) -> None:
    """A retry after the response was lost (the phone resends the draft with its key)."""
    c = client_for(client, personas["gridworker"])
    data = form_data(household)
    first = c.post(reverse("visit_new"), data)
    second = c.post(reverse("visit_new"), data, follow=True)
    visit = Visit.objects.get()
    assert first["Location"] == reverse("visit_detail", args=[visit.pk])
    assert second.redirect_chain[-1][0] == reverse("visit_detail", args=[visit.pk])
    assert "already saved" in second.content.decode()
    assert AuditEntry.objects.filter(action="create", object_type="care.visit").count() == 1


def test_a_fetch_post_is_answered_like_a_form_post(client: Any, personas: dict,
                                                   household: Any) -> None:
    """visit-draft.js posts with fetch(): the same redirect; the visit page then
    answers fetch's follow-up with an empty 204 so the message waits for the
    page the script opens."""
    c = client_for(client, personas["gridworker"])
    response = c.post(reverse("visit_new"), form_data(household),
                      headers={"X-Visit-Draft": "1"})
    assert response.status_code == 302
    follow_up = c.get(response["Location"], headers={"X-Visit-Draft": "1"})
    assert follow_up.status_code == 204
    assert "Visit saved" in c.get(response["Location"]).content.decode()


def test_a_forged_household_outside_my_grids_writes_nothing(client: Any, personas: dict,
                                                            household: Any,
                                                            household_b: Any) -> None:
    c = client_for(client, personas["gridworker"])
    data = form_data(household)
    data["households"] = [str(household.pk), str(household_b.pk)]
    response = c.post(reverse("visit_new"), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "not in your grids" in html
    assert household_b.dwelling.code not in html  # never echoed
    assert f'value="{household.pk}" checked' in html  # the real choice is kept
    assert "老人腿脚不便" in html  # and what was typed
    assert Visit.objects.count() == 0
    assert not AuditEntry.objects.filter(object_type="care.visit").exists()


def test_an_unknown_household_id_writes_nothing(client: Any, personas: dict) -> None:
    c = client_for(client, personas["gridworker"])
    for forged in ("999999", "abc"):
        response = c.post(reverse("visit_new"), form_data(households=[forged]))
        assert response.status_code == 400
    assert Visit.objects.count() == 0


def test_it_asks_for_a_household_or_business(client: Any, personas: dict) -> None:
    response = client_for(client, personas["gridworker"]).post(reverse("visit_new"),
                                                               form_data())
    assert response.status_code == 400
    assert "Choose the household or the business" in response.content.decode()
    assert Visit.objects.count() == 0


def test_service_errors_land_on_their_fields(client: Any, personas: dict,
                                             household: Any) -> None:
    c = client_for(client, personas["gridworker"])
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = c.post(reverse("visit_new"), form_data(household, visited_at=future))
    assert response.status_code == 400
    assert 'id="id_visited_at_error"' in response.content.decode()
    yesterday = timezone.localdate() - timedelta(days=1)
    response = c.post(reverse("visit_new"), form_data(household, next_visit=yesterday))
    assert 'id="id_next_visit_error"' in response.content.decode()
    assert Visit.objects.count() == 0


def test_it_logs_a_merchant_visit(client: Any, personas: dict, shop: Business) -> None:
    c = client_for(client, personas["gridworker"])
    form = c.get(reverse("visit_new"), {"business": shop.pk}).content.decode()
    assert "兰州拉面馆" in form and 'value="merchant" selected' in form
    response = c.post(reverse("visit_new"), form_data(business=str(shop.pk), mode="shop",
                                                      purpose="merchant"))
    visit = Visit.objects.get()
    assert response.status_code == 302 and visit.business == shop
    listing = c.get(reverse("visit_list")).content.decode()
    assert reverse("business_detail", args=[shop.pk]) in listing


def test_the_outsider_cannot_use_grid_a_anywhere(client: Any, personas: dict, household: Any,
                                                 visit: Visit, shop: Business) -> None:
    Circumstance.objects.create(household=household, person=household.head, kind="hardship",
                                started=timezone.localdate() - timedelta(days=5))
    duties.run(timezone.now())
    c = client_for(client, personas["outsider"])
    assert c.get(reverse("visit_new"), {"duty": Duty.objects.get().pk}).status_code == 404
    assert c.get(reverse("visit_new"), {"household": household.pk}).status_code == 404
    assert c.get(reverse("visit_new"), {"business": shop.pk}).status_code == 404
    assert c.get(reverse("visit_household_search"), {"pick": household.pk}).status_code == 404
    search = c.post(reverse("visit_household_search"), {"q": "zrz"}).content.decode()
    assert "鄭容哲" not in search
    response = c.post(reverse("visit_new"), form_data(business=str(shop.pk)))
    assert response.status_code == 400 and "not in your grids" in response.content.decode()
    assert Visit.objects.count() == 1  # only the fixture's


# --- the household picker -----------------------------------------------------

@pytest.mark.parametrize("role", [*VIEWERS, "admin"])
def test_the_picker_is_for_roles_that_log_visits(client: Any, personas: dict, household: Any,
                                                 role: str) -> None:
    response = client_for(client, personas[role]).post(reverse("visit_household_search"),
                                                      {"q": "zrz"})
    assert response.status_code == (200 if role in LOGGERS else 403)
    if role in LOGGERS:
        assert "鄭容哲" in response.content.decode()


def test_the_picker_finds_households_as_you_type(client: Any, personas: dict, household: Any,
                                                 household_b: Any) -> None:
    c = client_for(client, personas["gridworker"])
    html = c.post(reverse("visit_household_search"), {"q": "zrz"}).content.decode()
    assert "鄭容哲" in html and f"pick={household.pk}" in html
    by_member = c.post(reverse("visit_household_search"), {"q": "金英姬"}).content.decode()
    assert f"pick={household.pk}" in by_member and "金英姬" in by_member
    assert "马忠华" not in c.post(reverse("visit_household_search"),
                                 {"q": "mzh"}).content.decode()


def test_picking_a_household_adds_it_with_its_open_duties(client: Any, personas: dict,
                                                          household: Any) -> None:
    Circumstance.objects.create(household=household, person=household.head, kind="hardship",
                                started=timezone.localdate() - timedelta(days=5))
    duties.run(timezone.now())
    c = client_for(client, personas["gridworker"])
    html = c.get(reverse("visit_household_search"), {"pick": household.pk}).content.decode()
    assert f'name="households" value="{household.pk}" checked' in html
    assert rule_label(Duty.objects.get()) in html
    assert 'hx-swap-oob="true"' in html


def test_a_moved_out_household_cannot_be_picked(client: Any, personas: dict,
                                                household: Any) -> None:
    household.moved_out = timezone.localdate()
    household.save(update_fields=["moved_out"])
    c = client_for(client, personas["gridworker"])
    assert c.get(reverse("visit_household_search"), {"pick": household.pk}).status_code == 404
    assert "鄭容哲" not in c.post(reverse("visit_household_search"),
                                {"q": "zrz"}).content.decode()
    response = c.post(reverse("visit_new"), form_data(household))
    assert response.status_code == 400 and "moved out" in response.content.decode()


def test_sensitive_duty_reasons_are_hidden_from_the_mediator(client: Any, personas: dict,
                                                             household: Any) -> None:
    Circumstance.objects.create(household=household, person=household.head,
                                kind="serious_illness",
                                started=timezone.localdate() - timedelta(days=5))
    duties.run(timezone.now())
    label = rule_label(Duty.objects.get())
    c = client_for(client, personas["mediator"])
    html = c.get(reverse("visit_new"), {"household": household.pk}).content.decode()
    assert label not in html
    assert "Must-visit duty" in html


# --- the sensitive note -------------------------------------------------------

@pytest.mark.parametrize("role", NO_SENSITIVE)
def test_the_sensitive_note_is_not_in_the_html_for_roles_without_the_right(
        client: Any, personas: dict, visit: Visit, role: str) -> None:
    c = client_for(client, personas[role])
    for url in (reverse("visit_detail", args=[visit.pk]), reverse("visit_list") + "?view=week"):
        html = c.get(url).content.decode()
        assert "身体还好" in html  # they do see the visit
        assert NOTE not in html
        assert "Sensitive note" not in html and "sensitive_note" not in html
    if role != "auditor":
        form = c.get(reverse("visit_new")).content.decode()
        assert "sensitive_note" not in form and "Sensitive note" not in form
    assert not AuditEntry.objects.filter(action="view_sensitive",
                                         object_type="care.visit").exists()


def test_the_sensitive_note_is_shown_to_the_grid_worker_and_audited(
        client: Any, personas: dict, visit: Visit) -> None:
    c = client_for(client, personas["gridworker"])
    assert 'name="sensitive_note"' in c.get(reverse("visit_new")).content.decode()
    html = c.get(reverse("visit_detail", args=[visit.pk])).content.decode()
    assert NOTE in html
    entry = AuditEntry.objects.get(action="view_sensitive", object_type="care.visit")
    assert entry.actor_id == personas["gridworker"].pk and NOTE not in str(entry.changes)


def test_a_role_without_the_right_cannot_smuggle_a_sensitive_note(client: Any, personas: dict,
                                                                  household: Any) -> None:
    c = client_for(client, personas["mediator"])
    response = c.post(reverse("visit_new"), form_data(household, sensitive_note=NOTE))
    assert response.status_code == 302
    assert Visit.objects.get().sensitive_note == ""


# --- a desk request from a visit ----------------------------------------------

def test_a_request_opened_from_a_visit_is_linked_to_it(client: Any, personas: dict,
                                                       household: Any,
                                                       school_item: Any) -> None:
    worker = personas["gridworker"]
    visit = log(worker, household, needs="孙子明年要上小学，需要办入学\n家里缺少居住证材料")
    c = client_for(client, worker)
    url = reverse("visit_case_new", args=[visit.pk]) + f"?household={household.pk}"
    form = c.get(url).content.decode()
    assert 'value="孙子明年要上小学，需要办入学"' in form  # summary: the first line
    assert "家里缺少居住证材料</textarea>" in form  # details: the rest
    assert f'<option value="{household.head_id}" selected>' in form  # the head by default

    spouse = household.members.get(name="金英姬")
    response = c.post(url, {"person": spouse.pk, "item": school_item.pk,
                            "summary": "孙子明年要上小学", "details": "缺居住证",
                            "priority": "normal", "owner": worker.pk})
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    assert (case.channel, case.person, case.household) == ("home_visit", spouse, household)
    assert list(visit.cases.all()) == [case]
    page = c.get(reverse("visit_detail", args=[visit.pk])).content.decode()
    assert case.ref in page and reverse("case_detail", args=[case.pk]) in page
    assert case.ref in c.get(response["Location"]).content.decode()  # the message names it


def test_a_request_for_a_household_not_on_the_visit_is_refused(client: Any, personas: dict,
                                                               household: Any,
                                                               dwelling_a2: Any) -> None:
    from jiayuan.registry import services as registry

    other = registry.household_create(
        actor=personas["head"], dwelling=dwelling_a2, residency="resident",
        moved_in=timezone.localdate(), head={"name": "王芳", "sex": "F", "id_number": "",
                                             "phone": ""})
    visit = log(personas["gridworker"], household)
    c = client_for(client, personas["gridworker"])
    url = reverse("visit_case_new", args=[visit.pk]) + f"?household={other.pk}"
    assert c.get(url).status_code == 404


def test_a_requester_from_another_household_is_refused(client: Any, personas: dict,
                                                       household: Any, household_b: Any,
                                                       school_item: Any) -> None:
    visit = log(personas["head"], household)
    c = client_for(client, personas["head"])
    url = reverse("visit_case_new", args=[visit.pk]) + f"?household={household.pk}"
    response = c.post(url, {"person": household_b.head_id, "item": school_item.pk,
                            "summary": "x", "priority": "normal"})
    assert response.status_code == 400
    assert Case.objects.count() == 0 and visit.cases.count() == 0
