"""/api/v1/households/: scope, masking and audit as the household pages
(registry.selectors.household_file), versions, and the one error shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from jiayuan.core.audit import verify_chain
from jiayuan.core.models import AuditEntry
from jiayuan.registry.models import Household

LIST = "/api/v1/households/"


def url(pk: int) -> str:
    return reverse("api_household_detail", kwargs={"pk": pk})


def audit_rows(since: int) -> list[tuple[str, str, str, Any]]:
    return list(AuditEntry.objects.filter(pk__gt=since).order_by("pk").values_list(
        "action", "object_type", "object_id", "changes"))


def last_seq() -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def page_client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


# --- list ------------------------------------------------------------------------

def test_the_list_holds_the_households_in_scope(api_for, personas, household, household_b):
    ids = [h["id"] for h in api_for(personas["gridworker"]).get(LIST).json()["results"]]
    assert ids == [household.pk]
    everyone = api_for(personas["head"]).get(LIST).json()
    assert {h["id"] for h in everyone["results"]} == {household.pk, household_b.pk}
    assert everyone["count"] == 2
    first = next(h for h in everyone["results"] if h["id"] == household.pk)
    assert first["member_count"] == 3 and first["head"] == household.head_id


def test_the_list_filters_as_the_page_does(api_for, personas, household, household_b):
    client = api_for(personas["head"])
    got = client.get(LIST, {"grid": household_b.grid_id}).json()["results"]
    assert [h["id"] for h in got] == [household_b.pk]
    got = client.get(LIST, {"residency": "floating"}).json()["results"]
    assert [h["id"] for h in got] == [household_b.pk]
    assert client.get(LIST, {"status": "moved_out"}).json()["results"] == []
    # Another grid than one's own: nothing, as the selector's scope decides.
    got = api_for(personas["gridworker"]).get(LIST, {"grid": household_b.grid_id}).json()
    assert got["results"] == []


def test_the_list_paginates_and_refuses_bad_filters(api_for, personas, household, household_b):
    client = api_for(personas["head"])
    one = client.get(LIST, {"limit": 1}).json()
    assert len(one["results"]) == 1 and one["count"] == 2 and one["next"]
    for bad in ({"residency": "nowhere"}, {"grid": "x"}, {"grid": str(2**70)}):
        response = client.get(LIST, bad)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid"


def test_the_list_needs_a_token_and_is_not_audited(api_for, personas, household):
    response = APIClient().get(LIST)
    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401
    client = api_for(personas["auditor"])
    before = last_seq()
    assert client.get(LIST).status_code == 200
    assert audit_rows(before) == []


# --- the file --------------------------------------------------------------------

@pytest.mark.parametrize("role", ["head", "caseworker", "gridworker", "mediator",
                                  "coordinator", "auditor", "admin"])
def test_the_file_shows_what_the_page_shows_for_each_role(api_for, personas, household, role):
    user = personas[role]
    page = page_client(user).get(reverse("household_detail", kwargs={"pk": household.pk}))
    html = page.content.decode()
    data = api_for(user).get(url(household.pk)).json()
    assert data["version"] == household.version
    sensitive = "Your role cannot see sensitive circumstances." not in html
    assert ("circumstances" in data) is sensitive
    assert ("festivals" in data) is sensitive
    head = next(m for m in data["members"] if m["id"] == household.head_id)
    assert ("ethnicity" in head) is sensitive
    for member in data["members"]:
        # The very masks the page renders; never a whole number.
        for mask in (member["id_number_mask"], member["phone_mask"]):
            assert mask == "" or mask in html
        assert "13812345678" not in str(member) and "13955551234" not in str(member)
    assert head["phone_mask"] and head["id_number_mask"]


def test_opening_the_file_is_audited_as_the_page_audits_it(api_for, personas, household):
    user = personas["caseworker"]
    page, api = page_client(user), api_for(user)
    before = last_seq()
    page.get(reverse("household_detail", kwargs={"pk": household.pk}))
    by_page = audit_rows(before)
    before = last_seq()
    api.get(url(household.pk))
    by_api = audit_rows(before)
    assert by_page and by_api == by_page
    assert by_api[0][:3] == ("view_sensitive", "registry.household", str(household.pk))
    assert verify_chain().ok


def test_the_file_out_of_scope_or_missing_is_404_and_audited(api_for, personas, household_b):
    client = api_for(personas["gridworker"])
    before = last_seq()
    response = client.get(url(household_b.pk))
    assert response.status_code == 404
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (404, "not_found") and error["message"]
    assert any(row[0] == "denied" for row in audit_rows(before))
    assert client.get(url(2**31 - 1)).status_code == 404
    assert client.get(url(2**70)).status_code == 404
    assert client.get("/api/v1/households/abc/").status_code == 404


def test_the_file_needs_a_token(household):
    assert APIClient().get(url(household.pk)).status_code == 401


# --- PATCH -----------------------------------------------------------------------

def test_a_patch_saves_through_the_service_and_audits_as_the_page(api_for, personas,
                                                                   household, household_b):
    user = personas["caseworker"]
    page, api = page_client(user), api_for(user)
    before = last_seq()
    response = page.post(reverse("household_edit", kwargs={"pk": household_b.pk}), {
        "residency": "resident", "note": "由页面", "head": household_b.head_id,
        "version": household_b.version})
    assert response.status_code == 302
    by_page = [r[:3] for r in audit_rows(before)]
    before = last_seq()
    response = api.patch(url(household.pk), {
        "version": household.version, "note": "二楼", "residency": "floating"}, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["note"] == "二楼" and data["residency"] == "floating"
    assert data["version"] == household.version + 1
    household.refresh_from_db()
    assert household.note == "二楼" and household.festivals  # festivals kept
    by_api = [r[:3] for r in audit_rows(before)]
    assert ("update", "registry.household", str(household.pk)) in by_api
    assert ("update", "registry.household", str(household_b.pk)) in by_page
    assert verify_chain().ok


def test_a_stale_version_is_409_and_writes_nothing(api_for, personas, household):
    client = api_for(personas["caseworker"])
    stale = household.version
    assert client.patch(url(household.pk), {"version": stale, "note": "一"},
                        format="json").status_code == 200
    before = last_seq()
    response = client.patch(url(household.pk), {"version": stale, "note": "二"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    household.refresh_from_db()
    assert household.note == "一"
    assert audit_rows(before) == []


@pytest.mark.parametrize(("body", "field"), [
    ({"version": 1, "colour": "red"}, "colour"),
    ({"version": 1, "residency": "nowhere"}, "residency"),
    ({"version": 1, "head": 2**31 - 1}, "head"),
    ({"version": "one"}, "version"),
    ({"note": "no version"}, "version"),
    ({"version": 1, "note": "a\x00b"}, "note"),
])
def test_a_bad_patch_is_400_naming_the_field(api_for, personas, household, body, field):
    response = api_for(personas["caseworker"]).patch(url(household.pk), body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert Household.objects.get(pk=household.pk).version == household.version


def test_malformed_json_is_400_in_the_error_shape(api_for, personas, household):
    client = api_for(personas["caseworker"])
    for raw in ("{not json", "[1, 2]"):
        response = client.patch(url(household.pk), raw, content_type="application/json")
        assert response.status_code == 400
        assert set(response.json()["error"]) >= {"status", "code", "message"}


@pytest.mark.parametrize(("who", "status"), [("coordinator", 403), ("mediator", 403),
                                             ("outsider", 404)])
def test_a_patch_without_the_permission_or_the_scope(api_for, personas, household, who, status):
    response = api_for(personas[who]).patch(url(household.pk), {
        "version": household.version, "note": "x"}, format="json")
    assert response.status_code == status
    assert Household.objects.get(pk=household.pk).note == household.note


def test_a_read_only_token_may_not_patch(api_for, personas, household):
    client = api_for(personas["caseworker"], read_only=True)
    assert client.get(url(household.pk)).status_code == 200
    response = client.patch(url(household.pk), {"version": household.version, "note": "x"},
                            format="json")
    assert response.status_code == 403
    assert response.json()["error"]["status"] == 403
    assert Household.objects.get(pk=household.pk).note == household.note


def test_festivals_need_the_sensitive_permission_as_on_the_page(api_for, personas, household):
    """The mediator cannot edit; a grid worker may see sensitive details; the
    service's rule (require_sensitive_write) is the one that answers."""
    response = api_for(personas["gridworker"]).patch(url(household.pk), {
        "version": household.version, "festivals": ["spring_festival"]}, format="json")
    assert response.status_code == 200
    assert response.json()["festivals"] == ["spring_festival"]
