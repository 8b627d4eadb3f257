"""Open311 read by an independent client from PyPI (`georeport`, requests +
xmltodict) against a live server, in JSON and in XML; POST with plain
`requests` (georeport does not post), form-encoded as the spec says."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import xmltodict
from georeport import GeoReport

from jiayuan.core.audit import verify_chain
from jiayuan.desk.models import Case, ServiceItem
from jiayuan.places.models import Building
from tests.api.open311_helpers import assert_no_requester_data, form, new_key, publish

pytestmark = pytest.mark.django_db(transaction=True)
FORMATS = ("json", "xml")


@pytest.fixture
def school_item(school_item: ServiceItem) -> ServiceItem:
    return publish(school_item)


@pytest.fixture
def hidden(category: Any) -> ServiceItem:
    return ServiceItem.objects.create(category=category, code="legal-aid-application",
                                      name_zh_hans="法律援助申请", open311_hidden=True)


def _listed(value: Any) -> list[Any]:
    """xmltodict gives one element as a dict, several as a list."""
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("fmt", FORMATS)
def test_georeport_reads_services_and_a_definition(
        live_server: Any, community: Any, grid_a: Any, school_item: ServiceItem,
        hidden: ServiceItem, fmt: str) -> None:
    building = Building.objects.create(grid=grid_a, number="3", name="幸福小区")
    client = GeoReport(f"{live_server.url}/open311/v2", output_format=fmt)
    services = _listed(client.get_service_list())
    assert [s["service_code"] for s in services] == ["school-place"]
    assert services[0]["service_name"] == "随迁子女入学"
    assert str(services[0]["metadata"]).lower() == "true"
    definition = client.get_service_definition("school-place")
    attributes = definition["attributes"]
    attribute = attributes[0] if fmt == "json" else _listed(attributes["attribute"])[0]
    assert attribute["code"] == "building"
    values = attribute["values"] if fmt == "json" else _listed(attribute["values"]["value"])
    assert {"key": str(building.pk), "name": "测试社区 幸福小区 3"} in values
    with pytest.raises(requests.HTTPError) as refused:
        client.get_service_definition("legal-aid-application")
    assert refused.value.response.status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_then_georeport_reads_the_request(
        live_server: Any, community: Any, school_item: ServiceItem, fmt: str) -> None:
    base = f"{live_server.url}/open311/v2"
    response = requests.post(f"{base}/requests.xml", data=form(new_key(), school_item),
                             timeout=30)
    assert response.status_code == 201, response.text
    assert response.headers["Content-Type"].startswith("text/xml")
    answer = xmltodict.parse(response.content)["service_requests"]["request"]
    ref = answer["service_request_id"]
    assert ref == Case.objects.get().ref and answer["service_notice"]
    client = GeoReport(base, output_format=fmt)
    listed = _listed(client.get_service_requests(status="open", service_code="school-place"))
    assert [r["service_request_id"] for r in listed] == [ref]
    one = client.get_service_request(ref)
    assert one["status"] == "open" and one["service_code"] == "school-place"
    assert not one["extended_attributes"] and not one.get("status_notes")  # no private code
    private = requests.get(f"{base}/requests/{ref}.{fmt}", timeout=30,
                           params={"public_token": Case.objects.get().public_token})
    answer = (private.json()[0] if fmt == "json"
              else xmltodict.parse(private.content)["service_requests"]["request"])
    assert answer["extended_attributes"]["status_code"] == "new" and answer["status_notes"]
    assert one["address"] == "测试社区"  # community level: no building finer than that
    assert not one.get("lat") and not one.get("long")
    for body in (response.text, requests.get(f"{base}/requests.{fmt}", timeout=30).text,
                 requests.get(f"{base}/requests/{ref}.{fmt}", timeout=30).text):
        assert_no_requester_data(body)
    assert verify_chain().ok


def test_a_bad_key_is_refused_over_http(live_server: Any, community: Any,
                                        school_item: ServiceItem) -> None:
    base = f"{live_server.url}/open311/v2"
    response = requests.post(f"{base}/requests.xml",
                             data=form("o311_wrong", school_item), timeout=30)
    assert response.status_code == 403
    error = xmltodict.parse(response.content)["errors"]["error"]
    assert error["code"] == "403"
    assert not Case.objects.exists()
    assert verify_chain().ok
