"""The dashboard (the staff home page) and the records behind each figure.

On the tiny demo, for the head, a caseworker and a grid worker: every figure
that counts records is the length of the list its tile opens (followed page
by page through the real pages); a grid worker's figures are at most the
head's and their lists hold only their grid's records; and the drill-down's
answers to the wrong reader, an unknown figure, bad dates and a place out of
scope.
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiayuan.core import metrics, scope
from jiayuan.core.metrics import Metric, Period, Place, Unit
from jiayuan.core.models import AuditAction, AuditEntry, User
from jiayuan.core.roles import Perm
from jiayuan.desk.models import Case
from jiayuan.registry.models import Household
from jiayuan.reports.dashboard import dashboard
from jiayuan.reports.report import figure_text
from jiayuan.reports.views_dashboard import spark
from tests.conftest import DEMO_TODAY
from tests.shared_data import demo_once

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_today")]

demo_loaded = demo_once(seed=1)

TILE = re.compile(r'<li class="dash-tile" data-metric="([^"]+)">\s*<a class="dash-link" '
                  r'href="([^"]+)".*?data-figure="([^"]*)"', re.S)
RECORD = re.compile(r'<ol class="dash-records"[^>]*>(.*?)</ol>', re.S)
NEXT = re.compile(r'<a href="(\?[^"]*page=\d+[^"]*)">[^<]*</a>\s*</nav>')
READERS = ("head", "caseworker", "gridworker")


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def shown_tiles(client: Client, query: str = "") -> dict[str, tuple[str, str]]:
    """{metric code: (the tile's link, the figure it shows)}, read from the home page."""
    response = client.get("/" + query)
    assert response.status_code == 200
    found = {code: (html.unescape(url), text)
             for code, url, text in TILE.findall(response.content.decode())}
    assert found, "no tiles on the home page"
    return found


def listed(client: Client, url: str) -> list[str]:
    """Every record the drill-down at `url` lists, following its pager to the end."""
    rows: list[str] = []
    path, _sep, query = url.partition("?")
    next_url: str | None = url
    for _page in range(200):
        if next_url is None:
            return rows
        response = client.get(next_url)
        assert response.status_code == 200, (next_url, response.status_code)
        body = response.content.decode()
        block = RECORD.search(body)
        rows += re.findall(r"<li>(.*?)</li>", block.group(1), re.S) if block else []
        more = NEXT.search(body)
        next_url = path + html.unescape(more.group(1)) if more else None
    raise AssertionError(f"{url}: more than 200 pages")


def linked_ids(rows: list[str], prefix: str) -> set[int]:
    return {int(pk) for row in rows for pk in re.findall(rf'href="{prefix}(\d+)/"', row)}


@pytest.mark.xdist_group("reports-dashboard")
class TestTheDashboardOnTheDemo:

    @pytest.mark.parametrize("username", READERS)
    def test_it_shows_for_each_counted_figure_the_list_of_exactly_that_many_records(
            self, demo_loaded: str, username: str) -> None:
        client = client_for(username)
        tiles = shown_tiles(client)
        generic = own = 0
        for code, (url, text) in tiles.items():
            metric = metrics.get(code)
            if not metric.counts_records:
                continue
            if url.startswith("/figures/"):
                rows = listed(client, url)
                assert len(rows) == int(text), (username, code, url, text, len(rows))
                generic += 1
            else:  # the app's own list of exactly these records
                assert client.get(url).status_code == 200, (username, code, url)
                own += 1
        assert generic >= 15 and own >= 3, (generic, own)
        # Something to count: the test would not pass on an empty station.
        assert sum(int(text) for _url, text in tiles.values() if text.isdigit()) > 50

    def test_the_figure_page_shows_the_same_figure_as_its_tile(self, demo_loaded: str) -> None:
        client = client_for("head")
        for code, (url, text) in shown_tiles(client).items():
            if not url.startswith("/figures/"):
                continue
            body = client.get(url).content.decode()
            assert f'id="figure-value">{text}<' in body, (code, text)
            if metrics.get(code).counts_records:
                assert f'id="record-count">{text}<' in body, code

    def test_a_grid_workers_figures_are_at_most_the_heads_and_only_of_their_grid(
            self, demo_loaded: str) -> None:
        head, worker = shown_tiles(client_for("head")), shown_tiles(client_for("gridworker"))
        assert set(worker) <= set(head)
        smaller = 0
        for code, (_url, text) in worker.items():
            if metrics.get(code).unit == Unit.COUNT:
                assert int(text) <= int(head[code][1]), code
                smaller += int(text) < int(head[code][1])
        assert smaller >= 5  # the head's community holds more than one grid's records
        gridworker = User.objects.get(username="gridworker")
        grids = set(scope.grid_ids(gridworker) or ())
        assert len(grids) == 1
        year = f"?start={DEMO_TODAY.year}-01-01&end={DEMO_TODAY.isoformat()}"
        for code, prefix, model in (("desk.cases_opened", "/desk/cases/", Case),
                                    ("registry.households", "/households/", Household)):
            url = reverse("figure_records", args=[code]) + year
            mine = linked_ids(listed(client_for("gridworker"), url), prefix)
            everyone = linked_ids(listed(client_for("head"), url), prefix)
            assert mine and mine < everyone, code
            rows = model.objects.filter(pk__in=mine)
            if model is Case:
                # A grid worker's cases: their grid's, the community's requests not
                # yet matched to a household (no grid), and those they own.
                rows = rows.exclude(grid__isnull=True).exclude(owner=gridworker)
            assert set(rows.values_list("grid_id", flat=True)) == grids, code
            assert set(model.objects.filter(pk__in=everyone - mine)
                       .values_list("grid_id", flat=True)).isdisjoint(grids), code

    def test_a_head_picks_one_grid_and_sees_its_figures(self, demo_loaded: str) -> None:
        client = client_for("head")
        body = client.get("/").content.decode()
        gridworker = User.objects.get(username="gridworker")
        grid = scope.grids_for(gridworker).get()
        assert f'<option value="grid:{grid.pk}"' in body  # the picker offers every grid
        whole = shown_tiles(client)
        one = shown_tiles(client, f"?place=grid:{grid.pk}")
        assert one != whole
        assert one["desk.cases_opened"][0].endswith(f"grid={grid.pk}")
        # The grid's households and people are the grid worker's own (whose scope
        # also holds the community's unmatched requests and what they own).
        worker = shown_tiles(client_for("gridworker"))
        for code in ("registry.households", "registry.people"):
            assert one[code][1] == worker[code][1], code
        for code, (_url, text) in one.items():
            if text.isdigit():
                assert int(text) <= int(whole[code][1]), code
        # The tile's link keeps the place: its list is the grid's.
        url = one["desk.cases_opened"][0]
        assert len(listed(client, url)) == int(one["desk.cases_opened"][1])
        # The same place read from ?grid= (the links' form).
        assert shown_tiles(client, f"?grid={grid.pk}") == one

    def test_a_grid_worker_has_no_picker_and_names_their_grid(self, demo_loaded: str) -> None:
        body = client_for("gridworker").get("/").content.decode()
        grid = scope.grids_for(User.objects.get(username="gridworker")).get()
        assert 'name="place"' not in body
        assert grid.code in re.search(r'<h2 id="dash-heading">(.*?)</h2>', body, re.S).group(1)

    def test_a_place_out_of_scope_is_refused_with_a_message(self, demo_loaded: str) -> None:
        worker = User.objects.get(username="gridworker")
        other = scope.grids_for(User.objects.get(username="head")).exclude(
            pk__in=scope.grid_ids(worker)).first()
        client = client_for("gridworker")
        for url in (f"/?place=grid:{other.pk}", f"/?grid={other.pk}",
                    reverse("figure_records", args=["desk.cases_opened"]) + f"?grid={other.pk}"):
            response = client.get(url)
            assert response.status_code == 400, url
            assert "role=\"alert\"" in response.content.decode(), url
        for url in ("/?place=street:1", "/?grid=abc", "/?grid=1&community=1"):
            assert client_for("head").get(url).status_code == 400, url

    def test_the_home_page_reads_every_figure_in_a_bounded_number_of_queries(
            self, demo_loaded: str, django_assert_max_num_queries: Any) -> None:
        client = client_for("head")
        client.get("/")  # the session and the site's caches, as on any visit
        # One query per figure and one per twelve-month chart (a trend is one
        # statement: core.metric_parts.monthly), whatever the number of
        # records; the rest (measured: 9)
        # the session, the account, its scope and grids. 48 when the registry
        # held 39 figures and no trend.
        head = User.objects.get(username="head")
        readable = metrics.for_reader(head, Place.district())
        figures, charts = len(readable), sum(1 for m in readable if m.trended)
        with django_assert_max_num_queries(12 + figures + charts):
            assert client.get("/").status_code == 200

    @pytest.mark.parametrize("code", ["registry.households", "registry.people",
                                      "desk.follow_up_satisfied", "care.duties_due",
                                      "engage.attendance", "engage.volunteer_hours"])
    def test_a_page_of_records_costs_a_bounded_number_of_queries(
            self, demo_loaded: str, code: str) -> None:
        client = client_for("head")
        url = reverse("figure_records", args=[code]) + "?start=2026-01-01&end=2026-12-06"
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url).content.decode()
        rows = body.count("<li><a href=")
        assert rows >= 10, (code, rows)  # a real page, each record linked
        # Measured: 10 for each, whatever the page's length (the session and the
        # account, its scope and grids, the figure, the count, one page of rows
        # joined to what their names read).
        assert len(queries) <= 14, (code, len(queries))

    def test_a_percent_figure_lists_the_records_judged(self, demo_loaded: str) -> None:
        url = reverse("figure_records", args=["desk.resolution_on_time"])
        body = client_for("head").get(url + "?start=2026-01-01&end=2026-12-06").content.decode()
        metric = metrics.get("desk.resolution_on_time")
        assert html.escape(str(metric.how)) in body
        value = metric.read(User.objects.get(username="head"),
                            Period(date(2026, 1, 1), DEMO_TODAY), Place.district())
        assert value is not None and f'id="figure-value">{figure_text(value, metric.unit)}<' in body


# --- access and bad input (no demo needed) -----------------------------------------------

URL = "/figures/desk.cases_opened/"


def test_it_sends_a_visitor_who_is_not_signed_in_to_the_login_page(client: Client) -> None:
    for url in ("/", URL, "/figures/no.such/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_it_refuses_a_figure_the_role_may_not_read_and_audits_it(
        client: Client, personas: dict[str, User]) -> None:
    client.force_login(personas["coordinator"])  # no view_cases
    response = client.get(URL)
    assert response.status_code == 403
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None and entry.action == AuditAction.DENIED
    assert (entry.actor_username, entry.object_id) == ("coordinator", Perm.VIEW_CASES)
    # … and the dashboard does not offer it.
    assert 'data-metric="desk.cases_opened"' not in client.get("/").content.decode()
    assert 'data-metric="registry.households"' in client.get("/").content.decode()


def test_an_unknown_figure_is_a_page_not_found_with_the_message(
        client: Client, personas: dict[str, User]) -> None:
    client.force_login(personas["head"])
    for code in ("no.such.figure", "desk.cases_opened.x", "%E9%83%91" * 40):
        response = client.get(f"/figures/{code}/")
        assert response.status_code == 404, code
        assert 'role="alert"' in response.content.decode(), code
    assert "no.such.figure" in client.get("/figures/no.such.figure/").content.decode()


@pytest.mark.parametrize(("query", "says"), [
    ("?start=2026-13-01&end=2026-12-31", "The first day is not a date (YYYY-MM-DD)."),
    ("?start=2026-02-01", "The last day is not a date"),  # no last day
    ("?start=2026-03-01&end=2026-02-01", "(2026-02-01) is before the first day (2026-03-01)"),
    ("?start=2999-01-01&end=2999-01-31", "(2999-01-01) is in the future"),
    ("?start=2026-01-01&end=2026-01-31&grid=x", "The grid must be a whole number."),
    ("?start=2026-01-01&end=2026-01-31&grid=999999", "That grid is not one of yours."),
])
def test_bad_dates_or_places_are_a_bad_request_with_the_message(
        client: Client, personas: dict[str, User], query: str, says: str) -> None:
    client.force_login(personas["gridworker"])
    response = client.get(URL + query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, query
    body = response.content.decode()
    assert 'role="alert"' in body and says in body, query


def test_a_figure_not_taken_per_grid_is_refused_for_a_grid(
        client: Client, personas: dict[str, User], grid_a: Any) -> None:
    client.force_login(personas["head"])
    response = client.get(f"/figures/engage.cards_issued/?grid={grid_a.pk}")
    assert response.status_code == 400


def test_the_list_only_takes_get(client: Client, personas: dict[str, User]) -> None:
    client.force_login(personas["head"])
    assert client.post(URL).status_code == 405


def test_without_dates_it_lists_this_month_so_far(
        client: Client, personas: dict[str, User]) -> None:
    client.force_login(personas["head"])
    body = client.get(URL).content.decode()
    first = DEMO_TODAY.replace(day=1)
    assert f"{first.isoformat()} " in body and f" {DEMO_TODAY.isoformat()}" in body


def test_a_reader_without_any_figure_gets_the_links_only(
        client: Client, personas: dict[str, User], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "for_reader", lambda actor, place=None: [])
    client.force_login(personas["head"])
    body = client.get("/").content.decode()
    assert "dash-tile" not in body and 'id="dash-heading"' not in body
    assert reverse("household_list") in body and reverse("audit_log") in body


# --- the twelve-month chart ----------------------------------------------------------------

def _months(values: list[Any]) -> list[tuple[Period, Any]]:
    start = date(2026, 1, 1)
    out = []
    for i, value in enumerate(values):
        first = date(start.year + (i // 12), i % 12 + 1, 1)
        out.append((Period(first, first + timedelta(days=27), DEMO_TODAY), value))
    return out


def test_the_chart_scales_the_bars_to_the_highest_month_and_marks_this_one() -> None:
    chart = spark("Requests", Unit.COUNT, _months([0, 4, 8, None, 2, 0, 0, 0, 0, 0, 0, 1]))
    heights = [float(b.height) for b in chart.bars]
    assert len(heights) == 12
    assert heights[2] == 32.0 and heights[1] == 16.0  # the highest is the full height
    assert heights[0] == heights[3] == 0.0  # nothing, and no figure: no bar
    assert heights[11] == 4.0 and chart.bars[11].current and not chart.bars[10].current
    assert [float(b.y) + float(b.height) for b in chart.bars] == [34.0] * 12  # one baseline
    assert (chart.bars[0].month, chart.bars[3].text) == ("2026-01", "—")
    assert spark("Rate", Unit.PERCENT, _months([None] * 12)).bars[0].height == "0.0"
    assert spark("Hours", Unit.HOURS, _months([0.5, 100])).bars[0].height == "1.5"  # a sliver


@pytest.fixture
def trended() -> Any:
    """A metric with a monthly trend, as an app would register one."""
    metric = metrics.register(Metric(
        code="desk.test_trended", name="Trended requests", description="Requests, by month.",
        unit=Unit.COUNT, model=Case, permission=Perm.VIEW_CASES, dated_by="opened_at",
        records=lambda actor, period, place: Case.objects.none(),
        trend=lambda actor, period, place: {date(2026, 11, 1): 6, date(2026, 12, 1): 3}))
    yield metric
    metrics.unregister(metric.code)


def test_a_trended_figure_has_its_chart_and_a_table_for_screen_readers(
        client: Client, personas: dict[str, User], trended: Metric) -> None:
    client.force_login(personas["head"])
    body = client.get("/").content.decode()
    tile = body[body.index('data-metric="desk.test_trended"'):]
    tile = tile[:tile.index("</li>")]
    assert 'role="img"' in tile and 'aria-label="Trended requests' in tile
    assert tile.count("<rect ") == 12 and tile.count('class="dash-now"') == 1
    assert 'y="2.0" width="7" height="32.0"><title>2026-11: 6</title>' in tile
    assert 'class="dash-now"><title>2026-12: 3</title>' in tile
    rows = re.findall(r'<tr><th scope="row">([\d-]+)</th><td>([^<]*)</td></tr>', tile)
    assert rows[0] == ("2026-01", "0") and rows[-2:] == [("2026-11", "6"), ("2026-12", "3")]
    # The tiles of figures without a cheap trend have no chart.
    assert not metrics.get("desk.cases_open").trended
    plain = body[body.index('data-metric="desk.cases_open"'):]
    assert "<svg" not in plain[:plain.index("</li>")]


def test_the_dashboard_reads_the_place_it_is_given(personas: dict[str, User],
                                                   grid_a: Any) -> None:
    groups = dashboard(personas["head"], Place.grid(grid_a.pk), DEMO_TODAY)
    codes = {t.metric.code for g in groups for t in g.tiles}
    assert "engage.cards_issued" not in codes  # not taken per grid
    assert "desk.cases_opened" in codes


def test_head_counts_say_today_and_flows_this_month(personas: dict[str, User]) -> None:
    """Households and people are counted on the day (today), not over the
    month; cases opened are this month's so far."""
    client = Client()
    client.force_login(personas["head"])
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    captions = dict(re.findall(r'data-metric="([^"]+)">.*?<span class="dash-caption">([^<]*)<',
                               body, re.S))
    assert captions["registry.households"] == captions["registry.people"] == "Today"
    assert captions["desk.cases_opened"] == "This month so far"
    assert metrics.get("registry.people").on_last_day
    assert not metrics.get("desk.cases_opened").on_last_day


@pytest.mark.parametrize("unit", list(Unit))
def test_a_reader_without_the_permission_reads_no_figure_but_zero_records(
        unit: Unit, personas: dict[str, User]) -> None:
    """Without the permission a count is 0 records, and a rate or a time is no
    figure at all (not 0 %, not 0 days), month by month too."""
    metric = Metric(code="tests.blank", name="t", description="t", unit=unit, model=Case,
                    records=lambda actor, period, place: Case.objects.all(),
                    value=None if unit == Unit.COUNT else (lambda a, p, pl: 42),
                    permission=Perm.MANAGE_STAFF)
    outsider = personas["gridworker"]
    assert not outsider.has(Perm.MANAGE_STAFF)
    month = Period(DEMO_TODAY.replace(day=1), DEMO_TODAY, DEMO_TODAY)
    expected = 0 if unit == Unit.COUNT else None
    assert metric.read(outsider, month, Place.district()) == expected
    assert metric.series(outsider, month, Place.district()) == [(month, expected)]
