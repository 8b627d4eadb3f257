"""The catalogue pages (read at the desk, edited by the station head), the
departments list and the desk statistics page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from jiayuan.core.models import AuditEntry, User
from jiayuan.desk import services
from jiayuan.desk.models import Case, Department, ServiceCategory, ServiceItem

ALL = {"head", "caseworker", "gridworker", "mediator", "coordinator", "auditor", "admin",
       "outsider"}
VIEW_CASES = {"head", "caseworker", "gridworker", "mediator", "auditor", "outsider"}
HEAD = {"head"}
STATS = {"head", "auditor"}

# (url name, kwargs builder, roles allowed)
PAGES = [
    ("catalogue", lambda item: {}, VIEW_CASES),
    ("catalogue_item_create", lambda item: {}, HEAD),
    ("catalogue_item_edit", lambda item: {"pk": item.pk}, HEAD),
    ("catalogue_category_create", lambda item: {}, HEAD),
    ("catalogue_category_edit", lambda item: {"pk": item.category_id}, HEAD),
    ("department_list", lambda item: {}, VIEW_CASES),
    ("department_create", lambda item: {}, HEAD),
    ("department_edit", lambda item: {"pk": item.department_id}, HEAD),
    ("desk_stats", lambda item: {}, STATS),
]


def client_for(user: User, lang: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


def item_data(item: Any = None, **overrides: Any) -> dict[str, Any]:
    data = {"code": "job-search", "name_zh_hans": "就业帮扶", "name_zh_hant": "",
            "name_en": "Help finding a job", "category": "", "department": "",
            "response_hours": "24", "resolution_days": "15", "active": "on", "order": "3",
            "description_zh_hans": "", "description_zh_hant": "", "description_en": "",
            "documents_zh_hans": "身份证\n简历", "documents_zh_hant": "", "documents_en": ""}
    if item is not None:
        data.update({
            "code": item.code, "category": item.category_id,
            "department": item.department_id or "",
            "response_hours": item.response_hours, "resolution_days": item.resolution_days,
            "order": item.order, "active": "on" if item.active else "",
            **{f"{f}_{lang}": getattr(item, f"{f}_{lang}") or ""
               for f in ("name", "description", "documents")
               for lang in ("zh_hans", "zh_hant", "en")}})
        if item.green_channel:
            data["green_channel"] = "on"
        if item.onsite_required:
            data["onsite_required"] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- access ------------------------------------------------------------------------

@pytest.mark.parametrize("name,kwargs,allowed", PAGES, ids=[p[0] for p in PAGES])
def test_every_page_gives_each_persona_the_right_answer(personas, school_item, name, kwargs,
                                                        allowed):
    url = reverse(name, kwargs=kwargs(school_item))
    for role, user in personas.items():
        status = client_for(user).get(url).status_code
        expected = 200 if role in allowed else 403
        assert status == expected, f"{role} got {status} on {url}, expected {expected}"


@pytest.mark.parametrize("name,kwargs,allowed", PAGES, ids=[p[0] for p in PAGES])
def test_anonymous_visitors_are_sent_to_login(school_item, name, kwargs, allowed):
    response = Client().get(reverse(name, kwargs=kwargs(school_item)))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant", "en"])
def test_every_page_renders_in_each_language(personas, school_item, lang):
    client = client_for(personas["head"], lang)
    for name, kwargs, _allowed in PAGES:
        response = client.get(reverse(name, kwargs=kwargs(school_item)))
        assert response.status_code == 200, name
        assert f'<html lang="{lang}">' in response.content.decode(), name


def test_a_caseworker_reads_the_catalogue_but_cannot_change_it(personas, school_item):
    client = client_for(personas["caseworker"])
    page = client.get(reverse("catalogue")).content.decode()
    assert "School place for a migrant child" in page and "Residence permit" in page
    assert reverse("catalogue_item_edit", kwargs={"pk": school_item.pk}) not in page
    before = AuditEntry.objects.filter(action="create").count()
    response = client.post(reverse("catalogue_item_edit", kwargs={"pk": school_item.pk}),
                           item_data(school_item, response_hours="1"))
    assert response.status_code == 403
    assert client.post(reverse("catalogue_item_create"),
                       item_data(category=school_item.category_id)).status_code == 403
    school_item.refresh_from_db()
    assert school_item.response_hours == 48
    assert not ServiceItem.objects.filter(code="job-search").exists()
    assert AuditEntry.objects.filter(action="create").count() == before
    assert AuditEntry.objects.filter(action="denied", actor_username="caseworker",
                                     object_id="manage_catalogue").exists()


def test_the_head_sees_edit_buttons(personas, school_item):
    page = client_for(personas["head"]).get(reverse("catalogue")).content.decode()
    assert reverse("catalogue_item_edit", kwargs={"pk": school_item.pk}) in page
    assert reverse("catalogue_item_create") in page


# --- services ------------------------------------------------------------------------

def test_the_head_creates_a_service_and_it_is_audited(personas, category, education):
    client = client_for(personas["head"])
    response = client.post(reverse("catalogue_item_create"),
                           item_data(category=category.pk, department=education.pk,
                                     green_channel="on"))
    assert response.status_code == 302
    item = ServiceItem.objects.get(code="job-search")
    assert response["Location"] == reverse("catalogue") + f"#item-{item.pk}"
    assert (item.name_zh_hans, item.name_en, item.response_hours, item.resolution_days) == (
        "就业帮扶", "Help finding a job", 24, 15)
    assert item.green_channel and item.active and item.department == education
    assert item.document_list == ["身份证", "简历"]
    entry = AuditEntry.objects.get(action="create", object_type="desk.serviceitem",
                                   object_id=str(item.pk))
    assert entry.actor_username == "head"
    assert entry.changes["name_zh_hans"] == "就业帮扶"
    assert entry.changes["response_hours"] == 24
    assert entry.changes["department_id"] == education.pk


def test_the_head_edits_a_service_and_the_audit_entry_holds_the_diff(personas, school_item):
    client = client_for(personas["head"])
    response = client.post(reverse("catalogue_item_edit", kwargs={"pk": school_item.pk}),
                           item_data(school_item, response_hours="72",
                                     name_en="School place for a child", active=""))
    assert response.status_code == 302
    school_item.refresh_from_db()
    assert school_item.response_hours == 72 and not school_item.active
    entry = AuditEntry.objects.filter(action="update", object_type="desk.serviceitem",
                                      object_id=str(school_item.pk)).get()
    assert entry.changes == {
        "response_hours": [48, 72], "active": [True, False],
        "name_en": ["School place for a migrant child", "School place for a child"]}


def test_saving_an_unchanged_service_writes_no_audit_entry(personas, school_item):
    client = client_for(personas["head"])
    response = client.post(reverse("catalogue_item_edit", kwargs={"pk": school_item.pk}),
                           item_data(school_item))
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="update",
                                         object_type="desk.serviceitem").exists()


def test_the_code_cannot_be_changed_on_edit(personas, school_item):
    client_for(personas["head"]).post(
        reverse("catalogue_item_edit", kwargs={"pk": school_item.pk}),
        item_data(school_item, code="renamed"))
    school_item.refresh_from_db()
    assert school_item.code == "school-place"


def test_names_show_in_the_reader_s_language_with_a_fallback(personas, category, school_item):
    ServiceItem.objects.create(category=category, code="no-english", name_zh_hans="只有简体",
                               name_en="")
    cw = personas["caseworker"]
    english = client_for(cw, "en").get(reverse("catalogue")).content.decode()
    assert "School place for a migrant child" in english and "随迁子女入学" not in english
    assert "只有简体" in english  # no English name: Simplified Chinese
    traditional = client_for(cw, "zh-hant").get(reverse("catalogue")).content.decode()
    assert "隨遷子女入學" in traditional and "只有简体" in traditional
    simplified = client_for(cw, "zh-hans").get(reverse("catalogue")).content.decode()
    assert "随迁子女入学" in simplified and "School place" not in simplified


def test_an_english_name_entered_through_the_form_is_shown_in_english(personas, category):
    head = personas["head"]
    client_for(head).post(reverse("catalogue_item_create"), item_data(category=category.pk))
    client_for(head).post(reverse("catalogue_item_create"),
                          item_data(category=category.pk, code="legal-aid",
                                    name_zh_hans="法律援助", name_en=""))
    page = client_for(personas["caseworker"], "en").get(reverse("catalogue")).content.decode()
    assert "Help finding a job" in page and "就业帮扶" not in page
    assert "法律援助" in page


@pytest.mark.parametrize("field,value,message", [
    ("response_hours", "0", "at least 1 hour"),
    ("response_hours", "-5", "at least 1 hour"),
    ("response_hours", "abc", "whole number of hours"),
    ("response_hours", "1.5", "whole number of hours"),
    ("response_hours", "100000", "At most 720 hours"),
    ("response_hours", "", "Give a target"),
    ("resolution_days", "0", "at least 1 day"),
    ("resolution_days", "-1", "at least 1 day"),
    ("resolution_days", "two", "whole number of days"),
    ("resolution_days", "400", "At most 365 days"),
    ("name_zh_hans", "", "Simplified Chinese text"),
    ("order", "-1", "cannot be negative"),
])
def test_bad_targets_and_names_are_named_and_nothing_is_saved(personas, category, field,
                                                               value, message):
    client = client_for(personas["head"])
    before = AuditEntry.objects.count()
    response = client.post(reverse("catalogue_item_create"),
                           item_data(category=category.pk, **{field: value}))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors and message in " ".join(form.errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not ServiceItem.objects.filter(code="job-search").exists()
    assert AuditEntry.objects.count() == before


def test_a_first_response_due_after_the_resolution_is_refused(personas, school_item):
    response = client_for(personas["head"]).post(
        reverse("catalogue_item_edit", kwargs={"pk": school_item.pk}),
        item_data(school_item, response_hours="72", resolution_days="2"))
    assert response.status_code == 200
    assert "would be due after the resolution" in response.context["form"].errors[
        "response_hours"][0]
    school_item.refresh_from_db()
    assert (school_item.response_hours, school_item.resolution_days) == (48, 20)


def test_a_duplicate_code_is_refused(personas, school_item):
    response = client_for(personas["head"]).post(
        reverse("catalogue_item_create"),
        item_data(category=school_item.category_id, code="school-place"))
    assert response.status_code == 200
    assert "already in use" in response.context["form"].errors["code"][0]
    assert ServiceItem.objects.filter(code="school-place").count() == 1


def test_inactive_services_are_hidden_unless_asked_for(personas, category, school_item):
    ServiceItem.objects.create(category=category, code="old", name_zh_hans="旧服务",
                               name_en="Retired service", active=False)
    client = client_for(personas["caseworker"])
    assert "Retired service" not in client.get(reverse("catalogue")).content.decode()
    page = client.get(reverse("catalogue") + "?inactive=1").content.decode()
    assert "Retired service" in page and 'class="muted"' in page


# --- categories and departments -----------------------------------------------------

def test_the_head_creates_and_renames_a_category(personas):
    client = client_for(personas["head"])
    response = client.post(reverse("catalogue_category_create"), {
        "code": "employment", "name_zh_hans": "就业", "name_zh_hant": "", "name_en": "Work",
        "order": "2"})
    assert response.status_code == 302
    category = ServiceCategory.objects.get(code="employment")
    response = client.post(reverse("catalogue_category_edit", kwargs={"pk": category.pk}), {
        "code": "employment", "name_zh_hans": "就业", "name_zh_hant": "就業",
        "name_en": "Employment", "order": "2"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="update", object_type="desk.servicecategory")
    assert entry.changes == {"name_en": ["Work", "Employment"], "name_zh_hant": ["", "就業"]}


def department_data(**overrides: Any) -> dict[str, Any]:
    data = {"code": "civil-affairs", "name_zh_hans": "民政科", "name_zh_hant": "",
            "name_en": "Civil affairs office", "kind": "government",
            "handles_zh_hans": "低保、临时救助", "handles_zh_hant": "", "handles_en": "",
            "contact_name": "刘科长", "phone": "0512 5555 0002", "email": "mz@example.org",
            "active": "on"}
    data.update(overrides)
    return data


def test_the_head_adds_a_department_and_everyone_at_the_desk_reads_it(personas):
    response = client_for(personas["head"]).post(reverse("department_create"),
                                                 department_data())
    assert response.status_code == 302
    department = Department.objects.get(code="civil-affairs")
    assert department.phone == "0512-55550002"
    assert AuditEntry.objects.filter(action="create", object_type="directory.department").exists()
    page = client_for(personas["mediator"], "zh-hans").get(
        reverse("department_list")).content.decode()
    assert "民政科" in page and "刘科长" in page and "低保、临时救助" in page


@pytest.mark.parametrize("field,value,message", [
    ("phone", "12345", "11 digits"),
    ("email", "not-an-address", "e-mail address"),
    ("kind", "ministry", "valid choice"),
    ("name_zh_hans", " ", "Simplified Chinese text"),
])
def test_bad_department_input_is_named(personas, field, value, message):
    response = client_for(personas["head"]).post(reverse("department_create"),
                                                 department_data(**{field: value}))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message.lower() in " ".join(errors[field]).lower()
    assert not Department.objects.filter(code="civil-affairs").exists()


def test_the_admin_offers_the_catalogue_but_never_cases(school_item, community):
    admin_user = User.objects.create_superuser(username="root", password="pw-for-tests-only",
                                               email="", community=community)
    client = client_for(admin_user)
    url = reverse("admin:desk_serviceitem_change", args=[school_item.pk])
    page = client.get(url).content.decode()
    assert 'name="name_en"' in page and 'name="name_zh_hant"' in page
    assert client.get(reverse("admin:desk_serviceitem_delete",
                              args=[school_item.pk])).status_code == 403
    with pytest.raises(NoReverseMatch):
        reverse("admin:desk_case_changelist")


# --- statistics ------------------------------------------------------------------------

STATS_RANGE = {"since": "", "until": ""}


@pytest.fixture
def desk_history(personas, make_case, school_item, education):
    """Five requests over the last month (school place: 48 h, 20 days)."""
    worker = personas["caseworker"]
    now = timezone.now()

    def resolve(case: Case, outcome: str, quantity: int | None = None) -> Case:
        return services.transition(actor=worker, case=case, action="resolve",
                                   version=case.version, outcome=outcome,
                                   outcome_quantity=quantity)

    on_time = resolve(make_case(), "job", 2)
    services.record_follow_up(actor=worker, case=on_time, reached=True, satisfaction=5)
    late = resolve(make_case(opened_at=now - timedelta(days=30)), "job", 1)  # due 10 days ago
    # Resolved before a number was required: the statistics still say so.
    Case.objects.filter(pk=late.pk).update(outcome_quantity=None)
    make_case(channel="hotline")  # new, nothing due yet
    overdue = make_case(opened_at=now - timedelta(days=25))  # no response, overdue
    # What `manage.py tick` does for a missed first response.
    Case.objects.filter(pk=overdue.pk).update(response_breached=True)
    overdue.refresh_from_db()
    referral = services.referral_create(
        actor=personas["head"], case=overdue, department=education, version=overdue.version,
        message="请协助安排学位", override_reason="家长口头同意，书面同意随后补")
    services.referral_answer(token=services.referral_token(referral), name="王老师",
                             answer="已安排")
    answered = resolve(make_case(), "answered")
    services.record_follow_up(actor=worker, case=answered, reached=False)
    return {"late": late, "overdue": overdue}


def stats(client: Client, **params: Any):
    response = client.get(reverse("desk_stats"), params)
    assert response.status_code == 200
    return response


def last_60_days() -> dict[str, str]:
    today = timezone.localdate()
    return {"since": (today - timedelta(days=60)).isoformat(), "until": today.isoformat()}


def test_the_statistics_count_the_period_honestly(personas, desk_history):
    response = stats(client_for(personas["head"]), **last_60_days())
    f = response.context["figures"]
    assert (f["received"], f["resolved"], f["closed"], f["open"], f["overdue"]) == (5, 3, 1, 2, 1)
    assert (f["received_open"], f["received_cancelled"]) == (2, 0)
    # First response: four decided (three answered, one overdue unanswered), two on time;
    # the flags know only the one tick marked.
    assert f["response_rate"].part == 2 and f["response_rate"].whole == 4
    assert f["response_rate_flag"].part == 3
    # Resolution: the late case was never flagged (tick did not run): the direct
    # figure catches it.
    assert (f["resolution_rate"].part, f["resolution_rate"].whole) == (2, 3)
    assert f["resolution_rate_flag"].part == 3
    assert str(f["resolution_rate"]) == "67%"
    outcomes = {o["code"]: o for o in response.context["outcomes"]}
    assert (outcomes["job"]["cases"], outcomes["job"]["quantity"],
            outcomes["job"]["without_quantity"]) == (2, 2, 1)
    assert outcomes["answered"]["cases"] == 1 and not outcomes["answered"]["counted"]
    channels = {c["label"]: c["cases"] for c in response.context["channels"]}
    assert channels == {"Walk-in": 4, "24-hour hotline": 1}
    fu = response.context["follow_ups"]
    assert (fu["calls"], fu["cases"], fu["reached_cases"], fu["rated"]) == (2, 2, 1, 1)
    assert str(fu["reach_rate"]) == "50%" and fu["average"] == 5
    assert [d["n"] for d in fu["distribution"]] == [1, 0, 0, 0, 0]
    by_item = response.context["on_time_tables"][1]["rows"]
    assert len(by_item) == 1 and by_item[0]["resolved"] == 3 and by_item[0]["overdue"] == 1
    referrals = response.context["referrals"]
    assert [(r["department"].code, r["sent"], r["answered"]) for r in referrals] == [
        ("education", 1, 1)]
    page = response.content.decode()
    assert "Job found: 2 (in 2 cases)" in page
    assert "District Education Bureau" in page and "answered 1 (100%)" in page
    for personal in ("王先生", "孩子需要入学", "13912345678", "王老师", "家长口头同意"):
        assert personal not in page  # counts, never personal data


def test_a_period_before_the_cases_shows_dashes_not_zero_percent(personas, desk_history):
    today = timezone.localdate()
    response = stats(client_for(personas["auditor"]),
                     since=(today - timedelta(days=400)).isoformat(),
                     until=(today - timedelta(days=300)).isoformat())
    f = response.context["figures"]
    assert (f["received"], f["resolved"]) == (0, 0)
    assert f["resolution_rate"].value is None and str(f["resolution_rate"]) == "—"
    assert str(response.context["follow_ups"]["reach_rate"]) == "—"
    assert response.context["follow_ups"]["average_display"] == "—"
    page = response.content.decode()
    assert not re.search(r"(?<![\d.])0%", page) and "—" in page


def test_named_periods_choose_their_dates(personas):
    client = client_for(personas["head"])
    today = timezone.localdate()
    period = stats(client).context["period"]
    assert period.first_day == today.replace(day=1) and period.last_day == today
    period = stats(client, period="last_month").context["period"]
    assert period.last_day == today.replace(day=1) - timedelta(days=1)
    assert period.first_day == period.last_day.replace(day=1)
    period = stats(client, period="this_year").context["period"]
    assert period.first_day == today.replace(month=1, day=1)
    period = stats(client, period="last_365").context["period"]
    assert (today - period.first_day).days == 364


@pytest.mark.parametrize("params,field,message", [
    ({"since": "2026-03-10", "until": "2026-03-01"}, "until", "before the first day"),
    ({"since": "2026-13-01"}, "since", "Enter a date such as"),
    ({"since": "yesterday"}, "since", "Enter a date such as"),
    ({"until": "2026-03-01"}, "since", "first day of the period too"),
    ({"since": "2999-01-01"}, "since", "in the future"),
    ({"period": "forever"}, "period", "Choose a period"),
])
def test_a_bad_period_is_named_and_no_figures_are_shown(personas, params, field, message):
    response = stats(client_for(personas["head"]), **params)
    assert response.context["figures"] is None
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert message in response.content.decode()


def test_a_caseworker_cannot_see_the_statistics(personas):
    assert client_for(personas["caseworker"]).get(reverse("desk_stats")).status_code == 403


def test_the_statistics_page_runs_a_bounded_number_of_queries(
        personas, desk_history, make_case, django_assert_max_num_queries):
    client = client_for(personas["head"])
    params = last_60_days()

    def resolved_case(owner: str) -> None:
        case = make_case(owner=personas[owner])
        case = services.transition(actor=personas["head"], case=case, action="resolve",
                                   version=case.version, outcome="subsidy",
                                   outcome_quantity=1)
        services.record_follow_up(actor=personas["head"], case=case, reached=True,
                                  satisfaction=4)

    resolved_case("caseworker")
    with django_assert_max_num_queries(20):
        stats(client, **params)
    with CaptureQueriesContext(connection) as few:
        stats(client, **params)
    # More cases, owners and follow-ups: the same number of queries.
    for owner in ("gridworker", "mediator", "head", "caseworker"):
        resolved_case(owner)
    with CaptureQueriesContext(connection) as many:
        stats(client, **params)
    assert len(many.captured_queries) == len(few.captured_queries)
