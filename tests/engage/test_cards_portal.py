"""The public side of a card: the QR code's short link and its landing page.
Live: a redirect to a page with the hotline; revoked: 410 with the station's
current hotline; forged, tampered or unknown: 404. Never a 500, never a
resident."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jiayuan.engage.cards import services
from jiayuan.engage.cards.links import card_path, card_token
from jiayuan.engage.cards.models import CardLink


def _link(head: Any, user: Any = None, hotline: str = "0512-5555 0123") -> CardLink:
    return services.card_link_create(actor=head, user=user, role="网格员",
                                     office_hours="周一至周五 9:00-17:00", hotline=hotline)


@pytest.fixture
def worker(personas: dict) -> Any:
    worker = personas["gridworker"]
    worker.first_name, worker.last_name = "建平", "顾"
    worker.save(update_fields=["first_name", "last_name"])
    return worker


@pytest.mark.django_db
def test_a_live_short_link_redirects_to_the_cards_page(personas: dict, worker: Any) -> None:
    link = _link(personas["head"], worker)
    response = Client().get(card_path(link))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal_card", kwargs={"code": card_token(link)})


@pytest.mark.django_db
def test_the_landing_page_names_the_given_name_role_and_hotline(personas: dict, worker: Any,
                                                                household: Any) -> None:
    link = _link(personas["head"], worker)
    response = Client().get(card_path(link), follow=True)
    text = response.content.decode()
    assert response.status_code == 200
    assert "建平" in text and "网格员" in text and "0512-5555 0123" in text
    assert "顾建平" not in text  # the given name only
    assert household.head.name not in text
    assert reverse("portal") in text
    assert "noindex" in response["X-Robots-Tag"]


@pytest.mark.django_db
def test_the_stations_card_opens_the_stations_page(personas: dict) -> None:
    link = _link(personas["head"])
    response = Client().get(reverse("portal_card", kwargs={"code": card_token(link)}))
    assert response.status_code == 200
    assert "0512-5555 0123" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["card_short", "portal_card"])
def test_a_revoked_card_says_it_is_out_of_date_with_the_current_hotline(
        personas: dict, worker: Any, name: str) -> None:
    head = personas["head"]
    old = _link(head, worker, hotline="139 0000 0000")
    _link(head, hotline="0512-8888 9999")  # the station's card
    _link(head, worker, hotline="139 1111 1111")  # the new card replaces the old one
    response = Client().get(reverse(name, kwargs={"code": card_token(old)}))
    text = response.content.decode()
    assert response.status_code == 410
    assert "0512-8888 9999" in text and "139 0000 0000" not in text
    assert reverse("portal") in text


@pytest.mark.django_db
def test_a_tampered_link_is_a_clear_404(personas: dict) -> None:
    link = _link(personas["head"])
    code, sig = card_token(link).rsplit(".", 1)
    other = "Y" if code.endswith("Z") else "Z"  # a changed code (random: it may end in Z)
    for token in (code, f"{code}.{sig[::-1]}", f"{code[:-1]}{other}.{sig}", f"{code}.", "."):
        response = Client().get(reverse("card_short", kwargs={"code": token}))
        assert response.status_code == 404, token
        assert "not valid" in response.content.decode() or "无效" in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_code_with_a_genuine_signature_is_a_404(db: Any) -> None:
    response = Client().get(reverse("portal_card", kwargs={"code": card_token("nosuchcd")}))
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_public_link_reads_the_database_a_few_times_only(
        personas: dict, django_assert_max_num_queries: Any) -> None:
    link = _link(personas["head"])
    client = Client()
    with django_assert_max_num_queries(4):
        client.get(reverse("portal_card", kwargs={"code": card_token(link)}))
