"""The period report's page (/reports/): the form, the screen report, the
downloads and the audit entry of every run, on the tiny demo."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from jiayuan.core.models import AuditAction, AuditEntry, User
from jiayuan.places.models import Grid
from jiayuan.reports import report as rpt
from jiayuan.reports.models import ReportRun
from tests.shared_data import demo_once

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_today")]

demo_loaded = demo_once(seed=1)

# DEMO_TODAY is 6 December 2026: the last finished quarter is the third.
Q3 = {"kind": "quarter", "year": "2026", "quarter": "3"}


def client_for(username: str, language: str = "") -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def figures_on(page: str) -> dict[str, str]:
    """Each figure's text on the page, by metric code."""
    rows = re.findall(r'<tr data-metric="([^"]+)">.*?<td class="figure">(.*?)</td>', page,
                      re.S)
    return {code: html.unescape(text).strip() for code, text in rows}


def last_entry(**filters: Any) -> AuditEntry:
    entry = AuditEntry.objects.filter(**filters).order_by("-seq").first()
    assert entry is not None, filters
    return entry


def writer_ready(fmt: str) -> bool:
    """False while the branch holds the stub that raises NotImplementedError."""
    from jiayuan.reports import pdf, xlsx
    empty = rpt.Report(rpt.default_params(date(2026, 12, 6)), [], None, 10)
    try:
        (xlsx.write if fmt == "xlsx" else pdf.render)(empty)
    except NotImplementedError:
        return False
    except Exception:  # noqa: BLE001 (a real writer may refuse an empty report: it exists)
        return True
    return True


@pytest.mark.xdist_group("reports-page")
class TestTheReportPage:
    def test_it_opens_on_the_last_finished_quarter_for_the_whole_area(
            self, demo_loaded: str) -> None:
        response = client_for("head").get(reverse("report"))
        assert response.status_code == 200
        page = response.content.decode()
        assert 'name="kind" value="quarter" checked' in page
        assert 'name="year" value="2026"' in page
        assert '<option value="3" selected>' in page
        params = response.context["params"]
        assert (params.period.start, params.period.end) == (date(2026, 7, 1), date(2026, 9, 30))
        assert params.place == rpt.Place.district()
        # The one click: the files' links carry the same report.
        query = urlencode(params.query()).replace("&", "&amp;")
        assert f'href="{reverse("report_xlsx")}?{query}"' in page
        assert f'href="{reverse("report_pdf")}?{query}"' in page

    def test_it_speaks_the_readers_language_and_the_navigation_leads_to_it(
            self, demo_loaded: str) -> None:
        home = client_for("head").get(reverse("home")).content.decode()
        assert f'href="{reverse("report")}"' in home
        # The demo's head heads one community: the heading names it.
        community = User.objects.get(username="head").community.name
        chinese = client_for("head").get(reverse("report"), Q3).content.decode()
        assert f"2026年第3季度 · {community}" in chinese and "查看报表" in chinese
        traditional = client_for("head", "zh-hant").get(reverse("report"), Q3).content.decode()
        assert f"2026年第3季度 · {community}" in traditional and "查看報表" in traditional
        english = client_for("head", "en").get(reverse("report"), Q3).content.decode()
        assert f"2026 Q3 · {community}" in english

    def test_its_figures_are_the_reports_and_the_run_is_audited_with_the_digest(
            self, demo_loaded: str) -> None:
        head = User.objects.get(username="head")
        response = client_for("head").get(reverse("report"), Q3)
        assert response.status_code == 200
        shown = figures_on(response.content.decode())
        params = rpt.parse(head, Q3, today=date(2026, 12, 6))
        built = rpt.build(head, params)
        expected = {line.metric.code: line.text for s in built.sections for line in s.lines}
        assert len(expected) >= 10
        assert shown == expected
        assert any(text not in ("0", "—") for text in shown.values())
        entry = last_entry(object_type="reports.report")
        assert entry.action == AuditAction.PRINT and entry.actor_id == head.pk
        assert entry.changes["format"] == "screen"
        assert entry.changes["period"] == "2026-07-01/2026-09-30"
        assert entry.changes["digest"] == built.digest

    def test_each_figure_links_to_its_records(self, demo_loaded: str) -> None:
        response = client_for("head").get(reverse("report"), Q3)
        report = response.context["report"]
        page = response.content.decode()
        for line in report.sections[0].lines:
            assert f'href="{html.escape(line.url)}"' in page

    def test_a_grid_worker_reports_on_their_grid_and_not_another(
            self, demo_loaded: str) -> None:
        worker = User.objects.get(username="gridworker")
        mine = Grid.objects.filter(pk__in=worker.grids.values("pk")).first()
        other = Grid.objects.exclude(pk__in=worker.grids.values("pk")).first()
        client = client_for("gridworker", "en")
        ok = client.get(reverse("report"), {**Q3, "place": f"grid:{mine.pk}"})
        assert ok.status_code == 200 and ok.context["params"].place == rpt.Place.grid(mine.pk)
        refused = client.get(reverse("report"), {**Q3, "grid": str(other.pk)})
        assert refused.status_code == 400
        assert "That grid is not one of yours." in refused.content.decode()
        assert refused.context["report"] is None

    @pytest.mark.parametrize(("query", "message"), [
        ({"kind": "custom", "start": "2026-05-01", "end": "2026-04-01"},
         "The last day (2026-04-01) is before the first day (2026-05-01)."),
        ({"kind": "custom", "start": "2027-01-01", "end": "2027-02-01"},
         "The first day (2027-01-01) is in the future"),
        ({"kind": "decade", "year": "2026"}, "Choose a month, a quarter, a year or your own dates."),
        ({"kind": "quarter", "year": "２０２６", "quarter": "1"}, "The year must be a whole number."),
        ({"kind": "month", "year": "2026", "month": "²"}, "The month must be a whole number."),
        ({"kind": "quarter", "year": "2026", "quarter": "5"}, "A quarter is numbered 1 to 4"),
        ({"kind": "custom", "start": "26/1/1", "end": "2026-02-01"}, "is not a date"),
        ({**Q3, "community": "999999"}, "That community is not one of yours."),
        ({**Q3, "place": "street:1"}, "Choose the whole area, a community or a grid."),
        ({**Q3, "grid": "1", "community": "1"}, "Choose a grid or a community, not both."),
    ])
    def test_bad_input_comes_back_on_the_form_with_its_message(
            self, demo_loaded: str, query: dict[str, str], message: str) -> None:
        response = client_for("head", "en").get(reverse("report"), query)
        assert response.status_code == 400
        assert message in html.unescape(response.content.decode())
        assert 'name="kind"' in response.content.decode()  # the form, to correct it

    def test_an_account_that_reads_no_figure_is_refused_and_audited(
            self, demo_loaded: str) -> None:
        nobody = User.objects.create_user(username="reads-nothing", password="x-x-x-x-x-1",
                                          role="")
        client = Client()
        client.force_login(nobody)
        for name in ("report", "report_xlsx", "report_pdf", "report_runs", "report_run_file"):
            assert client.get(reverse(name), Q3).status_code == 403
            entry = last_entry(action=AuditAction.DENIED)
            assert entry.actor_id == nobody.pk and entry.object_id == "reports"

    def test_the_downloads_without_a_report_named_go_to_the_form(
            self, demo_loaded: str) -> None:
        client = client_for("head")
        for name in ("report_xlsx", "report_pdf"):
            response = client.get(reverse(name))
            assert response.status_code == 302 and response["Location"] == reverse("report")

    @pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
    def test_a_download_is_the_same_report_and_is_audited_with_its_digest(
            self, demo_loaded: str, fmt: str) -> None:
        if not writer_ready(fmt):
            pytest.skip(f"the {fmt} writer is still a stub (NotImplementedError)")
        head = User.objects.get(username="head")
        response = client_for("head").get(reverse(f"report_{fmt}"), Q3)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert "jiayuan-report-2026-07-01-2026-09-30." + fmt in response["Content-Disposition"]
        if fmt == "xlsx":
            assert response["Content-Disposition"].startswith("attachment;")
            assert response.content[:2] == b"PK"
        else:
            assert response["Content-Type"] == "application/pdf"
            assert response.content[:5] == b"%PDF-"
        entry = last_entry(object_type="reports.report")
        assert entry.action == (AuditAction.EXPORT if fmt == "xlsx" else AuditAction.PRINT)
        assert entry.changes["format"] == fmt
        rebuilt = rpt.build(head, rpt.parse(head, Q3, today=date(2026, 12, 6)))
        assert entry.changes["digest"] == rebuilt.digest

    def test_a_whole_year_of_the_whole_area_is_not_built_in_the_request(
            self, demo_loaded: str) -> None:
        client = client_for("head")
        year = {"kind": "year", "year": "2026"}
        before = AuditEntry.objects.filter(object_type="reports.report").count()
        page = client.get(reverse("report"), year)
        assert page.status_code == 200 and page.context["report"] is None
        assert page.context["background"] is True
        assert AuditEntry.objects.filter(object_type="reports.report").count() == before
        response = client.get(reverse("report_xlsx"), year)
        run = ReportRun.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('report_runs')}?run={run.pk}"
        assert run.params == {"kind": "year", "year": "2026"} and run.state == "queued"
        # Following the link again, while it waits, is the same run.
        client.get(reverse("report_xlsx"), year)
        assert ReportRun.objects.count() == 1
        status = client.get(response["Location"])
        assert status.status_code == 200 and status["Refresh"] == "5"
        assert 'id="run-status"' in status.content.decode()
        assert 'http-equiv="refresh"' in status.content.decode()
        # Nobody else sees it (404, audited as a look at something out of reach).
        other = client_for("caseworker")
        assert other.get(reverse("report_runs"), {"run": run.pk}).status_code == 404
        assert last_entry(action=AuditAction.DENIED).object_type == "reports.reportrun"
        assert other.get(reverse("report_run_file"), {"run": run.pk}).status_code == 404
        # The file is not there yet: its page again.
        early = client.get(reverse("report_run_file"), {"run": run.pk})
        assert early.status_code == 302 and early["Location"].endswith(f"?run={run.pk}")
