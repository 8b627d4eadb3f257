"""Open311 through Django's test client: POST goes through the portal's service
(same audit entry, same limits), bad input is refused in the spec's error
shape with nothing written, the lists show only portal requests of services
not hidden, and never the requester's data."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import xmltodict
from django.test import Client
from django.utils import timezone

from jiayuan.api.models import Open311Key
from jiayuan.api.open311.keys import revoke_key
from jiayuan.core.audit import verify_chain
from jiayuan.core.models import AuditEntry
from jiayuan.desk import services
from jiayuan.desk.choices import Channel
from jiayuan.desk.models import Case, ServiceItem
from jiayuan.places.models import Building
from tests.api.open311_helpers import (
    FIRST,
    LAST,
    PHONE,
    assert_no_requester_data,
    form,
    new_key,
    publish,
)

BASE = "/open311/v2"
pytestmark = pytest.mark.django_db


@pytest.fixture
def school_item(school_item: ServiceItem) -> ServiceItem:
    return publish(school_item)


@pytest.fixture
def hidden_item(category: Any) -> ServiceItem:
    return ServiceItem.objects.create(category=category, code="family-dispute",
                                      name_zh_hans="家庭矛盾调解", name_en="Family disputes",
                                      open311_hidden=True)


def post(client: Client, data: dict[str, Any], fmt: str = "json", **extra: Any) -> Any:
    return client.post(f"{BASE}/requests.{fmt}", data, **extra)


def test_post_files_a_portal_case_and_answers_its_reference(
        community: Any, school_item: ServiceItem) -> None:
    key = new_key()
    response = post(Client(), form(key, school_item))
    assert response.status_code == 201, response.content
    [answer] = response.json()
    case = Case.objects.get()
    assert answer["service_request_id"] == case.ref
    assert case.channel == Channel.PORTAL and case.item == school_item
    assert case.caller_name == f"{FIRST} {LAST}" and case.caller_phone_mask
    assert case.summary == "孩子需要入学" and "九月开学" in case.details
    assert "31.3" not in case.details  # coordinates are not kept
    assert_no_requester_data(response.content.decode())
    assert Open311Key.objects.get().last_used_at is not None
    assert verify_chain().ok


def test_the_xml_answer_is_the_spec_shape(community: Any, school_item: ServiceItem) -> None:
    response = post(Client(), form(new_key(), school_item), fmt="xml")
    assert response.status_code == 201
    assert response["Content-Type"].startswith("text/xml")
    parsed = xmltodict.parse(response.content)
    assert parsed["service_requests"]["request"]["service_request_id"] == Case.objects.get().ref


def test_portal_and_open311_write_the_same_audit_entry(
        community: Any, school_item: ServiceItem) -> None:
    before = AuditEntry.objects.count()
    services.portal_create(item=school_item, summary="门户", details="", caller_name="李四",
                           caller_phone="13800001111", community=community, source="x",
                           contact_consent=True)
    portal = list(AuditEntry.objects.order_by("pk")[before:])
    before = AuditEntry.objects.count()
    assert post(Client(), form(new_key(), school_item)).status_code == 201
    entries = list(AuditEntry.objects.order_by("pk")[before:])
    # The key's creation comes first (issue_key); then the case's entries.
    api = [e for e in entries if e.object_type != "api.open311key"]
    assert [(e.action, e.object_type) for e in api] == [
        (e.action, e.object_type) for e in portal]
    assert [sorted(e.changes) for e in api] == [sorted(e.changes) for e in portal]
    assert api[0].changes.get("contact_consent") is True
    assert verify_chain().ok


def test_a_building_places_the_request(community: Any, grid_a: Any,
                                       school_item: ServiceItem) -> None:
    building = Building.objects.create(grid=grid_a, number="7", name="幸福小区")
    response = post(Client(), form(new_key(), school_item, address_id=str(building.pk),
                                   lat=None, long=None))
    assert response.status_code == 201
    case = Case.objects.get()
    assert case.community == grid_a.community and "幸福小区 7" in case.details


def test_several_media_urls_are_accepted(community: Any, school_item: ServiceItem) -> None:
    data = form(new_key(), school_item)
    data["media_url"] = ["https://example.org/a.jpg", "https://example.org/b.jpg"]
    assert post(Client(), data).status_code == 201
    details = Case.objects.get().details
    assert "a.jpg" in details and "b.jpg" in details


BAD = [
    ({"service_code": "no-such-service"}, 400),
    ({"service_code": None}, 400),
    ({"description": None}, 400),
    ({"first_name": None, "last_name": None}, 400),
    ({"phone": "12"}, 400),
    ({"email": "not-an-email"}, 400),
    ({"lat": "north"}, 400),
    ({"long": "999"}, 400),
    ({"address_id": "99999999999999999999999"}, 400),
    ({"media_url": "javascript:alert(1)"}, 400),
    ({"colour": "red"}, 400),
    ({"description": "a\x00b"}, 400),
    ({"consent": None}, 400),
    ({"api_key": "o311_nope"}, 403),
    ({"api_key": None}, 403),
]


@pytest.mark.parametrize(("change", "status"), BAD)
def test_bad_input_is_refused_in_the_spec_shape(
        community: Any, school_item: ServiceItem, change: dict[str, Any], status: int) -> None:
    for fmt in ("json", "xml"):
        response = post(Client(), form(new_key(), school_item, **change), fmt=fmt)
        assert response.status_code == status, response.content
        if fmt == "json":
            [err] = response.json()
            assert err["code"] == status and err["description"]
        else:
            err = xmltodict.parse(response.content)["errors"]["error"]
            assert err["code"] == str(status) and err["description"]
    assert not Case.objects.exists()


def test_a_hidden_service_is_not_accepted(community: Any, hidden_item: ServiceItem) -> None:
    assert post(Client(), form(new_key(), hidden_item)).status_code == 400
    assert not Case.objects.exists()


def test_a_revoked_key_is_refused(community: Any, school_item: ServiceItem) -> None:
    key = new_key()
    revoke_key(prefix=Open311Key.objects.get().prefix)
    assert post(Client(), form(key, school_item)).status_code == 403
    assert not Case.objects.exists()


@pytest.mark.parametrize(("body", "content_type"), [
    ('{"service_code": "school-place"}', "application/json"),
    ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     "<r>&x;</r>", "text/xml"),
])
def test_json_xml_and_malformed_bodies_are_refused(
        community: Any, school_item: ServiceItem, body: str, content_type: str) -> None:
    response = Client().post(f"{BASE}/requests.json", data=body, content_type=content_type)
    assert response.status_code in (400, 415)
    [err] = response.json()
    assert err["code"] == response.status_code
    assert "passwd" not in err["description"] and "root:" not in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize("tail", ["&service_code=%ZZ&&&=x", "&description=%FF%FE",
                                  "&service_code=a&service_code=b"])
def test_a_malformed_form_is_refused(community: Any, school_item: ServiceItem,
                                     tail: str) -> None:
    body = "&".join(f"{k}={v}" for k, v in form(new_key(), school_item).items()
                    if k not in ("service_code", "description")) + tail
    response = Client().post(f"{BASE}/requests.json", data=body.encode(),
                             content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400, response.content
    assert response.json()[0]["code"] == 400
    assert not Case.objects.exists()


def test_the_portal_rate_limit_holds(community: Any, school_item: ServiceItem,
                                     settings: Any) -> None:
    settings.PORTAL_MAX_PER_SOURCE_HOUR = 2
    key, client = new_key(), Client()
    assert [post(client, form(key, school_item)).status_code for _ in range(3)] == [
        201, 201, 429]
    assert Case.objects.count() == 2


def _portal_case(item: ServiceItem, community: Any, summary: str = "门户请求") -> Case:
    return services.portal_create(item=item, summary=summary, details="细节",
                                  caller_name=f"{FIRST}{LAST}", caller_phone=PHONE,
                                  community=community, source="s", contact_consent=True)


def test_lists_show_portal_requests_of_open_services_only(
        community: Any, school_item: ServiceItem, hidden_item: ServiceItem,
        make_case: Any, household: Any) -> None:
    shown = _portal_case(school_item, community)
    hidden = _portal_case(hidden_item, community)
    desk_case = make_case(person=household.head)
    client = Client()
    response = client.get(f"{BASE}/requests.json")
    refs = [r["service_request_id"] for r in response.json()]
    assert refs == [shown.ref]
    body = response.content.decode()
    assert_no_requester_data(body)
    assert "门户请求" not in body and "细节" not in body  # what they wrote stays staff-only
    for ref in (hidden.ref, desk_case.ref):
        assert client.get(f"{BASE}/requests/{ref}.json").status_code == 404
    one = client.get(f"{BASE}/requests/{shown.ref}.xml")
    assert one.status_code == 200
    assert_no_requester_data(one.content.decode())
    services_body = client.get(f"{BASE}/services.json").json()
    assert [s["service_code"] for s in services_body] == ["school-place"]
    assert client.get(f"{BASE}/services/family-dispute.json").status_code == 404


def test_filters_and_the_90_day_window(community: Any, school_item: ServiceItem) -> None:
    case = _portal_case(school_item, community)
    client = Client()
    now = timezone.localtime()
    ok = {"service_code": "school-place", "status": "open",
          "start_date": (now - timedelta(days=1)).isoformat(),
          "end_date": (now + timedelta(days=1)).isoformat()}
    assert [r["service_request_id"] for r in
            client.get(f"{BASE}/requests.json", ok).json()] == [case.ref]
    assert client.get(f"{BASE}/requests.json", {**ok, "status": "closed"}).json() == []
    assert client.get(f"{BASE}/requests.json", {"service_request_id": f"{case.ref},X"}
                      ).json()[0]["service_request_id"] == case.ref
    old = {"start_date": (now - timedelta(days=200)).isoformat(),
           "end_date": (now - timedelta(days=150)).isoformat()}
    assert client.get(f"{BASE}/requests.json", old).json() == []
    for bad in ({"start_date": "yesterday"}, {"end_date": "2026-13-45"},
                {"start_date": (now - timedelta(days=91)).isoformat(),
                 "end_date": now.isoformat()},
                {"start_date": now.isoformat(), "end_date": (now - timedelta(days=1)).isoformat()},
                {"status": "pending"}, {"service_code": ",".join(["x"] * 1001)}):
        response = client.get(f"{BASE}/requests.json", bad)
        assert response.status_code == 400, bad
        assert response.json()[0]["code"] == 400
    # A NUL is refused before any view (jiayuan's request guard): a 400 too.
    assert client.get(f"{BASE}/requests.json", {"service_code": "x\x00"}).status_code == 400


def test_xml_text_is_escaped(community: Any, category: Any) -> None:
    ServiceItem.objects.create(category=category, code="tricky", name_zh_hans="<b>&x;</b>",
                               name_en="<b>&x;</b>", description="]]><evil/>",
                               open311_hidden=False)
    response = Client().get(f"{BASE}/services.xml")
    assert b"<evil/>" not in response.content and b"<b>" not in response.content
    service = xmltodict.parse(response.content)["services"]["service"]
    assert service["service_name"] == "<b>&x;</b>" and service["description"] == "]]><evil/>"


def test_discovery_and_unknown_addresses(db: Any) -> None:
    client = Client()
    discovery = client.get(f"{BASE}/discovery.json").json()
    assert discovery["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    parsed = xmltodict.parse(client.get(f"{BASE}/discovery.xml").content)
    assert parsed["discovery"]["endpoints"]["endpoint"]["type"] == "production"
    response = client.get(f"{BASE}/nothing-here.json")
    assert response.status_code == 404 and json.loads(response.content)[0]["code"] == 404


def test_updates_are_the_public_notes_the_status_page_shows(
        community: Any, school_item: ServiceItem, personas: dict[str, Any]) -> None:
    case = _portal_case(school_item, community)
    services.add_note(actor=personas["caseworker"], case=case, kind="note",
                      text="材料已收到，下周一答复", public=True)
    services.add_note(actor=personas["caseworker"], case=case, kind="note",
                      text="内部：家属情绪激动", public=False)
    token = {"public_token": case.public_token}  # notes only with the private code
    response = Client().get(f"{BASE}/requests/{case.ref}.json", token)
    notes = response.json()[0]["extended_attributes"]["notes"]
    texts = [n["text"] for n in notes]
    assert "材料已收到，下周一答复" in texts
    body = response.content.decode()
    assert "家属情绪激动" not in body
    assert personas["caseworker"].username not in body
    assert str(personas["caseworker"].get_full_name() or "\x01") not in body
    xml = xmltodict.parse(Client().get(f"{BASE}/requests/{case.ref}.xml", token).content)
    xml_notes = xml["service_requests"]["request"]["extended_attributes"]["notes"]["note"]
    assert any(n["text"] == "材料已收到，下周一答复" for n in xml_notes)
