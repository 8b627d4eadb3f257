"""Journey: the dashboard on a phone, and the place picker on a desk.

顾建平, the grid worker of the first grid, signs in on his phone (360 px) and
lands on the dashboard: the figures of his grid, named in the heading. He taps
"requests received" and reaches the list of those requests: as many as the
figure he tapped. The station head, at her desk, reads the community's
figures, picks the first grid in the place picker, and the figures change to
that grid's: its households are the grid worker's.

The data is the tiny demo for DEMO_TODAY, loaded with the clock there (set-up);
every step a user takes is a click in Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from jiayuan.core import scope
from jiayuan.core.models import User
from tests.conftest import DEMO_TODAY, station_moment
from tests.journeys.conftest import (  # noqa: F401 (browser is a fixture)
    DESKTOP,
    PASSWORD,
    PHONE,
    assert_audit_intact,
    browser,
    login,
    restore_seed_data,
    shot,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tiny_demo(transactional_db: Any) -> Iterator[None]:
    restore_seed_data()  # an earlier journey on this worker flushed them
    with time_machine.travel(station_moment(DEMO_TODAY), tick=True):
        call_command("demo", scale="tiny", today=DEMO_TODAY, seed=1, stdout=StringIO())
        for name in ("gridworker", "head"):
            user = User.objects.get(username=name)
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        yield


def figures(page: Any) -> dict[str, str]:
    """{metric code: the figure its tile shows}."""
    tiles = page.locator("li.dash-tile")
    return {tiles.nth(i).get_attribute("data-metric"):
            tiles.nth(i).locator(".dash-figure").inner_text().strip()
            for i in range(tiles.count())}


def test_a_grid_worker_taps_a_figure_and_finds_that_many_records(
        live_server: Any, tiny_demo: None, browser: Any) -> None:  # noqa: F811
    base = live_server.url
    worker = User.objects.get(username="gridworker")
    grid = scope.grids_for(worker).get()

    # 1. On his phone: signed in, he lands on the dashboard of his grid.
    page = login(browser, live_server, "gridworker", viewport=PHONE)
    assert page.url == f"{base}/"
    heading = page.locator("#dash-heading").inner_text()
    assert grid.code in heading, heading
    assert page.locator("select[name=place]").count() == 0  # one grid: nothing to pick
    mine = figures(page)
    assert int(mine["desk.cases_opened"]) > 0 and int(mine["registry.households"]) > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "dashboard-gridworker-360")

    # 2. He taps "requests received": the list of exactly those requests.
    tile = page.locator("li[data-metric='desk.cases_opened'] a.dash-link")
    with page.expect_navigation():
        tile.click()
    assert re.search(r"/figures/desk\.cases_opened/\?start=\d{4}-\d\d-01&end=", page.url)
    page.locator("ol.dash-records").wait_for()
    assert page.locator("#figure-value").inner_text().strip() == mine["desk.cases_opened"]
    assert page.locator("ol.dash-records > li").count() == int(mine["desk.cases_opened"])
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "dashboard-records-360")

    # 3. A record opens: the case page, in his scope.
    with page.expect_navigation():
        page.locator("ol.dash-records > li a").first.click()
    assert re.search(r"/desk/cases/\d+/$", page.url), page.url
    page.context.close()

    # 4. The head at her desk: the community's figures, then the first grid's.
    page = login(browser, live_server, "head", viewport=DESKTOP)
    whole = figures(page)
    assert int(whole["registry.households"]) > int(mine["registry.households"])
    shot(page, "dashboard-head-desktop")
    page.select_option("select[name=place]", value=f"grid:{grid.pk}")
    with page.expect_navigation():
        page.locator("form.dash-place button").click()
    page.wait_for_url(re.compile(rf".*\?place=grid%3A{grid.pk}$"))
    assert grid.code in page.locator("#dash-heading").inner_text()
    one = figures(page)
    assert one != whole
    assert one["registry.households"] == mine["registry.households"]
    assert one["registry.people"] == mine["registry.people"]
    assert page.locator("select[name=place]").input_value() == f"grid:{grid.pk}"
    shot(page, "dashboard-head-grid-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "dashboard-head-grid-360")
    page.context.close()

    assert_audit_intact()
