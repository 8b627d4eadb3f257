"""The subscription endpoints: role x own/other account, validation, the
secret shown once and kept encrypted, the delivery log."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.test import override_settings

from jiayuan.api.webhooks import services
from jiayuan.api.webhooks.models import WebhookDelivery, WebhookSubscription
from jiayuan.core.audit import verify_chain
from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.core.roles import Perm, Role, role_has

pytestmark = pytest.mark.django_db

LIST = "/api/v1/webhooks/"
BODY = {"url": "https://dept.example.cn/hook", "events": ["case.created"]}
ROLES = [r.value for r in Role]
PERSONA = {"head": "head", "caseworker": "caseworker", "gridworker": "gridworker",
           "mediator": "mediator", "coordinator": "coordinator", "auditor": "auditor",
           "admin": "admin"}


def _persona(personas: dict[str, Any], role: str) -> Any:
    return personas[PERSONA[role]] if role in PERSONA else None


@pytest.mark.parametrize("role", ROLES)
def test_subscribe_list_read_delete_by_role(role: str, personas: Any, api_for: Any) -> None:
    user = _persona(personas, role)
    if user is None:
        pytest.skip(f"no persona for {role}")
    api = api_for(user)
    made = api.post(LIST, BODY, format="json")
    if not role_has(role, Perm.VIEW_CASES):
        assert made.status_code == 403
        assert api.get(LIST).status_code == 403
        assert AuditEntry.objects.filter(action=AuditAction.DENIED).exists()
        return
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["secret"].startswith("whsec_") and body["events"] == ["case.created"]
    sub = WebhookSubscription.objects.get(pk=body["id"])
    assert sub.user == user and body["secret"] not in sub.secret_encrypted
    listed = api.get(LIST).json()
    assert [s["id"] for s in listed["results"]] == [sub.pk]
    assert "secret" not in listed["results"][0]
    read = api.get(f"{LIST}{sub.pk}/")
    assert read.status_code == 200 and "secret" not in read.json()
    assert api.get(f"{LIST}{sub.pk}/deliveries/").json()["results"] == []
    assert api.delete(f"{LIST}{sub.pk}/").status_code == 204
    assert not WebhookSubscription.objects.filter(pk=sub.pk).exists()
    assert AuditEntry.objects.filter(action=AuditAction.CREATE,
                                     object_type="api.webhooksubscription").exists()
    assert AuditEntry.objects.filter(action=AuditAction.DELETE,
                                     object_type="api.webhooksubscription").exists()
    assert verify_chain().ok


def test_another_accounts_subscription_is_a_404_and_unlisted(personas: Any,
                                                             api_for: Any) -> None:
    sub, _secret = services.subscription_create(actor=personas["caseworker"],
                                                url=BODY["url"], events=["case.created"])
    for who in ("head", "gridworker", "auditor"):
        api = api_for(personas[who])
        assert api.get(LIST).json()["results"] == []
        for path in (f"{LIST}{sub.pk}/", f"{LIST}{sub.pk}/deliveries/"):
            response = api.get(path)
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"
        assert api.delete(f"{LIST}{sub.pk}/").status_code == 404
    assert WebhookSubscription.objects.filter(pk=sub.pk).exists()
    assert AuditEntry.objects.filter(action=AuditAction.DENIED,
                                     object_type="api.webhooksubscription",
                                     object_id=str(sub.pk)).count() == 9
    assert verify_chain().ok


def test_read_only_token_reads_but_does_not_subscribe(personas: Any, api_for: Any) -> None:
    api = api_for(personas["caseworker"], read_only=True)
    assert api.get(LIST).status_code == 200
    assert api.post(LIST, BODY, format="json").status_code == 403
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(("body", "field"), [
    ({**BODY, "colour": "red"}, "colour"),
    ({**BODY, "url": "http://dept.example.cn/hook"}, "url"),
    ({**BODY, "url": "https://user:pw@dept.example.cn/hook"}, "url"),
    ({**BODY, "url": "https://@dept.example.cn/hook"}, "url"),
    ({**BODY, "url": "ftp://dept.example.cn/hook"}, "url"),
    ({**BODY, "url": "https://dept.example.cn:99999/hook"}, "url"),
    ({**BODY, "url": "not a url"}, "url"),
    ({**BODY, "url": "https://a\x00b.cn/"}, "url"),
    ({**BODY, "events": ["case.deleted"]}, "events"),
    ({**BODY, "events": []}, "events"),
    ({**BODY, "events": "case.created"}, "events"),
    ({**BODY, "department": "nowhere"}, "department"),
    ({"events": ["case.created"]}, "url"),
])
def test_bad_bodies_are_400(body: dict[str, Any], field: str, personas: Any,
                            api_for: Any) -> None:
    response = api_for(personas["caseworker"]).post(LIST, body, format="json")
    assert response.status_code == 400, response.content
    assert any(k.split(".")[0] == field for k in response.json()["error"]["fields"])
    assert not WebhookSubscription.objects.exists()


def test_malformed_json_and_bad_ids(personas: Any, api_for: Any) -> None:
    api = api_for(personas["caseworker"])
    response = api.post(LIST, "{not json", content_type="application/json")
    assert response.status_code == 400
    for pk in ("abc", str(2**70), "0"):
        assert api.get(f"{LIST}{pk}/").status_code == 404


def test_http_is_allowed_with_the_setting(personas: Any, api_for: Any, settings: Any) -> None:
    settings.WEBHOOK_ALLOW_HTTP = True
    response = api_for(personas["caseworker"]).post(
        LIST, {**BODY, "url": "http://127.0.0.1:8080/hook"}, format="json")
    assert response.status_code == 201
    assert api_for(personas["caseworker"]).post(
        LIST, {**BODY, "url": "http://u:p@127.0.0.1:8080/hook"},
        format="json").status_code == 400


def test_the_delivery_log(personas: Any, api_for: Any, make_case: Any, household: Any,
                          education: Any) -> None:
    api = api_for(personas["gridworker"])
    made = api.post(LIST, {**BODY, "events": ["case.created", "case.status_changed"],
                           "department": "education"}, format="json")
    assert made.status_code == 201 and made.json()["department"] == "education"
    make_case(person=household.head)
    log = api.get(f"{LIST}{made.json()['id']}/deliveries/").json()
    [entry] = log["results"]
    row = WebhookDelivery.objects.get()
    assert entry == {
        "id": str(row.uid), "event": "case.created", "created_at": entry["created_at"],
        "attempts": 0, "last_status_code": None, "last_error": "",
        "last_attempt_at": None, "next_attempt_at": entry["next_attempt_at"],
        "outcome": "pending"}
    assert verify_chain().ok


PRIVATE_URLS = ["https://127.0.0.1/", "https://169.254.169.254/latest/meta-data/",
                "https://10.0.0.5/", "https://localhost:5432/", "https://[::1]/hook",
                "https://[::ffff:127.0.0.1]/", "https://2130706433/", "https://0.0.0.0/",
                "https://192.168.1.20:8443/hook", "https://[fe80::1]/", "https://224.0.0.1/",
                "https://100.64.0.1/"]


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_private_addresses_are_refused(url: str, personas: Any, api_for: Any) -> None:
    with override_settings(WEBHOOK_ALLOW_PRIVATE=False):
        response = api_for(personas["caseworker"]).post(LIST, {**BODY, "url": url},
                                                        format="json")
    assert response.status_code == 400, response.content
    message = " ".join(response.json()["error"]["fields"]["url"])
    assert "169.254.169.254" in message  # the refusal, in whichever language
    assert not WebhookSubscription.objects.exists()


def _dns(monkeypatch: Any, answers: dict[str, str]) -> None:
    real = socket.getaddrinfo

    def fake(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)
    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_a_name_is_judged_by_what_it_resolves_to(personas: Any, api_for: Any,
                                                 monkeypatch: Any) -> None:
    _dns(monkeypatch, {"inside.example.cn": "10.1.2.3", "outside.example.cn": "93.184.216.34"})
    api = api_for(personas["caseworker"])
    with override_settings(WEBHOOK_ALLOW_PRIVATE=False):
        refused = api.post(LIST, {**BODY, "url": "https://inside.example.cn/hook"},
                           format="json")
        made = api.post(LIST, {**BODY, "url": "https://outside.example.cn/hook"},
                        format="json")
    assert refused.status_code == 400
    assert "169.254.169.254" in " ".join(refused.json()["error"]["fields"]["url"])
    assert made.status_code == 201, made.content
    assert [s.url for s in WebhookSubscription.objects.all()] == [
        "https://outside.example.cn/hook"]


def test_private_addresses_are_allowed_with_the_setting(personas: Any, api_for: Any) -> None:
    with override_settings(WEBHOOK_ALLOW_PRIVATE=True):
        response = api_for(personas["caseworker"]).post(
            LIST, {**BODY, "url": "https://10.0.0.5/hook"}, format="json")
    assert response.status_code == 201, response.content
