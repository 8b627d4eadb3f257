"""The metric registry (jiayuan.core.metrics): periods, places, who is offered
which metric, and docs/metrics.md kept in step with the definitions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import translation

from jiayuan.core import metrics
from jiayuan.core.management.commands.metrics_doc import DOC, render
from jiayuan.core.metric_parts import axes
from jiayuan.core.metrics import MetricError, Period, Place, PlaceKind, Unit
from jiayuan.core.roles import PERMISSIONS, Role
from jiayuan.registry.models import Household

TODAY = date(2026, 3, 15)


@pytest.fixture(autouse=True)
def english() -> Any:
    """The messages are checked in English (zh-Hans is the default)."""
    with translation.override("en"):
        yield


# --- periods -------------------------------------------------------------------------

def test_it_builds_months_quarters_and_years() -> None:
    assert Period.month(2024, 2, today=TODAY) == Period(date(2024, 2, 1), date(2024, 2, 29),
                                                        TODAY)
    assert Period.quarter(2025, 4, today=TODAY).start == date(2025, 10, 1)
    assert Period.quarter(2025, 4, today=TODAY).end == date(2025, 12, 31)
    assert Period.quarter(2026, 1, today=TODAY).end == date(2026, 3, 31)  # ends ahead: fine
    assert Period.year(2025, today=TODAY) == Period(date(2025, 1, 1), date(2025, 12, 31), TODAY)
    one_day = Period.custom(TODAY, TODAY, today=TODAY)
    assert (one_day.until - one_day.since).days == 1
    assert one_day.since.isoformat().startswith("2026-03-15T00:00:00+08:00")


def test_it_refuses_an_end_before_the_start() -> None:
    with pytest.raises(ValueError, match=r"last day \(2026-03-01\) is before the first day "
                                         r"\(2026-03-10\)"):
        Period.custom(date(2026, 3, 10), date(2026, 3, 1), today=TODAY)


def test_it_refuses_a_start_in_the_future() -> None:
    with pytest.raises(ValueError, match=r"first day \(2026-03-16\) is in the future"):
        Period.custom(date(2026, 3, 16), date(2026, 3, 20), today=TODAY)
    with pytest.raises(ValueError, match="in the future"):
        Period.month(2026, 4, today=TODAY)


@pytest.mark.parametrize("call", [lambda: Period.month(2026, 13, today=TODAY),
                                  lambda: Period.quarter(2026, 0, today=TODAY),
                                  lambda: Period("2026-01-01", date(2026, 1, 2), TODAY)])
def test_it_refuses_impossible_periods_with_a_message(call: Any) -> None:
    with pytest.raises(ValueError) as excinfo:
        call()
    assert str(excinfo.value)


def test_it_refuses_places_without_an_id() -> None:
    with pytest.raises(ValueError, match="Say which grid"):
        Place(PlaceKind.GRID)
    with pytest.raises(ValueError):
        Place.community(0)
    with pytest.raises(ValueError):
        Place(PlaceKind.DISTRICT, 3)
    assert Place.grid(7).query() == {"grid": 7}
    assert Place.district().query() == {}


# --- the registry --------------------------------------------------------------------

def test_it_holds_a_metric_for_each_area_the_brief_names() -> None:
    codes = {m.code for m in metrics.all_metrics()}
    for code in ("registry.households.floating", "registry.people.floating",
                 "desk.cases_opened", "desk.cases_open", "desk.cases_due", "desk.cases_overdue",
                 "desk.first_response_on_time", "desk.resolution_on_time",
                 "desk.follow_up_satisfied", "care.duties_due", "care.duties_overdue",
                 "care.duties_on_time", "care.disputes_open", "care.disputes_resolved",
                 "care.disputes_escalated", "care.pairings_active", "civic.meetings_held",
                 "civic.suggestions.adopted", "civic.projects.done", "engage.volunteer_hours",
                 "engage.activities_held", "engage.attendance", "engage.cards_issued",
                 "desk.days_to_first_response_median", "desk.days_to_first_response_p90",
                 "desk.days_to_resolution_median", "desk.days_to_resolution_p90",
                 "care.visits", "care.pairings_quiet", "engage.volunteers_active"):
        assert code in codes
    # Lower layers first, as the apps are installed.
    order = [m.code.split(".")[0] for m in metrics.all_metrics()]
    assert order.index("registry") < order.index("desk") < order.index("care")


def test_an_unknown_metric_is_a_clear_error() -> None:
    with pytest.raises(MetricError, match="There is no figure called “desk.nope”"):
        metrics.get("desk.nope")


def test_a_code_is_registered_once() -> None:
    from django.core.exceptions import ImproperlyConfigured

    taken = metrics.get("registry.households")
    twin = metrics.Metric(code=taken.code, name="x", description="x", unit=Unit.COUNT,
                          model=Household, permission=taken.permission,
                          records=lambda actor, period, place: Household.objects.none())
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        metrics.register(twin)
    assert metrics.get("registry.households") is taken


def test_a_rate_needs_a_value_of_its_own() -> None:
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        metrics.Metric(code="x.rate", name="x", description="x", unit=Unit.PERCENT,
                       model=Household, permission=metrics.Perm.VIEW_REGISTRY,
                       records=lambda actor, period, place: Household.objects.none())


def test_a_place_a_metric_is_not_counted_for_is_a_clear_error(personas: Any, grid_a: Any) -> None:
    cards = metrics.get("engage.cards_issued")
    period = Period.month(2026, 1, today=TODAY)
    assert not cards.accepts(Place.grid(grid_a.pk))
    assert cards.url(period, Place.grid(grid_a.pk)) is None
    with pytest.raises(MetricError, match="not counted per grid"):
        cards.read(personas["head"], period, Place.grid(grid_a.pk))


# --- permissions ----------------------------------------------------------------------

@pytest.mark.parametrize("role", list(Role.values))
def test_it_offers_each_role_only_the_metrics_its_permissions_allow(personas: Any,
                                                                     role: str) -> None:
    user = next(u for u in personas.values() if u.role == role)
    offered = {m.code for m in metrics.for_reader(user)}
    expected = {m.code for m in metrics.all_metrics() if m.permission in PERMISSIONS[role]}
    assert offered == expected
    for metric in metrics.all_metrics():
        if metric.code not in offered:
            period = Period.month(2026, 1, today=TODAY)
            assert not metric.rows(user, period, Place.district()).exists()


@pytest.mark.parametrize("role", list(Role.values))
def test_reads_any_is_whether_the_role_is_offered_a_metric(personas: Any, role: str) -> None:
    """The one rule behind the menu's Reports link, the reports page's door and
    the home page's figures."""
    user = next(u for u in personas.values() if u.role == role)
    offered = any(m.permission in PERMISSIONS[role] for m in metrics.all_metrics())
    assert metrics.reads_any(user) is offered


def test_reads_any_is_false_signed_out_and_for_a_role_without_figures(
        personas: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.contrib.auth.models import AnonymousUser
    assert metrics.reads_any(AnonymousUser()) is False
    assert metrics.reads_any(None) is False
    head = personas["head"]
    assert metrics.reads_any(head) is True
    monkeypatch.setattr(metrics, "for_reader", lambda actor, place=None: [])
    assert metrics.reads_any(head) is False


def test_roles_without_a_permission_miss_exactly_those_metrics(personas: Any) -> None:
    gridworker = {m.code for m in metrics.for_reader(personas["gridworker"])}
    assert "desk.cases_open" in gridworker
    assert "desk.first_response_on_time" not in gridworker  # view_desk_stats
    assert "care.duties_on_time_rate" not in gridworker  # view_care_stats
    admin = {m.code for m in metrics.for_reader(personas["admin"])}
    assert admin == {m.code for m in metrics.all_metrics() if m.code.startswith("registry.")}
    coordinator = {m.code for m in metrics.for_reader(personas["coordinator"])}
    assert "care.disputes_open" not in coordinator
    assert "engage.volunteer_hours" in coordinator
    grid = Place.grid(personas["gridworker"].grids.get().pk)
    assert "engage.cards_issued" not in {m.code for m in
                                         metrics.for_reader(personas["head"], grid)}


def test_a_reader_without_the_permission_reads_nothing(personas: Any, household: Any) -> None:
    period = Period.month(2026, 1, today=TODAY)
    metric = metrics.get("desk.first_response_on_time")
    assert metric.read(personas["admin"], period, Place.district()) is None
    assert metrics.get("care.duties_due").read(personas["admin"], period,
                                               Place.district()) == 0


# --- docs/metrics.md ---------------------------------------------------------------------

def test_docs_metrics_md_is_generated_from_the_definitions() -> None:
    text = render()
    assert DOC.read_text(encoding="utf-8") == text, (
        "docs/metrics.md is out of date: run `manage.py metrics_doc` and commit it.")


def test_the_document_names_every_metric_with_its_permission() -> None:
    text = render()
    for metric in metrics.all_metrics():
        assert f"### `{metric.code}`" in text
    assert "| Permission | `view_desk_stats` |" in text
    assert "| Filters | place: district, community, grid |" in text  # a snapshot
    assert "| Filters | period; place: district, community |" in text  # the cards


def test_the_document_names_every_breakdown_with_its_flags() -> None:
    text = render()
    codes = [b.code for b in metrics.all_breakdowns()]
    for code in ("desk.outcomes", "desk.channels", "care.visits_by_reason",
                 "care.disputes_by_outcome", "civic.projects_by_status",
                 "registry.people_by_residency", "registry.people_by_ethnicity"):
        assert code in codes
        assert f"### `{code}`" in text
    ethnic = text.split("### `registry.people_by_ethnicity`")[1].split("###")[0]
    assert "| Counts people | yes" in ethnic and "| Sensitive | yes" in ethnic
    assert "| Permission | `view_registry` and `view_sensitive` |" in ethnic
    outcomes = text.split("### `desk.outcomes`")[1].split("###")[0]
    assert "| Rows | Job found, School place," in outcomes and "| Columns | Cases |" in outcomes
    assert "| Counts people | no |" in outcomes
    assert "| Trend | one grouped query |" in text and "| Trend | none: a figure of today |" in text


def test_every_breakdown_says_what_its_rows_and_columns_are() -> None:
    for breakdown in metrics.all_breakdowns():
        rows, columns = axes(breakdown)
        assert rows and columns, breakdown.code
        if breakdown.sensitive:
            assert breakdown.people, breakdown.code  # sensitive categories of people
