"""Journey: the station head, on a phone, reads what the next scheduled run
will archive or delete (/rights/retention/), then the run happens and the page
shows nothing left for it; the audit log shows one entry for the rule."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from jiayuan.core.models import AuditEntry
from jiayuan.registry import services as registry
from jiayuan.rights import retention
from tests.journeys.conftest import PHONE, assert_audit_intact, login, shot


def test_the_head_reads_the_retention_report_before_the_run(live_server, household, personas,
                                                            browser):
    gone_on = timezone.localdate() - timedelta(days=3 * 366)
    registry.household_move_out(actor=personas["head"], household=household, on=gone_on)
    page = login(browser, live_server, "head", viewport=PHONE)
    page.goto(f"{live_server.url}/rights/retention/")
    card = page.locator("#rule-households")
    assert card.locator("[data-count=now]").inner_text() == "1"
    assert gone_on.isoformat() in card.inner_text()
    assert "鄭容哲" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "retention-1-report-360")

    call_command("tick", "--only", "retention", stdout=StringIO())
    page.reload()
    assert page.locator("#rule-households [data-count=now]").inner_text() == "0"
    assert AuditEntry.objects.filter(object_type=retention.OBJECT_TYPE,
                                     object_id="households").count() == 1
    assert_audit_intact()
