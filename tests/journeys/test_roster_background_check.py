"""Journey: a grid worker uploads a roster too large to check in the request. The
page says it is checked in the background and updates itself; the tick job runs
the check; the page reloads itself with the result, and the import goes on as
usual, in the background as well. On a 360 px phone, in Chromium."""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone

from jiayuan.places.models import Building
from jiayuan.registry.models import Person
from jiayuan.sheets.jobs import step_import_checks, step_import_commits
from jiayuan.sheets.models import CheckState
from tests.journeys.conftest import PHONE, assert_audit_intact, browser, login, shot
from tests.journeys.test_roster_import import count, fits, upload, workbook

__all__ = ["browser"]


def test_a_large_roster_is_checked_in_the_background_and_the_page_follows_it(
        live_server: Any, personas: dict, grid_a: Any, browser: Any, settings: Any) -> None:
    settings.IMPORT_BACKGROUND_ROWS = 2  # the first unit sheet has 4 rows
    Building.objects.get_or_create(grid=grid_a, number="3")
    base = live_server.url
    page = login(browser, live_server, "gridworker", viewport=PHONE)

    # 1. The upload queues the check; the page says so, and polls its progress.
    progress = re.compile(r".*/sheets/imports/\d+/progress/$")
    with page.expect_response(progress):  # its first poll, answered
        batch = upload(page, base, "第一网格花名册.xlsx", workbook())
        assert page.locator("#check-progress").is_visible()
        assert "后台" in page.locator("#check-progress").inner_text()
    batch.refresh_from_db()
    assert batch.check_state == CheckState.QUEUED and not batch.check_rows.exists()
    fits(page)
    shot(page, "roster-background-check-1-queued-360")

    # 2. The tick job runs it (between two polls); the page reloads itself.
    assert step_import_checks(timezone.now()) == 1
    page.wait_for_selector("#check dl.counts", timeout=15_000)
    assert count(page, "new") == "3" and count(page, "rejected") == "1"
    assert page.locator("#check-progress").count() == 0
    fits(page)
    shot(page, "roster-background-check-2-checked-360")

    # 3. The import of so large a file goes to the background too (since 0.12): the
    # page says so and polls; the tick job imports it; the page reloads itself.
    page.click("#commit button.primary[type=submit]")
    page.wait_for_url(f"{base}/sheets/imports/{batch.pk}/")
    assert "后台导入" in page.locator("#commit-progress").inner_text()
    fits(page)
    shot(page, "roster-background-check-3-importing-360")
    with page.expect_response(progress):  # it polls
        pass
    assert step_import_commits(timezone.now()) == 1
    page.wait_for_selector(".status-committed", timeout=15_000)
    assert Person.objects.filter(import_batch_id=batch.pk).count() == 3
    batch.refresh_from_db()
    assert not batch.check_rows.exists()
    assert_audit_intact()
