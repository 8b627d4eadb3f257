"""Open311 review fixes: services start hidden (model, migration, demo
catalogue, the catalogue's form); a request's reference alone shows little,
its private code the rest (the portal's status page), under the portal's
lookup limit; XML never malformed by control characters; dates near year 1 or
9999 and a NUL in the query are 400s in the spec's shape."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
import xmltodict
from django.test import Client
from django.urls import reverse

from jiayuan.core.audit import verify_chain
from jiayuan.desk import services
from jiayuan.desk.demo.catalogue import OPEN311_HIDDEN, load_catalogue
from jiayuan.desk.models import Case, ServiceItem
from tests.api.open311_helpers import FIRST, LAST, PHONE, assert_no_requester_data, publish

BASE = "/open311/v2"
pytestmark = pytest.mark.django_db
PUBLIC_KEYS = {"service_request_id", "status", "service_name", "service_code",
               "requested_datetime", "updated_datetime", "agency_responsible", "address"}


@pytest.fixture
def school_item(school_item: ServiceItem) -> ServiceItem:
    return publish(school_item)


def _portal_case(item: ServiceItem, community: Any) -> Case:
    return services.portal_create(item=item, summary="门户请求", details="细节",
                                  caller_name=f"{FIRST}{LAST}", caller_phone=PHONE,
                                  community=community, source="s", contact_consent=True)


# --- 1. hidden until published ------------------------------------------------------

def test_a_new_service_is_hidden_from_open311(community: Any, category: Any) -> None:
    item = ServiceItem.objects.create(category=category, code="new-one", name_zh_hans="新服务")
    assert item.open311_hidden is True
    client = Client()
    assert client.get(f"{BASE}/services.json").json() == []
    assert client.get(f"{BASE}/services/new-one.json").status_code == 404


def test_the_migration_hides_existing_services() -> None:
    migration = importlib.import_module("jiayuan.desk.migrations.0011_open311_hidden")
    [operation] = migration.Migration.operations
    assert operation.name == "open311_hidden" and operation.field.default is True


def test_the_demo_catalogue_publishes_only_the_services_that_are_not_sensitive() -> None:
    load_catalogue()
    hidden = set(ServiceItem.objects.filter(open311_hidden=True).values_list("code", flat=True))
    assert hidden == OPEN311_HIDDEN and len(hidden) == 8
    assert ServiceItem.objects.filter(open311_hidden=False).count() > 0
    assert "job-matching" not in hidden


def test_the_head_publishes_and_hides_a_service_in_the_catalogue(
        personas: dict[str, Any], school_item: ServiceItem) -> None:
    school_item.open311_hidden = True
    school_item.save()
    head = Client(HTTP_ACCEPT_LANGUAGE="en")
    head.force_login(personas["head"])
    url = reverse("catalogue_item_edit", kwargs={"pk": school_item.pk})
    page = head.get(url).content.decode()
    assert 'name="open311_published"' in page and "Open311" in page
    data = {"name_zh_hans": school_item.name_zh_hans, "category": school_item.category_id,
            "department": school_item.department_id, "response_hours": 48,
            "resolution_days": 20, "active": "on", "order": 0}
    assert head.post(url, {**data, "open311_published": "on"}).status_code == 302
    school_item.refresh_from_db()
    assert school_item.open311_hidden is False
    # A form sent without the box (unticked, or by a script) hides it again.
    assert head.post(url, data).status_code == 302
    school_item.refresh_from_db()
    assert school_item.open311_hidden is True
    assert verify_chain().ok


# --- 2. the reference alone, and with the private code ------------------------------

def test_the_reference_alone_shows_only_the_public_fields(
        community: Any, grid_a: Any, school_item: ServiceItem,
        personas: dict[str, Any]) -> None:
    case = _portal_case(school_item, community)
    case.grid = grid_a
    case.save(update_fields=["grid"])
    services.add_note(actor=personas["caseworker"], case=case, kind="note",
                      text="材料已收到", public=True)
    client = Client()
    for response in (client.get(f"{BASE}/requests/{case.ref}.json"),
                     client.get(f"{BASE}/requests.json")):
        [one] = response.json()
        shown = {k for k, v in one.items() if v not in (None, "", {}, [])}
        assert shown == PUBLIC_KEYS
        assert one["address"] == community.name and grid_a.name not in response.content.decode()
        assert one["agency_responsible"] == school_item.department.name
        assert "材料已收到" not in response.content.decode()
    xml = client.get(f"{BASE}/requests/{case.ref}.xml").content.decode()
    assert "材料已收到" not in xml and "<status_code>" not in xml


def test_the_private_code_adds_what_the_status_page_shows(
        community: Any, school_item: ServiceItem, personas: dict[str, Any]) -> None:
    case = _portal_case(school_item, community)
    services.add_note(actor=personas["caseworker"], case=case, kind="note",
                      text="材料已收到", public=True)
    client = Client()
    token = {"public_token": case.public_token}
    [one] = client.get(f"{BASE}/requests/{case.ref}.json", token).json()
    assert one["extended_attributes"]["status_code"] == "new" and one["status_notes"]
    assert one["expected_datetime"]
    assert "材料已收到" in [n["text"] for n in one["extended_attributes"]["notes"]]
    [listed] = client.get(f"{BASE}/requests.json", {"service_request_id": case.ref,
                                                     **token}).json()
    assert listed == one
    [wrong] = client.get(f"{BASE}/requests/{case.ref}.json",
                         {"public_token": case.public_token[:-1] + "x"}).json()
    assert wrong["extended_attributes"] == {} and not wrong["status_notes"]
    assert_no_requester_data(str(one))


def test_failed_lookups_hit_the_portal_s_limit(community: Any, school_item: ServiceItem,
                                               monkeypatch: Any) -> None:
    monkeypatch.setattr("jiayuan.desk.services.portal.PORTAL_MAX_FAILED_LOOKUPS_PER_HOUR", 2)
    case = _portal_case(school_item, community)
    client = Client()
    assert client.get(f"{BASE}/requests/ZJJ-1999-99999.json").status_code == 404
    assert client.get(f"{BASE}/requests/{case.ref}.json", {"public_token": "guess"}
                      ).status_code == 200  # a wrong code counts too
    for path in (f"{BASE}/requests/{case.ref}.json", f"{BASE}/requests.json"):
        response = client.get(path)
        assert response.status_code == 429
        assert response.json()[0]["code"] == 429
    xml = client.get(f"{BASE}/requests/{case.ref}.xml")
    assert xml.status_code == 429
    assert xmltodict.parse(xml.content)["errors"]["error"]["code"] == "429"
    # The portal's own status page shares the count: the same address is refused there.
    portal = client.get(reverse("portal_status", kwargs={"ref": case.ref,
                                                         "token": case.public_token}))
    assert portal.status_code == 429


# --- 3. XML with control characters ----------------------------------------------------

def test_control_characters_do_not_break_the_xml(community: Any, category: Any) -> None:
    ServiceItem.objects.create(category=category, code="odd", name_zh_hans="入学\x01申请\x1f",
                               description="a\x0bb\ttab", open311_hidden=False)
    response = Client().get(f"{BASE}/services.xml")
    service = xmltodict.parse(response.content)["services"]["service"]
    assert service["service_name"] == "入学申请" and service["description"] == "ab\ttab"


# --- 4. dates at the edges, and a NUL ------------------------------------------------

@pytest.mark.parametrize("params", [
    {"start_date": "9999-12-31"},
    {"end_date": "0001-01-01"},
    {"end_date": "0001-01-02T00:00:00+14:00"},
    {"start_date": "0001-01-01T00:00:00+14:00", "end_date": "0001-01-02"},
    {"start_date": "9999-12-31T23:00:00-14:00", "end_date": "9999-12-31T23:59:59-14:00"},
])
def test_dates_at_the_edges_are_400s(db: Any, params: dict[str, str]) -> None:
    for fmt in ("json", "xml"):
        response = Client().get(f"{BASE}/requests.{fmt}", params)
        assert response.status_code == 400, (params, response.content)
        if fmt == "json":
            assert response.json()[0]["code"] == 400
        else:
            assert xmltodict.parse(response.content)["errors"]["error"]["code"] == "400"


@pytest.mark.parametrize("path", ["requests.json", "requests", "services/x.json",
                                  "requests.xml", "services.xml"])
def test_a_nul_in_the_query_is_the_spec_s_400(db: Any, path: str) -> None:
    response = Client().get(f"{BASE}/{path}", {"service_code": "a\x00b"})
    assert response.status_code == 400
    if path.endswith(".xml"):
        assert response["Content-Type"].startswith("text/xml")
        error = xmltodict.parse(response.content)["errors"]["error"]
        assert error["code"] == "400" and error["description"]
    else:
        [error] = response.json()
        assert error["code"] == 400 and error["description"]
