"""The must-visit pages: the duty list (tabs, counts, scope, reasons withheld
from roles without sensitive access, constant query count), the statistics
(exact numbers for a hand-built set), the head's settings and the festival
calendar. Access for every persona and the outsider."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jiayuan.care import services as care
from jiayuan.care.choices import DutyRule, DutyStatus
from jiayuan.care.models import CareSettings, Duty, FestivalDate
from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.core.roles import Role
from jiayuan.desk.models import DeskSettings
from jiayuan.desk.selectors import repeat_threshold
from jiayuan.places.models import Community, Grid
from tests.conftest import make_user

PERSONAS = ("head", "caseworker", "gridworker", "mediator", "coordinator", "auditor", "admin",
            "outsider")
VIEWERS = ("head", "caseworker", "gridworker", "mediator", "coordinator", "auditor", "outsider")
NO_SENSITIVE = ("mediator", "coordinator", "auditor")
WITH_SENSITIVE = ("head", "caseworker", "gridworker")


def client_for(client: Any, user: Any) -> Any:
    """Logged in, pages in English (the assertions read the English msgids)."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def make_duty(personas: dict) -> Any:
    counter = iter(range(10_000))

    def make(household: Any, *, due: date, rule: str = DutyRule.DISABILITY,
             status: str = DutyStatus.OPEN, closed_on: date | None = None,
             raised_on: date | None = None, assignee: Any = "grid", detail: Any = None,
             key: str | None = None) -> Duty:
        if assignee == "grid":
            assignee = (personas["gridworker"] if household.grid.code == "G1"
                        else personas["outsider"])
        return Duty.objects.create(
            household=household, grid_id=household.grid_id, rule=rule,
            key=key if key is not None else f"k{next(counter)}", detail=detail or {},
            raised_on=raised_on or due - timedelta(days=14), due=due, status=status,
            closed_on=closed_on, assignee=assignee)

    return make


# --- access ---------------------------------------------------------------------

PAGES = {
    "duty_list": VIEWERS,
    "care_stats": ("head", "auditor"),
    "care_settings": ("head",),
    "festival_list": VIEWERS,
}


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("who", PERSONAS)
def test_it_lets_in_exactly_the_roles_with_the_permission(client: Any, personas: dict,
                                                           name: str, who: str) -> None:
    response = client_for(client, personas[who]).get(reverse(name))
    assert response.status_code == (200 if who in PAGES[name] else 403)


@pytest.mark.parametrize("name", [*PAGES, "festival_delete"])
def test_it_sends_strangers_to_the_login_page(client: Any, db: Any, name: str) -> None:
    url = reverse(name, args=[1]) if name == "festival_delete" else reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- the duty list ----------------------------------------------------------------

@pytest.fixture
def spread(make_duty: Any, household: Any, household_b: Any, today: date) -> dict[str, Duty]:
    """Duties in every tab: grid A's worker has a (overdue) and b (due today)."""
    return {
        "a": make_duty(household, due=today - timedelta(days=10)),
        "b": make_duty(household, due=today),
        "c": make_duty(household, due=today + timedelta(days=20), assignee=None),
        "d": make_duty(household, due=today - timedelta(days=2), status=DutyStatus.DONE,
                       closed_on=today - timedelta(days=3)),
        "e": make_duty(household, due=today - timedelta(days=50), status=DutyStatus.DONE,
                       closed_on=today - timedelta(days=40)),
        "f": make_duty(household, due=today - timedelta(days=5), status=DutyStatus.LAPSED,
                       closed_on=today - timedelta(days=6)),
        "g": make_duty(household_b, due=today + timedelta(days=20)),
    }


def tab_counts(response: Any) -> dict[str, int]:
    return {t["code"]: t["count"] for t in response.context["tabs"]}


def test_it_counts_each_tab_in_the_grid_workers_scope(client: Any, personas: dict,
                                                      spread: dict) -> None:
    response = client_for(client, personas["gridworker"]).get(reverse("duty_list"))
    assert tab_counts(response) == {"mine": 2, "overdue": 1, "week": 1, "open": 3, "done": 1}


def test_it_counts_the_whole_community_for_the_head(client: Any, personas: dict,
                                                    spread: dict) -> None:
    response = client_for(client, personas["head"]).get(reverse("duty_list"))
    assert tab_counts(response) == {"mine": 0, "overdue": 1, "week": 1, "open": 4, "done": 1}
    assert response.context["tab"] == "open"
    assert [d.pk for d in response.context["duties"]] == [
        spread[k].pk for k in ("a", "b", "c", "g")]


@pytest.mark.parametrize(("tab", "keys"), [
    ("mine", ["a", "b"]), ("overdue", ["a"]), ("week", ["b"]), ("open", ["a", "b", "c"]),
    ("done", ["d"]), ("nonsense", ["a", "b"]),
])
def test_each_tab_lists_its_duties_by_due_date(client: Any, personas: dict, spread: dict,
                                               tab: str, keys: list[str]) -> None:
    response = client_for(client, personas["gridworker"]).get(reverse("duty_list"),
                                                              {"tab": tab})
    assert [d.pk for d in response.context["duties"]] == [spread[k].pk for k in keys]


def test_it_opens_on_the_grid_workers_own_duties(client: Any, personas: dict,
                                                 spread: dict) -> None:
    response = client_for(client, personas["gridworker"]).get(reverse("duty_list"))
    assert response.context["tab"] == "mine"


def test_a_card_links_the_household_and_the_visit_form(client: Any, personas: dict,
                                                       spread: dict, household: Any) -> None:
    html = client_for(client, personas["gridworker"]).get(reverse("duty_list")).content.decode()
    duty = spread["a"]
    log_url = f'{reverse("visit_new")}?duty={duty.pk}&amp;household={household.pk}'
    assert log_url in html
    assert reverse("household_detail", args=[household.pk]) in html
    assert household.dwelling.code in html and "鄭容哲" in html
    assert "10 days late" in html
    assert personas["gridworker"].display_name in html


def test_the_log_link_opens_the_visit_form_for_that_household(client: Any, personas: dict,
                                                              spread: dict) -> None:
    c = client_for(client, personas["gridworker"])
    duty = spread["a"]
    response = c.get(reverse("visit_new"), {"duty": duty.pk, "household": duty.household_id})
    assert response.status_code == 200
    assert [h.pk for h, _d in response.context["chosen"]] == [duty.household_id]


def test_a_role_that_cannot_log_visits_sees_no_button_and_no_mine_tab(
        client: Any, personas: dict, spread: dict) -> None:
    response = client_for(client, personas["auditor"]).get(reverse("duty_list"))
    html = response.content.decode()
    assert "mine" not in tab_counts(response)
    assert "Log the visit" not in html
    assert response.context["tab"] == "open"


def test_the_done_tab_says_when_the_visit_was_late(client: Any, personas: dict,
                                                   make_duty: Any, household: Any,
                                                   today: date) -> None:
    make_duty(household, due=today - timedelta(days=9), status=DutyStatus.DONE,
              closed_on=today - timedelta(days=5))
    html = client_for(client, personas["gridworker"]).get(
        reverse("duty_list"), {"tab": "done"}).content.decode()
    assert "4 days late" in html
    assert "Log the visit" not in html


def test_the_outsider_sees_only_grid_b(client: Any, personas: dict, spread: dict,
                                       household: Any, household_b: Any) -> None:
    response = client_for(client, personas["outsider"]).get(reverse("duty_list"),
                                                            {"tab": "open"})
    html = response.content.decode()
    assert [d.pk for d in response.context["duties"]] == [spread["g"].pk]
    assert household_b.dwelling.code in html
    assert reverse("household_detail", args=[household.pk]) not in html
    assert "鄭容哲" not in html
    assert tab_counts(response)["open"] == 1


def test_the_grid_filter_narrows_the_list_and_its_counts(client: Any, personas: dict,
                                                         spread: dict, grid_b: Grid) -> None:
    response = client_for(client, personas["head"]).get(reverse("duty_list"),
                                                         {"grid": grid_b.pk})
    assert [d.pk for d in response.context["duties"]] == [spread["g"].pk]
    assert tab_counts(response)["open"] == 1
    assert f"grid={grid_b.pk}" in response.context["tabs"][0]["url"]


@pytest.mark.parametrize("grid", ["other", "abc", "999999"])
def test_a_grid_outside_ones_scope_is_not_found(client: Any, personas: dict, grid_a: Grid,
                                                grid: str) -> None:
    wanted = str(grid_a.pk) if grid == "other" else grid
    response = client_for(client, personas["outsider"]).get(reverse("duty_list"),
                                                            {"grid": wanted})
    assert response.status_code == 404


def test_a_forged_duty_in_the_visit_link_is_not_found(client: Any, personas: dict,
                                                      spread: dict) -> None:
    response = client_for(client, personas["outsider"]).get(
        reverse("visit_new"), {"duty": spread["a"].pk})
    assert response.status_code == 404


@pytest.fixture
def sensitive_duties(make_duty: Any, household: Any, today: date) -> None:
    make_duty(household, rule=DutyRule.ILLNESS, due=today + timedelta(days=3), key="")
    make_duty(household, rule=DutyRule.HARDSHIP, due=today + timedelta(days=4), key="")
    make_duty(household, rule=DutyRule.FESTIVAL, due=today + timedelta(days=5),
              key="chuseok:x", detail={"festival": "chuseok",
                                       "date": (today + timedelta(days=5)).isoformat()})
    make_duty(household, rule=DutyRule.DISPUTE, due=today + timedelta(days=6), key="",
              detail={"refs": ["TST-D-2026-0007"]})


@pytest.mark.parametrize("who", NO_SENSITIVE)
def test_sensitive_reasons_are_withheld(client: Any, personas: dict, sensitive_duties: None,
                                        who: str) -> None:
    html = client_for(client, personas[who]).get(reverse("duty_list"),
                                                 {"tab": "open"}).content.decode()
    for word in ("Serious illness", "Hardship", "Chuseok", ">Festival<"):
        assert word not in html
    assert html.count("Must-visit duty<") == 3
    if who == "coordinator":  # may not read disputes: not even their references
        assert "Open dispute<" in html and "TST-D-2026-0007" not in html
    else:
        assert "Open dispute TST-D-2026-0007" in html


def sensitive_views() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE,
                                          object_type="care.duty"))


@pytest.mark.parametrize("who", NO_SENSITIVE)
def test_no_disclosure_is_recorded_when_nothing_was_shown(client: Any, personas: dict,
                                                          sensitive_duties: None,
                                                          who: str) -> None:
    client_for(client, personas[who]).get(reverse("duty_list"), {"tab": "open"})
    assert sensitive_views() == []


def test_showing_sensitive_reasons_is_audited(client: Any, personas: dict,
                                              sensitive_duties: None) -> None:
    worker = personas["gridworker"]
    client_for(client, worker).get(reverse("duty_list"), {"tab": "open"})
    [entry] = sensitive_views()
    shown = set(Duty.objects.exclude(rule=DutyRule.DISPUTE).values_list("pk", flat=True))
    assert entry.actor_id == worker.pk
    assert set(entry.changes["duties"]) == shown
    assert "illness" not in str(entry.changes)


@pytest.mark.parametrize("who", WITH_SENSITIVE)
def test_roles_with_sensitive_access_read_the_reasons(client: Any, personas: dict,
                                                      sensitive_duties: None,
                                                      today: date, who: str) -> None:
    html = client_for(client, personas[who]).get(reverse("duty_list"),
                                                 {"tab": "open"}).content.decode()
    festival_day = (today + timedelta(days=5)).isoformat()
    assert "Serious illness" in html and "Hardship" in html
    assert f"Chuseok on {festival_day}" in html


def test_the_query_count_does_not_grow_with_the_rows(client: Any, personas: dict,
                                                     make_duty: Any, household: Any,
                                                     dwelling_a2: Any, today: date) -> None:
    from jiayuan.registry import services as registry

    other = registry.household_create(
        actor=personas["head"], dwelling=dwelling_a2, residency="resident",
        moved_in=date(2010, 1, 1),
        head={"name": "李四", "sex": "M", "birth_date": date(1970, 1, 1), "phone": "",
              "id_number": "", "origin_code": ""})
    c = client_for(client, personas["gridworker"])
    url = reverse("duty_list")

    def queries() -> int:
        c.get(url)  # warm the session and the scope caches alike
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        make_duty(household if i % 2 else other, due=today + timedelta(days=i))
    few = queries()
    for i in range(3, 30):
        make_duty(household if i % 2 else other, due=today + timedelta(days=i),
                  rule=DutyRule.DISPUTE, detail={"refs": [f"R{i}"]})
    assert queries() == few
    assert few <= 13  # 12 + 1 since 0.11.0: the second factor's device, read on every request


# --- statistics -------------------------------------------------------------------

@pytest.fixture
def hand_built(make_duty: Any, household: Any, household_b: Any, today: date) -> dict:
    """Duties due in a past period [since, until] in grid A, plus one in grid B
    and two outside the period."""
    since, until = today - timedelta(days=60), today - timedelta(days=31)
    due = today - timedelta(days=45)
    done, lapsed = DutyStatus.DONE, DutyStatus.LAPSED
    make_duty(household, due=due, status=done, closed_on=due - timedelta(days=1))  # on time
    make_duty(household, due=since, status=done, closed_on=since)  # on time, on the day
    make_duty(household, due=until, status=done, closed_on=until + timedelta(days=2),
              rule=DutyRule.DISPUTE)  # late
    make_duty(household, due=due)  # missed: still open past due
    make_duty(household, due=due, status=lapsed, closed_on=due - timedelta(days=1))  # lapsed
    make_duty(household, due=due, status=lapsed, closed_on=due + timedelta(days=1),
              rule=DutyRule.DISPUTE)  # missed: lapsed after the due date
    make_duty(household, due=since - timedelta(days=1))  # before: overdue now only
    make_duty(household, due=today + timedelta(days=5))  # open now, not yet due
    make_duty(household_b, due=due, status=done, closed_on=due)  # grid B, on time
    return {"since": since.isoformat(), "until": until.isoformat()}


def row_of(response: Any, table: int, label: str) -> Any:
    rows = response.context["tables"][table]["rows"]
    return next(r for r in rows if r.label == label)


def numbers(r: Any) -> tuple:
    return (r.due, r.on_time, r.late, r.missed, r.lapsed, r.pending, r.open_now,
            r.overdue_now, r.rate_display)


def test_the_statistics_count_exactly(client: Any, personas: dict, hand_built: dict,
                                      grid_a: Grid, grid_b: Grid) -> None:
    response = client_for(client, personas["head"]).get(reverse("care_stats"), hand_built)
    assert response.status_code == 200
    a = row_of(response, 0, f"{grid_a.code} {grid_a.name}")
    b = row_of(response, 0, f"{grid_b.code} {grid_b.name}")
    assert numbers(a) == (6, 2, 1, 2, 1, 0, 1, 2, "40%")
    assert numbers(b) == (1, 1, 0, 0, 0, 0, 0, 0, "100%")
    total = response.context["tables"][0]["total"]
    assert numbers(total) == (7, 3, 1, 2, 1, 0, 1, 2, "50%")
    worker = row_of(response, 1, personas["gridworker"].display_name)
    assert numbers(worker) == numbers(a)
    by_rule = response.context["tables"][2]["rows"]
    dispute = next(r for r in by_rule if r.key == DutyRule.DISPUTE)
    assert (dispute.due, dispute.late, dispute.missed) == (2, 1, 1)
    html = response.content.decode()
    assert "40%" in html and "counts as missed" in html


def test_the_auditor_gets_no_breakdown_by_reason(client: Any, personas: dict,
                                                 hand_built: dict) -> None:
    response = client_for(client, personas["auditor"]).get(reverse("care_stats"), hand_built)
    assert [t["title"] for t in response.context["tables"]] == ["Per grid",
                                                               "Per grid worker"]
    html = response.content.decode()
    assert "Per reason" not in html and "Disability" not in html


def test_this_month_is_the_default_and_counts_duties_not_yet_due(
        client: Any, personas: dict, make_duty: Any, household: Any, today: date) -> None:
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    make_duty(household, due=last)
    response = client_for(client, personas["head"]).get(reverse("care_stats"))
    assert response.context["period"].first_day == first
    assert response.context["period"].last_day == last
    row = response.context["tables"][0]["rows"][0]
    assert (row.due, row.pending, row.rate_display) == (1, 1, "—")


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"since": "2026-05-10", "until": "2026-05-01"}, "until", "is before the first day"),
    ({"until": "2026-05-01"}, "since", "Give the first day of the period too."),
    ({"since": "2027-02-30"}, "since", "Enter a real date such as 2026-09-25."),
    ({"since": "soon"}, "since", "Enter a real date such as 2026-09-25."),
    ({"since": "2010-01-01", "until": "2026-01-01"}, "until", "at most three years"),
    ({"period": "forever"}, "period", "Choose a period from the list."),
])
def test_a_bad_period_gets_a_field_message(client: Any, personas: dict, query: dict,
                                           field: str, message: str) -> None:
    response = client_for(client, personas["head"]).get(reverse("care_stats"), query)
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field])
    assert message.split(" (")[0][:20] in response.content.decode()
    assert response.context["tables"] == []


def test_last_month_and_this_year(client: Any, personas: dict, today: date) -> None:
    c = client_for(client, personas["head"])
    last = c.get(reverse("care_stats"), {"period": "last_month"}).context["period"]
    assert last.last_day == today.replace(day=1) - timedelta(days=1)
    assert last.first_day == last.last_day.replace(day=1)
    year = c.get(reverse("care_stats"), {"period": "this_year"}).context["period"]
    assert (year.first_day, year.last_day) == (date(today.year, 1, 1), date(today.year, 12, 31))


# --- settings -----------------------------------------------------------------------

def settings_post(**changes: Any) -> dict[str, Any]:
    data = {name: getattr(CareSettings(), name) for name in CareSettings.EDITABLE}
    data["repeat_open"] = 3
    data.update(changes)
    return data


def test_the_head_sees_the_defaults_first(client: Any, personas: dict) -> None:
    response = client_for(client, personas["head"]).get(reverse("care_settings"))
    html = response.content.decode()
    assert "Never changed" in html
    assert response.context["form"]["dispute_due"].value() == 7


def test_the_page_says_the_repeat_window_is_a_deployment_setting(client: Any, personas: dict,
                                                                  settings: Any) -> None:
    """Rule 3 also counts "the same request again within the repeat window",
    which the head cannot change here: the page names the setting and its value."""
    settings.DESK_REPEAT_DAYS = 45
    response = client_for(client, personas["head"]).get(reverse("care_settings"))
    help_text = str(response.context["form"]["repeat_open"].help_text)
    assert help_text.startswith("A household with this many unresolved requests")
    assert ("The repeat window is 45 days: a deployment setting, DESK_REPEAT_DAYS,"
            in help_text)
    assert "DESK_REPEAT_DAYS" in response.content.decode()


def test_the_head_saves_the_settings_with_an_audit_entry(client: Any, personas: dict,
                                                         community: Community) -> None:
    head = personas["head"]
    c = client_for(client, head)
    response = c.post(reverse("care_settings"), settings_post(dispute_due=3, repeat_open=5))
    assert response.status_code == 302
    saved = CareSettings.objects.get(community=community)
    assert (saved.dispute_due, saved.updated_by) == (3, head)
    # The repeat threshold is the desk's: one value for its flag and the duty.
    assert repeat_threshold(community.pk).open == 5
    assert DeskSettings.objects.get(community=community).updated_by == head
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE,
                                   object_type="care.caresettings")
    assert entry.actor_id == head.pk
    assert entry.changes["dispute_due"] == [7, 3]
    html = c.get(reverse("care_settings")).content.decode()
    assert "Last changed" in html and head.display_name in html


@pytest.mark.parametrize(("value", "message"), [
    ("0", "Give a number of days from 1 to 366."),
    ("367", "Give a number of days from 1 to 366."),
    ("abc", "Give a number of days from 1 to 366."),
    ("", "Give a number of days from 1 to 366."),
])
def test_bad_settings_get_a_field_message_and_nothing_is_saved(
        client: Any, personas: dict, value: str, message: str) -> None:
    response = client_for(client, personas["head"]).post(
        reverse("care_settings"), settings_post(illness_due=value, dispute_due=2))
    assert response.status_code == 400
    assert response.context["form"].errors == {"illness_due": [message]}
    assert 'id="id_illness_due_error"' in response.content.decode()
    assert not CareSettings.objects.exists()
    assert not AuditEntry.objects.filter(object_type="care.caresettings").exists()


def test_the_request_threshold_speaks_of_requests(client: Any, personas: dict) -> None:
    response = client_for(client, personas["head"]).post(reverse("care_settings"),
                                                         settings_post(repeat_open="0"))
    assert response.context["form"].errors == {
        "repeat_open": ["Give a number of requests from 1 to 366."]}


@pytest.mark.parametrize("who", ["caseworker", "gridworker", "auditor", "outsider"])
def test_no_one_else_posts_settings(client: Any, personas: dict, who: str) -> None:
    response = client_for(client, personas[who]).post(reverse("care_settings"),
                                                      settings_post(dispute_due=1))
    assert response.status_code == 403
    assert not CareSettings.objects.exists()


def test_a_head_cannot_open_another_communitys_settings(client: Any, personas: dict,
                                                        db: Any) -> None:
    other = Community.objects.create(name="别的社区", code="OTH")
    c = client_for(client, personas["head"])
    url = reverse("care_settings") + f"?community={other.pk}"
    assert c.get(url).status_code == 404
    assert c.post(url, settings_post(dispute_due=1)).status_code == 404
    assert not CareSettings.objects.exists()


def test_a_district_wide_head_picks_a_community(client: Any, community: Community) -> None:
    chief = make_user("chief", Role.HEAD, community)
    chief.community = None
    chief.save()
    c = client_for(client, chief)
    response = c.get(reverse("care_settings"))
    assert response.context["form"] is None
    assert community.name in response.content.decode()
    url = reverse("care_settings") + f"?community={community.pk}"
    response = c.post(url, settings_post(festival_lead=21))
    assert response.status_code == 302 and response.url == url
    assert CareSettings.objects.get(community=community).festival_lead == 21
    assert c.get(reverse("care_settings") + "?community=999999").status_code == 404
    assert c.get(reverse("care_settings") + "?community=x").status_code == 404


# --- the festival calendar ------------------------------------------------------------

@pytest.mark.parametrize("who", NO_SENSITIVE + ("gridworker",))
def test_everyone_who_visits_reads_the_calendar_but_only_the_head_edits_it(
        client: Any, personas: dict, who: str, today: date) -> None:
    response = client_for(client, personas[who]).get(reverse("festival_list"))
    html = response.content.decode()
    assert response.context["form"] is None
    assert "Add a festival day" not in html and "Take off" not in html
    assert "told us themselves" in html


def test_the_calendar_is_grouped_by_year(client: Any, personas: dict, today: date) -> None:
    FestivalDate.objects.all().delete()
    FestivalDate.objects.create(festival="chuseok", date=date(today.year, 9, 25))
    FestivalDate.objects.create(festival="eid_al_fitr", date=date(today.year + 1, 3, 9))
    FestivalDate.objects.create(festival="losar", date=date(today.year - 1, 2, 28))
    response = client_for(client, personas["head"]).get(reverse("festival_list"))
    coming = [(y, [d.festival for d in days]) for y, days in response.context["coming"]]
    earlier = [(y, [d.festival for d in days]) for y, days in response.context["earlier"]]
    assert coming == [(today.year, ["chuseok"]), (today.year + 1, ["eid_al_fitr"])]
    assert earlier == [(today.year - 1, ["losar"])]
    html = response.content.decode()
    assert "Chuseok" in html and "Earlier years" in html


def festival_count() -> tuple[int, int]:
    return (FestivalDate.objects.count(),
            AuditEntry.objects.filter(object_type="care.festivaldate").count())


def test_the_head_adds_a_festival_day(client: Any, personas: dict, today: date) -> None:
    day = date(today.year + 1, 6, 1)
    before = festival_count()
    response = client_for(client, personas["head"]).post(
        reverse("festival_list"), {"festival": "naadam", "date": day.isoformat(),
                                   "note": "  旗里通知 "})
    assert response.status_code == 302
    row = FestivalDate.objects.get(festival="naadam", date=day)
    assert row.note == "旗里通知"
    assert festival_count() == (before[0] + 1, before[1] + 1)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"festival": "chuseok", "date": "2027-02-30"}, "date",
     "Enter a real date such as 2026-09-25."),
    ({"festival": "chuseok", "date": "next Tuesday"}, "date",
     "Enter a real date such as 2026-09-25."),
    ({"festival": "chuseok", "date": ""}, "date", "Give the day of the festival."),
    ({"festival": "chuseok", "date": "2126-09-25"}, "date", "check the year"),
    ({"festival": "other", "date": "2027-01-05"}, "festival",
     "Choose a festival from the list."),
    ({"festival": "", "date": "2027-01-05"}, "festival", "Choose the festival."),
])
def test_a_bad_festival_day_writes_nothing(client: Any, personas: dict, data: dict,
                                           field: str, message: str) -> None:
    before = festival_count()
    response = client_for(client, personas["head"]).post(reverse("festival_list"), data)
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors[field])
    assert message in response.content.decode()
    assert festival_count() == before


def test_a_duplicate_day_gets_the_services_message(client: Any, personas: dict,
                                                   today: date) -> None:
    day = date(today.year + 1, 1, 3)
    FestivalDate.objects.get_or_create(festival="christmas", date=day)
    before = festival_count()
    response = client_for(client, personas["head"]).post(
        reverse("festival_list"), {"festival": "christmas", "date": day.isoformat()})
    assert response.status_code == 400
    assert response.context["form"].errors["date"] == [
        "This festival is already on the calendar for that day."]
    assert festival_count() == before


@pytest.mark.parametrize("who", ["caseworker", "gridworker", "mediator", "auditor"])
def test_only_the_head_changes_the_calendar(client: Any, personas: dict, who: str) -> None:
    row = FestivalDate.objects.create(festival="torch", date=date(2030, 8, 1))
    before = festival_count()
    c = client_for(client, personas[who])
    assert c.post(reverse("festival_list"),
                  {"festival": "torch", "date": "2030-08-02"}).status_code == 403
    assert c.get(reverse("festival_delete", args=[row.pk])).status_code == 403
    assert c.post(reverse("festival_delete", args=[row.pk])).status_code == 403
    assert festival_count() == before


def test_the_head_takes_a_day_off_after_confirming(client: Any, personas: dict) -> None:
    row = FestivalDate.objects.create(festival="eid_al_adha", date=date(2030, 5, 6))
    c = client_for(client, personas["head"])
    url = reverse("festival_delete", args=[row.pk])
    response = c.get(url)
    assert response.status_code == 200
    assert "off the calendar?" in response.content.decode()
    assert FestivalDate.objects.filter(pk=row.pk).exists()
    response = c.post(url)
    assert response.status_code == 302
    assert not FestivalDate.objects.filter(pk=row.pk).exists()
    entry = AuditEntry.objects.get(action=AuditAction.DELETE, object_type="care.festivaldate")
    assert entry.changes["festival"] == "eid_al_adha"


def test_a_forged_festival_day_is_not_found(client: Any, personas: dict) -> None:
    c = client_for(client, personas["head"])
    assert c.get(reverse("festival_delete", args=[999999])).status_code == 404
    assert c.post(reverse("festival_delete", args=[999999])).status_code == 404


def test_a_day_taken_off_lapses_its_open_duties_at_the_next_tick(
        client: Any, personas: dict, household: Any, make_duty: Any, today: date) -> None:
    """What the page says is what the tick does: the duty is left alone by the
    request and lapses, before its due date (so it counts against nobody), at
    the next run; a day still on the calendar keeps its duty."""
    from jiayuan.care.duties import engine as duties

    day = today + timedelta(days=5)
    row, _created = FestivalDate.objects.get_or_create(festival="chuseok", date=day)
    FestivalDate.objects.get_or_create(festival="spring_festival", date=day)
    duty = make_duty(household, rule=DutyRule.FESTIVAL, due=day,
                     key=f"chuseok:{day.isoformat()}",
                     detail={"festival": "chuseok", "date": day.isoformat()})
    kept = make_duty(household, rule=DutyRule.FESTIVAL, due=day,
                     key=f"spring_festival:{day.isoformat()}",
                     detail={"festival": "spring_festival", "date": day.isoformat()})
    response = client_for(client, personas["head"]).post(
        reverse("festival_delete", args=[row.pk]), follow=True)
    assert "Open duties raised for it lapse at the next run of the duties." \
        in response.content.decode()
    duty.refresh_from_db()
    assert duty.status == DutyStatus.OPEN
    duties.run(timezone.now(), rules=[DutyRule.FESTIVAL])
    duty.refresh_from_db()
    kept.refresh_from_db()
    assert (duty.status, duty.closed_on) == (DutyStatus.LAPSED, today)
    assert kept.status == DutyStatus.OPEN
    assert not Duty.objects.filter(household=household, key=f"chuseok:{day.isoformat()}",
                                   status=DutyStatus.OPEN).exists()


def test_the_confirmation_says_the_open_duties_lapse(client: Any, personas: dict) -> None:
    row = FestivalDate.objects.create(festival="eid_al_fitr", date=date(2030, 3, 5))
    page = client_for(client, personas["head"]).get(
        reverse("festival_delete", args=[row.pk])).content.decode()
    assert "the open duties already raised for it lapse at the next run of the duties" in page
    assert "stay open" not in page


def test_the_calendar_feeds_only_declared_festivals(personas: dict, household: Any,
                                                    household_b: Any, today: date) -> None:
    """What the page explains: a calendar day raises a duty for the household
    that declared the festival (chuseok), not for the one that did not."""
    from jiayuan.care.duties import engine as duties

    FestivalDate.objects.filter(date__gte=today).delete()
    care.festival_date_add(actor=personas["head"], festival="chuseok",
                           day=today + timedelta(days=3))
    duties.run(timezone.now(), rules=[DutyRule.FESTIVAL])
    assert list(Duty.objects.values_list("household_id", flat=True)) == [household.pk]

