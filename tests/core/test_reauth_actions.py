"""`reauth.requires_recent_confirmation` on the actions that came without it:
an erasure, a head's reset of a second factor, and the rows-to-fix download of
an import (whose ID and phone cells are masked for an account that may not
reveal them whole)."""

from __future__ import annotations

import io
from datetime import date
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import load_workbook

from jiayuan.core import reauth
from jiayuan.core.models import AuditEntry
from jiayuan.lib.idcard import make_id_number, mask_id_number
from jiayuan.registry.models import Person
from jiayuan.sheets import selectors
from jiayuan.sheets.report import write_rows_to_fix
from tests.core.test_twofactor import device_for
from tests.core.test_twofactor_reauth import clock, stale  # noqa: F401
from tests.rights.test_erasure_views import SPOUSE, form
from tests.sheets.test_import_views import building3, uploaded  # noqa: F401
from tests.sheets.test_importer import FAMILIES, csv_bytes

WU = make_id_number("650102", date(1990, 1, 1), 44)  # female
# Rejected for its phone number: the rows-to-fix file has it, ID number included.
BAD_ROW = ["吴芳", "女", "1990-01-01", WU, "12345", "3", "1", "603", "户主", "户籍"]


def client_for(user: Any, *, confirmed: bool = True) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    if not confirmed:
        stale(client)
    return client


def asks_confirmation(response: Any, back: str) -> None:
    assert response.status_code == 302
    assert response["Location"] == reauth.confirm_url(back), response["Location"]
    assert quote(back, safe="") in response["Location"]


# --- erasure ----------------------------------------------------------------------

def erase_url(person: Person) -> str:
    return reverse("rights:person_erase", args=[person.pk])


def test_it_shows_the_erasure_form_but_erases_only_after_a_fresh_confirmation(
        household, personas, clock):  # noqa: F811
    spouse = household.members.get(name=SPOUSE)
    client = client_for(personas["head"], confirmed=False)
    assert client.get(erase_url(spouse)).status_code == 200  # the form shows
    before = AuditEntry.objects.count()
    asks_confirmation(client.post(erase_url(spouse), form(spouse)), erase_url(spouse))
    spouse.refresh_from_db()
    assert spouse.name == SPOUSE and not spouse.is_erased
    assert AuditEntry.objects.count() == before  # nothing done, nothing recorded
    session = client.session
    reauth.mark_confirmed(SimpleNamespace(session=session))  # type: ignore[arg-type]
    session.save()
    assert client.post(erase_url(spouse), form(spouse)).status_code == 302
    spouse.refresh_from_db()
    assert spouse.is_erased


def test_an_unconfirmed_caseworker_is_refused_before_being_asked_to_confirm(
        household, personas, clock):  # noqa: F811
    spouse = household.members.get(name=SPOUSE)
    client = client_for(personas["caseworker"], confirmed=False)
    assert client.post(erase_url(spouse), form(spouse)).status_code == 403
    assert AuditEntry.objects.filter(action="denied", actor_username="caseworker").count() == 1


# --- a head's reset of a second factor ----------------------------------------------

def test_a_reset_needs_a_fresh_confirmation(personas, clock):  # noqa: F811
    user = personas["caseworker"]
    device_for(user)
    head = client_for(personas["head"], confirmed=False)
    assert head.get(reverse("two_factor_staff")).status_code == 200  # the list shows
    reset = reverse("two_factor_reset", args=[user.pk])
    response = head.post(reset)
    asks_confirmation(response, reverse("two_factor_staff"))
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert not AuditEntry.objects.filter(action="delete", object_id=str(user.pk)).exists()
    page = head.get(response["Location"]).content.decode()
    assert "Confirm it is you, then reset the second factor again." in page
    fresh = client_for(personas["head"])
    assert fresh.post(reset).status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_an_unconfirmed_caseworker_may_still_not_reset(personas, clock):  # noqa: F811
    user = personas["gridworker"]
    device_for(user)
    response = client_for(personas["caseworker"], confirmed=False).post(
        reverse("two_factor_reset", args=[user.pk]))
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=user).exists()


# --- the rows-to-fix download -----------------------------------------------------

def rows_of(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


@pytest.mark.usefixtures("building3")
def test_the_rows_to_fix_need_a_fresh_confirmation(personas, grid_a, clock):  # noqa: F811
    batch = uploaded(client_for(personas["caseworker"]), grid_a,
                     data=csv_bytes([*FAMILIES, BAD_ROW]))
    client = client_for(personas["caseworker"], confirmed=False)
    errors = reverse("import_errors", args=[batch.pk])
    # Back to the batch page, where the download is one click (a confirmation
    # page must not be saved as the file).
    asks_confirmation(client.get(errors), reverse("import_detail", args=[batch.pk]))
    assert not AuditEntry.objects.filter(action="export").exists()
    # Another grid's account is refused (404, audited) before being asked.
    assert client_for(personas["outsider"], confirmed=False).get(errors).status_code == 404


@pytest.mark.usefixtures("building3")
def test_whole_numbers_only_for_an_account_that_may_reveal_them(personas, grid_a,
                                                                clock):  # noqa: F811
    batch = uploaded(client_for(personas["gridworker"]), grid_a,
                     data=csv_bytes([*FAMILIES, BAD_ROW]))
    errors = reverse("import_errors", args=[batch.pk])
    id_col, phone_col = 3 + 3, 3 + 4  # after row, sheet, what to fix
    whole = rows_of(client_for(personas["caseworker"]).get(errors))
    assert whole[1][id_col] == WU and whole[1][phone_col] == "12345"
    # A grid worker may reveal a phone number, never a whole ID number.
    masked = rows_of(client_for(personas["gridworker"]).get(errors))
    assert masked[1][id_col] == mask_id_number(WU) != WU
    assert masked[1][phone_col] == "12345"
    assert masked[1][:id_col] == whole[1][:id_col]
    # Both downloads are recorded as exports, as before.
    assert list(AuditEntry.objects.filter(action="export", object_id=str(batch.pk))
                .order_by("seq").values_list("actor_username", flat=True)) == [
        "caseworker", "gridworker"]


def test_the_selector_decides_who_gets_whole_numbers(personas):
    assert selectors.masked_fields(personas["caseworker"]) == frozenset()
    assert selectors.masked_fields(personas["head"]) == frozenset()
    assert selectors.masked_fields(personas["gridworker"]) == {"id_number"}
    assert selectors.masked_fields(personas["coordinator"]) == {"id_number", "phone"}


def test_the_file_masks_the_columns_it_is_told_to():
    data = write_rows_to_fix(["姓名", "电话", "身份证"], {1: "phone", 2: "id_number"},
                             [(2, "s", ["x"], ["吴芳", 13800001111, WU]),
                              (3, "s", ["y"], ["赵磊", "", None])],
                             frozenset({"phone", "id_number"}))
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[1][3:] == ("吴芳", "138****1111", mask_id_number(WU))
    assert rows[2][4] in ("", None) and rows[2][5] in ("", None)
