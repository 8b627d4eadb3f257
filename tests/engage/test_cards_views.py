"""Staff pages of contact cards: the cards page with the year's counts, a
new link, revoking, a batch (bad input: a clear message, nothing saved),
the batch's PDF (the name on it, no resident), query counts."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.engage.cards import services
from jiayuan.engage.cards.models import CardBatch, CardLink
from tests.conftest import station_moment

DAY = date(2027, 3, 10)


@pytest.fixture(autouse=True)
def clock() -> Any:
    """The year's counts and the batches are read on one fixed day."""
    with time_machine.travel(station_moment(DAY), tick=False):
        yield station_moment(DAY)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _link(head: Any, user: Any = None) -> CardLink:
    return services.card_link_create(actor=head, user=user, role="网格员",
                                     office_hours="周一至周五 9:00-17:00",
                                     hotline="0512-5555 0123")


@pytest.fixture
def worker(personas: dict) -> Any:
    worker = personas["gridworker"]
    worker.first_name, worker.last_name = "建平", "顾"
    worker.save(update_fields=["first_name", "last_name"])
    return worker


@pytest.mark.django_db
def test_the_cards_page_shows_the_years_total_and_per_card(personas: dict, worker: Any,
                                                           django_assert_max_num_queries: Any
                                                           ) -> None:
    head = personas["head"]
    a, b = _link(head, worker), _link(head)
    services.card_batch_create(actor=head, lines=[(a, 600), (b, 400)])
    services.card_link_revoke(actor=head, link=_link(head, personas["caseworker"]))
    client = _client(personas["gridworker"])
    # 12 + 1 since 0.11.0: the second factor's device, read on every request.
    with django_assert_max_num_queries(13):
        response = client.get(reverse("card_list"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "1,000" in text and "顾建平" in text and "600" in text
    assert reverse("card_link_new") not in text  # the grid worker sees, the head issues


@pytest.mark.django_db
def test_the_cards_page_reads_the_same_number_of_times_for_more_cards(
        personas: dict, django_assert_max_num_queries: Any) -> None:
    head = personas["head"]
    for user in (None, personas["gridworker"], personas["caseworker"], personas["mediator"]):
        link = _link(head, user)
        services.card_batch_create(actor=head, lines=[(link, 5)])
    client = _client(head)
    # 12 + 1 since 0.11.0: the second factor's device, read on every request.
    with django_assert_max_num_queries(13):
        assert client.get(reverse("card_list")).status_code == 200


@pytest.mark.django_db
def test_the_forms_open_for_the_head(personas: dict, worker: Any) -> None:
    _link(personas["head"])
    client = _client(personas["head"])
    link_form = client.get(reverse("card_link_new"))
    assert link_form.status_code == 200 and "顾建平" in link_form.content.decode()
    batch_form = client.get(reverse("card_batch_new"))
    assert batch_form.status_code == 200 and 'name="copies_' in batch_form.content.decode()


@pytest.mark.django_db
def test_the_head_makes_a_link_from_the_form(personas: dict, worker: Any) -> None:
    response = _client(personas["head"]).post(reverse("card_link_new"), {
        "user": worker.pk, "role": "网格员", "office_hours": "", "hotline": "0512-1"})
    assert response.status_code == 302
    assert CardLink.objects.get().user == worker


@pytest.mark.django_db
def test_a_link_form_without_a_hotline_says_so(personas: dict) -> None:
    response = _client(personas["head"]).post(reverse("card_link_new"), {"hotline": ""})
    assert response.status_code == 400
    assert not CardLink.objects.exists()


@pytest.mark.django_db
def test_a_link_form_naming_a_stranger_says_so(personas: dict) -> None:
    # The admin role cannot be on a card (no front-line permission).
    response = _client(personas["head"]).post(reverse("card_link_new"), {
        "user": personas["admin"].pk, "hotline": "0512-1"})
    assert response.status_code == 400
    assert not CardLink.objects.exists()


@pytest.mark.django_db
def test_revoking_from_the_page(personas: dict, worker: Any) -> None:
    head = personas["head"]
    link = _link(head, worker)
    client = _client(head)
    assert client.post(reverse("card_link_revoke", args=[link.pk])).status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    # Twice: a message, not an error page.
    assert client.post(reverse("card_link_revoke", args=[link.pk])).status_code == 302


@pytest.mark.django_db
def test_a_batch_from_the_form(personas: dict, worker: Any) -> None:
    head = personas["head"]
    a, b = _link(head, worker), _link(head)
    response = _client(head).post(reverse("card_batch_new"), {
        f"copies_{a.pk}": "20", f"copies_{b.pk}": "0", "note": "入户走访"})
    batch = CardBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("card_batch_detail", args=[batch.pk])
    assert [(line.link_id, line.copies) for line in batch.lines.all()] == [(a.pk, 20)]


@pytest.mark.django_db
@pytest.mark.parametrize("copies", [("0", "0"), ("1500", "600"), ("2001", "0"), ("-3", "1"),
                                    ("abc", "1")])
def test_a_batch_of_no_cards_or_too_many_is_refused_on_the_page(personas: dict, worker: Any,
                                                                 copies: tuple) -> None:
    head = personas["head"]
    a, b = _link(head, worker), _link(head)
    response = _client(head).post(reverse("card_batch_new"), {
        f"copies_{a.pk}": copies[0], f"copies_{b.pk}": copies[1]})
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode() or "msg-error" in \
        response.content.decode()
    assert not CardBatch.objects.exists()


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "cards.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


@pytest.mark.django_db
def test_the_batch_pdf_has_the_cards_and_no_resident(personas: dict, worker: Any,
                                                     household: Any, tmp_path: Path) -> None:
    head = personas["head"]
    a, b = _link(head, worker), _link(head)
    batch = services.card_batch_create(actor=head, lines=[(a, 11), (b, 2)])
    response = _client(head).get(reverse("card_batch_pdf", args=[batch.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content, tmp_path)
    assert text.count("顾建平") == 11
    assert "0512-5555 0123" in text and "网格员" in text
    person = household.head
    assert person.name not in text and person.phone_mask not in text
    assert text.count("\f") == 2  # 13 cards: two A4 pages of ten
    assert AuditEntry.objects.filter(action=AuditAction.PRINT, actor_id=head.pk,
                                     object_id=str(batch.pk)).exists()


@pytest.mark.django_db
def test_the_preview_is_one_card(personas: dict, worker: Any, tmp_path: Path) -> None:
    head = personas["head"]
    link = _link(head, worker)
    response = _client(head).get(reverse("card_preview_pdf", args=[link.pk]))
    assert response.status_code == 200
    assert _pdf_text(response.content, tmp_path).count("顾建平") == 1


@pytest.mark.django_db
def test_the_batch_page_lists_its_lines(personas: dict, worker: Any,
                                        django_assert_max_num_queries: Any) -> None:
    head = personas["head"]
    batch = services.card_batch_create(actor=head, lines=[(_link(head, worker), 7),
                                                          (_link(head), 3)])
    client = _client(head)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("card_batch_detail", args=[batch.pk]))
    text = response.content.decode()
    assert "顾建平" in text and DAY.isoformat() in text
