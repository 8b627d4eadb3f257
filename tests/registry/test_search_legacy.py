"""Search by the legacy 15-digit form of an ID-card number.

Cards issued before 1999 carry 15 digits (no century, no check character). A
resident registered with the 18-character number must be found when someone
types the old number from an old card or an old paper roster.
"""

from __future__ import annotations

from datetime import date

from django.test import Client
from django.urls import reverse

from jiayuan.lib.idcard import convert_legacy, make_id_number
from jiayuan.registry.models import Person
from jiayuan.registry.search import search
from tests.conftest import ZHENG_ID


def legacy_of(number18: str) -> str:
    """The 15-digit number the same person carried before 1999: drop the
    century ("19") and the check character."""
    assert number18[6:8] == "19"
    return number18[:6] + number18[8:17]


ZHENG_LEGACY = legacy_of(ZHENG_ID)


def found(user, q) -> list[str]:
    return [h.person.name for h in search(user, q) if h.kind == "person"]


def test_the_legacy_number_is_the_18_digit_one_without_century_and_check():
    assert len(ZHENG_LEGACY) == 15 and ZHENG_LEGACY.isdigit()
    # The fixture's number really is the upgrade of this legacy number.
    assert convert_legacy(ZHENG_LEGACY) == ZHENG_ID


def test_the_15_digit_form_finds_the_person_registered_with_18_digits(household, head):
    hits = search(head, ZHENG_LEGACY)
    assert [h.person.pk for h in hits] == [household.head_id]
    assert hits[0].kind == "person" and hits[0].household.pk == household.pk


def test_the_15_digit_form_is_found_however_it_is_typed(household, head):
    spaced = f"{ZHENG_LEGACY[:6]} {ZHENG_LEGACY[6:12]} {ZHENG_LEGACY[12:]}"
    full_width = ZHENG_LEGACY.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for query in (spaced, full_width, f"  {ZHENG_LEGACY}  "):
        assert found(head, query) == ["鄭容哲"], repr(query)


def test_a_legacy_number_of_someone_else_finds_nobody(household, head):
    # Same region and birth date, another sequence number: another person.
    other = legacy_of(make_id_number("222401", date(1958, 3, 14), 33))
    assert other != ZHENG_LEGACY
    assert found(head, other) == []


def test_a_person_registered_from_an_old_card_is_found_by_either_form(head, household):
    """The other way round: the 15-digit number typed into the member form is
    stored as the 18-digit one; both forms find the person."""
    number = make_id_number("320502", date(1971, 11, 30), 82)  # even: a woman
    client = Client()
    client.force_login(head)
    response = client.post(reverse("person_create", kwargs={"pk": household.pk}), {
        "name": "周淑芬", "sex": "F", "birth_date": "1971-11-30", "id_number": legacy_of(number),
        "phone": "", "relation": "relative", "origin_code": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(name="周淑芬")
    assert [h.person.pk for h in search(head, number)] == [person.pk]
    assert [h.person.pk for h in search(head, legacy_of(number))] == [person.pk]


def test_the_legacy_form_respects_scope(household, personas):
    assert found(personas["gridworker"], ZHENG_LEGACY) == ["鄭容哲"]
    assert found(personas["outsider"], ZHENG_LEGACY) == []


def test_the_search_page_finds_the_person_by_the_legacy_number(household, head):
    client = Client()
    client.force_login(head)
    response = client.post(reverse("search"), {"q": ZHENG_LEGACY}, follow=True)
    assert response.status_code == 200
    assert [h.person.pk for h in response.context["hits"]] == [household.head_id]
    assert reverse("person_detail", kwargs={"pk": household.head_id}) in response.content.decode()
    # The page never echoes a whole ID number other than the one typed.
    assert ZHENG_ID not in response.content.decode()
