"""The export page and the download, for every persona and for forged posts."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from jiayuan.core.models import AuditEntry
from tests.conftest import ZHENG_ID
from tests.journeys.conftest import browser  # noqa: F401 (fixture)

ALLOWED = {"head", "caseworker", "gridworker", "auditor", "outsider"}
REASON = "Checking the permit list for renewals"


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def exports() -> int:
    return AuditEntry.objects.filter(action="export").count()


def body(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def download(user: Any, **data: Any) -> Any:
    data.setdefault("dataset", "people")
    data.setdefault("format", "csv")
    return client_for(user).post(reverse("export_download"), data)


def test_it_gives_each_persona_the_page_or_403(household, personas):
    url = reverse("export_page")
    for role, user in personas.items():
        status = client_for(user).get(url).status_code
        assert status == (200 if role in ALLOWED else 403), role


def test_it_gives_each_persona_the_file_or_403(household, personas):
    for role, user in personas.items():
        response = download(user)
        expected = 200 if role in ALLOWED else 403
        assert response.status_code == expected, role
        if expected == 200:
            assert response["Content-Disposition"].startswith("attachment;")
            body(response)
    assert exports() == len(ALLOWED)
    denied = AuditEntry.objects.filter(action="denied", object_id="export_data")
    assert set(denied.values_list("actor_username", flat=True)) == {"mediator", "coordinator",
                                                                     "admin"}


def test_anonymous_visitors_are_sent_to_login():
    for response in (Client().get(reverse("export_page")),
                     Client().post(reverse("export_download"), {"dataset": "people"})):
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_download_answers_only_posts(head):
    assert client_for(head).get(reverse("export_download")).status_code == 405


def test_the_page_offers_only_the_columns_the_role_may_see(personas):
    url = reverse("export_page") + "?dataset=people"
    page = client_for(personas["head"]).get(url).content.decode()
    assert 'value="id_number_whole"' in page and 'value="circumstances"' in page
    assert 'value="ethnicity"' not in page
    page = client_for(personas["gridworker"]).get(url).content.decode()
    assert 'value="id_number_whole"' not in page and 'value="phone_whole"' in page
    page = client_for(personas["auditor"]).get(url).content.decode()
    assert 'name="sensitive"' not in page and 'name="reason"' not in page
    assert "does not include sensitive columns" in page


def test_the_page_offers_only_the_grids_in_scope(grid_a, grid_b, personas):
    page = client_for(personas["outsider"]).get(reverse("export_page")).content.decode()
    assert f'value="{grid_b.pk}"' in page and f'value="{grid_a.pk}"' not in page


def test_the_page_shows_the_chosen_lists_filters(personas):
    client = client_for(personas["head"])
    page = client.get(reverse("export_page") + "?dataset=cases").content.decode()
    assert 'name="since"' in page and 'name="include_moved_out"' not in page
    assert 'aria-current="page">Cases<' in page
    page = client.get(reverse("export_page") + "?dataset=households").content.decode()
    assert 'name="since"' not in page and 'name="include_moved_out"' in page
    page = client.get(reverse("export_page") + "?dataset=nonsense").content.decode()
    assert 'value="households"' in page  # falls back to the first list


@pytest.mark.parametrize("data,field,message", [
    ({"sensitive": "circumstances"}, "reason", "Say why you need the sensitive columns"),
    ({"sensitive": "circumstances", "reason": "because"}, "reason", "at least 10 characters"),
    ({"dataset": "staff"}, "dataset", "Choose one of the lists offered."),
    ({"format": "pdf"}, "format", "Choose Excel (.xlsx) or CSV."),
    ({"sensitive": "religion", "reason": REASON}, "sensitive", "“religion”"),
    ({"dataset": "cases", "since": "2026-02-01", "until": "2026-01-01"}, "until",
     "The end date is before the start date."),
])
def test_a_bad_form_comes_back_with_its_message_and_exports_nothing(
        household, head, data, field, message):
    response = download(head, **data)
    assert response.status_code == 400
    assert "Content-Disposition" not in response
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert exports() == 0


def test_a_grid_outside_the_scope_is_refused(household, grid_a, personas):
    response = download(personas["outsider"], grid=grid_a.pk)
    assert response.status_code == 400
    assert "That grid is not one of yours" in response.content.decode()
    assert ZHENG_ID not in response.content.decode() and "鄭容哲" not in response.content.decode()
    assert exports() == 0


def test_a_forged_sensitive_column_is_refused(household, personas):
    for role, column in (("gridworker", "id_number_whole"), ("auditor", "circumstances")):
        response = download(personas[role], sensitive=column, reason=REASON)
        assert response.status_code == 400, role
        assert "may not export the column" in response.content.decode()
    assert exports() == 0


def test_the_csv_download_is_utf8_with_bom_and_parses_back(household, head):
    response = download(head, sensitive=["id_number_whole", "circumstances"], reason=REASON)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('.csv"')
    assert 'filename="jiayuan-people-' in response["Content-Disposition"]
    data = body(response)
    assert data[:3] == b"\xef\xbb\xbf"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8")[1:], newline="")))
    assert rows[0][3] == "Name" and "Circumstances" in rows[0] and "Ethnic group" not in rows[0]
    assert [r[3] for r in rows[1:]] == ["鄭容哲", "金英姬", "郑民浩"]
    assert ZHENG_ID in [r[6] for r in rows[1:]]
    entry = AuditEntry.objects.get(action="export")
    assert entry.changes["rows"] == 3 and entry.changes["reason"] == REASON


def test_the_xlsx_download_opens_with_the_header_in_the_users_language(household, head):
    for language, name in (("en", "Name"), ("zh-hans", "姓名")):
        client = client_for(head)
        response = client.post(reverse("export_download"),
                               {"dataset": "people", "format": "xlsx"},
                               HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert response["Content-Type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        assert 'filename="jiayuan-people-' in response["Content-Disposition"]
        ws = load_workbook(io.BytesIO(body(response))).worksheets[0]
        assert ws.cell(row=1, column=4).value == name
        assert ws.max_row == 4
    assert exports() == 2


def test_the_outsider_downloads_only_grid_b(household, household_b, personas):
    data = body(download(personas["outsider"])).decode("utf-8-sig")
    assert "马忠华" in data and "鄭容哲" not in data


@pytest.mark.browser
def test_a_grid_worker_downloads_a_list_on_a_360px_phone(live_server, household, personas,
                                                         browser):  # noqa: F811
    from tests.e2e.test_browser import ARTIFACTS, phone_logged_in
    from tests.journeys.conftest import give_code

    page = phone_logged_in(browser, live_server, "gridworker")
    page.goto(f"{live_server.url}{reverse('export_page')}?dataset=people")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "export-360.png"), full_page=True)

    page.check("input[name=sensitive][value=phone_whole]")
    page.click("form.card button[type=submit]")  # no reason: the form comes back
    page.locator("#id_reason_error").wait_for(timeout=10_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert exports() == 0

    page.fill("#id_reason", "给居民打电话核对居住证到期")
    # Sensitive columns: "confirm it is you" first (jiayuan.core.reauth), then back
    # to the form, ticked again.
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/account/confirm/**")
    assert exports() == 0
    give_code(page, "gridworker")
    page.wait_for_url(f"{live_server.url}{reverse('export_page')}?dataset=people")
    page.check("input[name=sensitive][value=phone_whole]")
    page.fill("#id_reason", "给居民打电话核对居住证到期")
    with page.expect_download() as info:
        page.click("form.card button[type=submit]")
    download_ = info.value
    assert download_.suggested_filename.startswith("jiayuan-people-")
    with open(download_.path(), "rb") as f:
        ws = load_workbook(f).worksheets[0]
    assert [c.value for c in ws[1]][3] == "姓名"
    assert "13812345678" in [c.value for c in ws["H"]]
    assert exports() == 1
