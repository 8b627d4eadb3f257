"""Webhooks end to end: desk events -> outbox -> signed POSTs to a real HTTP
server in the test, with retries on a fixed clock, rollback and scope loss."""

from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import override_settings

from jiayuan.api.webhooks import delivery, services
from jiayuan.api.webhooks.models import DeliveryOutcome, WebhookDelivery
from jiayuan.core import audit, scheduler
from jiayuan.core.audit import verify_chain
from jiayuan.desk import services as desk
from jiayuan.desk.models import Case
from tests.api.webhook_receiver import receiver, verify
from tests.conftest import station_moment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _allow_http(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_HTTP = True


@pytest.fixture
def clock() -> Any:
    start = station_moment(datetime(2026, 12, 7).date())
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


def subscribe(user: Any, url: str, events: list[str] | None = None,
              department: Any = None) -> tuple[Any, str]:
    return services.subscription_create(
        actor=user, url=url, events=events or ["case.created", "case.status_changed",
                                                "referral.answered"],
        department=department)


def now() -> datetime:
    from django.utils import timezone
    return timezone.now()


def test_a_new_case_is_delivered_signed_and_verifiable(clock: Any, personas: Any,
                                                        make_case: Any, household: Any) -> None:
    with receiver() as rx:
        sub, secret = subscribe(personas["gridworker"], rx.url)
        case = make_case(person=household.head)
        assert delivery.step_webhooks(now()) == 1
        assert delivery.step_webhooks(now()) == 0  # nothing due twice
    [hit] = rx.received
    headers = {k.lower(): v for k, v in hit["headers"].items()}
    assert headers["x-jiayuan-event"] == "case.created"
    row = WebhookDelivery.objects.get()
    assert headers["x-jiayuan-delivery"] == str(row.uid)
    # The independent verifier accepts it, refuses another secret, a changed
    # body, and the same request replayed more than 5 minutes later.
    sig = headers["x-jiayuan-signature"]
    t = now().timestamp()
    assert verify(secret, sig, hit["body"], now=t)
    assert not verify(secret + "x", sig, hit["body"], now=t)
    assert not verify(secret, sig, hit["body"] + b" ", now=t)
    assert verify(secret, sig, hit["body"], now=t + 299)
    assert not verify(secret, sig, hit["body"], now=t + 301)
    data = json.loads(hit["body"])
    assert data["event"] == "case.created" and data["delivery"] == str(row.uid)
    assert data["case"]["ref"] == case.ref and data["case"]["status"] == "new"
    assert data["case"]["service"] == case.item.code
    assert data["case"]["url"].endswith(f"/api/v1/cases/{case.pk}/")
    # No names, no phone numbers, no free text anywhere in the body.
    text = hit["body"].decode()
    for secret_thing in (household.head.name, "孩子需要入学", "phone", "name"):
        assert secret_thing not in text
    assert set(data["case"]) == {"id", "ref", "service", "status", "response_due", "due",
                                 "opened_at", "updated_at", "resolved_at", "closed_at", "url"}
    row.refresh_from_db()
    assert (row.outcome, row.attempts, row.last_status_code) == ("delivered", 1, 200)
    assert verify_chain().ok


def test_retries_back_off_500_then_200(clock: Any, personas: Any, make_case: Any,
                                       household: Any) -> None:
    with receiver([500, 500, 503]) as rx:
        subscribe(personas["caseworker"], rx.url, ["case.created"])
        make_case(person=household.head)
        start = now()
        assert delivery.step_webhooks(start) == 1
        row = WebhookDelivery.objects.get()
        assert (row.outcome, row.attempts, row.last_status_code) == ("pending", 1, 500)
        assert row.next_attempt_at == start + timedelta(minutes=1)
        # Not due yet: nothing is sent.
        clock.shift(timedelta(seconds=59))
        assert delivery.step_webhooks(now()) == 0
        clock.shift(timedelta(seconds=1))
        assert delivery.step_webhooks(now()) == 1
        row.refresh_from_db()
        assert row.next_attempt_at == now() + timedelta(minutes=5)
        clock.shift(timedelta(minutes=5))
        assert delivery.step_webhooks(now()) == 1
        row.refresh_from_db()
        assert (row.attempts, row.last_status_code) == (3, 503)
        assert row.next_attempt_at == now() + timedelta(minutes=30)
        clock.shift(timedelta(minutes=30))
        assert delivery.step_webhooks(now()) == 1
    row.refresh_from_db()
    assert (row.outcome, row.attempts, row.last_status_code, row.next_attempt_at) == (
        "delivered", 4, 200, None)
    assert [e["status"] for e in row.log] == [500, 500, 503, 200]
    uids = {h["headers"]["X-Jiayuan-Delivery"] for h in rx.received}
    assert uids == {str(row.uid)}  # the same id on every retry: the receiver dedupes
    assert verify_chain().ok


def test_gives_up_after_the_last_retry(clock: Any, personas: Any, make_case: Any,
                                       household: Any) -> None:
    with receiver([500] * 10) as rx:
        subscribe(personas["caseworker"], rx.url, ["case.created"])
        make_case(person=household.head)
        waits = []
        for _ in range(delivery.MAX_ATTEMPTS):
            assert delivery.step_webhooks(now()) == 1
            row = WebhookDelivery.objects.get()
            if row.next_attempt_at:
                waits.append(row.next_attempt_at - now())
                clock.move_to(row.next_attempt_at)
        clock.shift(timedelta(days=2))
        assert delivery.step_webhooks(now()) == 0
    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                     timedelta(hours=2), timedelta(hours=12)]
    row = WebhookDelivery.objects.get()
    assert (row.outcome, row.attempts) == (DeliveryOutcome.FAILED, 6)
    assert len(rx.received) == 6


def test_a_rolled_back_change_delivers_nothing(clock: Any, personas: Any, make_case: Any,
                                               household: Any) -> None:
    case = make_case(person=household.head)
    with receiver() as rx:
        subscribe(personas["caseworker"], rx.url, ["case.status_changed", "case.created"])
        with pytest.raises(RuntimeError), audit.batch():
            desk.transition(actor=personas["caseworker"], case=case, action="acknowledge",
                            version=case.version)
            assert WebhookDelivery.objects.count() == 1  # written in the change's transaction
            raise RuntimeError("the change fails after the transition")
        assert WebhookDelivery.objects.count() == 0
        assert delivery.step_webhooks(now()) == 0
        case = Case.objects.get(pk=case.pk)
        assert case.status == "new"
        desk.transition(actor=personas["caseworker"], case=case, action="acknowledge",
                        version=case.version)
        assert delivery.step_webhooks(now()) == 1
    [hit] = rx.received
    data = json.loads(hit["body"])
    assert (data["case"]["status"], data["previous_status"]) == ("acknowledged", "new")
    assert verify_chain().ok


def test_a_subscriber_that_loses_scope_gets_nothing(clock: Any, personas: Any, grid_b: Any,
                                                    make_case: Any, household: Any,
                                                    household_b: Any) -> None:
    worker = personas["gridworker"]  # grid A
    with receiver() as rx:
        subscribe(worker, rx.url, ["case.created"])
        make_case(person=household_b.head)  # grid B: never enqueued for grid A's worker
        assert WebhookDelivery.objects.count() == 0
        make_case(person=household.head)
        assert WebhookDelivery.objects.count() == 1
        worker.grids.set([grid_b])  # moved to grid B before the job runs
        assert delivery.step_webhooks(now()) == 1
    assert rx.received == []
    row = WebhookDelivery.objects.get()
    assert (row.outcome, row.last_error, row.attempts) == ("dropped", "no_access", 0)
    assert verify_chain().ok


def test_referral_answered_and_the_department_filter(clock: Any, personas: Any,
                                                     make_case: Any, household: Any,
                                                     education: Any, legal_partner: Any) -> None:
    case = make_case(person=household.head)
    with receiver() as rx:
        subscribe(personas["head"], rx.url, ["referral.answered"], department=education)
        subscribe(personas["caseworker"], rx.url, ["referral.answered"],
                  department=legal_partner)
        referral = desk.referral_create(actor=personas["head"], case=case, department=education,
                                        version=case.version, message="请协助安排学位",
                                        override_reason="家长口头同意，书面同意随后补")
        desk.referral_answer(token=desk.referral_token(referral), name="王老师",
                             answer="已安排")
        assert delivery.step_webhooks(now()) == 1
    [hit] = rx.received
    data = json.loads(hit["body"])
    assert data["event"] == "referral.answered" and data["department"] == "education"
    assert "王老师" not in hit["body"].decode() and "已安排" not in hit["body"].decode()
    assert WebhookDelivery.objects.get().subscription.user == personas["head"]


def test_redirects_are_not_followed(clock: Any, personas: Any, make_case: Any,
                                    household: Any) -> None:
    with receiver([302]) as rx:
        subscribe(personas["caseworker"], rx.url, ["case.created"])
        make_case(person=household.head)
        assert delivery.step_webhooks(now()) == 1
    row = WebhookDelivery.objects.get()
    assert (row.outcome, row.last_status_code, len(rx.received)) == ("pending", 302, 1)


def test_the_job_is_registered() -> None:
    assert "webhooks" in {job.name for job in scheduler.jobs()}


def _dns(monkeypatch: Any, answers: dict[str, str]) -> list[str]:
    """Answer for the names in `answers` (changeable later); count the look-ups."""
    real, asked = socket.getaddrinfo, []

    def fake(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in answers:
            asked.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return asked


def test_a_host_that_turns_private_is_not_sent_to(clock: Any, personas: Any, make_case: Any,
                                                  household: Any, monkeypatch: Any) -> None:
    answers = {"hooks.example.cn": "93.184.216.34"}
    _dns(monkeypatch, answers)
    connections: list[Any] = []

    def no_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        connections.append(address)
        raise OSError("the test makes no connection")
    monkeypatch.setattr(socket, "create_connection", no_connection)
    with override_settings(WEBHOOK_ALLOW_PRIVATE=False):
        subscribe(personas["caseworker"], "https://hooks.example.cn/hook", ["case.created"])
        make_case(person=household.head)
        answers["hooks.example.cn"] = "10.0.0.5"  # DNS rebinding after the check
        assert delivery.step_webhooks(now()) == 1
    assert connections == []
    row = WebhookDelivery.objects.get()
    assert (row.outcome, row.attempts, row.last_status_code, row.last_error) == (
        "pending", 1, None, "address_refused")
    assert row.log[-1]["error"] == "address_refused"
    assert row.next_attempt_at == now() + timedelta(minutes=1)


def test_the_post_goes_to_the_checked_address_with_the_hosts_name(
        clock: Any, personas: Any, make_case: Any, household: Any, monkeypatch: Any) -> None:
    with receiver() as rx:
        port = rx.url.split(":")[2].split("/")[0]
        asked = _dns(monkeypatch, {"hooks.example.test": "127.0.0.1"})
        subscribe(personas["caseworker"], f"http://hooks.example.test:{port}/hook?k=1",
                  ["case.created"])
        make_case(person=household.head)
        assert delivery.step_webhooks(now()) == 1
    [hit] = rx.received
    assert hit["headers"]["Host"] == f"hooks.example.test:{port}"
    assert asked == ["hooks.example.test"]  # resolved once, when sending; not again to connect
    assert WebhookDelivery.objects.get().outcome == "delivered"


def test_each_attempt_signs_and_backs_off_from_its_own_time(clock: Any, personas: Any,
                                                            make_case: Any,
                                                            household: Any) -> None:
    with receiver([500]) as rx:
        _sub, secret = subscribe(personas["caseworker"], rx.url, ["case.created"])
        make_case(person=household.head)
        tick_start = now()
        clock.shift(timedelta(minutes=10))  # the tick's earlier steps took long
        assert delivery.step_webhooks(tick_start) == 1
    [hit] = rx.received
    sig = hit["headers"]["X-Jiayuan-Signature"]
    assert sig.startswith(f"t={int(now().timestamp())},")
    assert verify(secret, sig, hit["body"], now=now().timestamp())
    row = WebhookDelivery.objects.get()
    assert row.last_attempt_at == now() and row.log[0]["at"] == now().isoformat()
    assert row.next_attempt_at == now() + timedelta(minutes=1)


def test_two_runs_claiming_the_same_row_send_once(clock: Any, personas: Any, make_case: Any,
                                                  household: Any) -> None:
    assert delivery.BATCH * timedelta(seconds=delivery.TIMEOUT) <= delivery.LEASE
    with receiver() as rx:
        subscribe(personas["caseworker"], rx.url, ["case.created"])
        make_case(person=household.head)
        [pk], lease_a = delivery.claim(now())  # run A claims, then stalls
        assert delivery.claim(now()) == ([], delivery.LEASE + now())  # held: nobody else
        clock.shift(delivery.LEASE)  # A's lease runs out
        [pk_b], lease_b = delivery.claim(now())  # run B takes the row over
        assert pk_b == pk and lease_b != lease_a
        assert delivery.attempt(pk, lease_a) is None  # A wakes up: not sent
        assert rx.received == []
        assert delivery.attempt(pk, lease_b) == "delivered"
        assert delivery.attempt(pk, lease_b) is None  # and never twice by B either
        clock.shift(delivery.LEASE)
        assert delivery.step_webhooks(now()) == 0
    assert len(rx.received) == 1
    assert WebhookDelivery.objects.get().attempts == 1


def test_the_post_is_made_outside_any_transaction(clock: Any, personas: Any, make_case: Any,
                                                  household: Any, monkeypatch: Any) -> None:
    # The test's own transaction wraps everything: the POST must run at that
    # depth, inside none of the job's (a transactional test here would flush the
    # database and break the serialized-rollback tests after it on this worker).
    seen: list[int] = []
    real_post = delivery.post

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(len(connection.atomic_blocks))
        return real_post(*args, **kwargs)
    monkeypatch.setattr(delivery, "post", spy)
    with receiver() as rx:
        subscribe(personas["caseworker"], rx.url, ["case.created"])
        make_case(person=household.head)
        depth = len(connection.atomic_blocks)
        assert delivery.step_webhooks(now()) == 1
    assert seen == [depth] and len(rx.received) == 1
    assert WebhookDelivery.objects.get().outcome == "delivered"
