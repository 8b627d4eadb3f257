from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import call_command

from jiayuan.registry import services
from jiayuan.registry.search import search
from tests.conftest import ZHENG_ID, make_dwelling


def names(user, q):
    return [h.person.name if h.person else f"household:{h.household.pk}"
            for h in search(user, q)]


@pytest.mark.parametrize("query", ["鄭容哲", "郑容哲", "zhengrongzhe", "zrz", "ZRZ", "ｚｒｚ",
                                   "容哲", "rongzhe", "zheng rong"])
def test_it_finds_a_person_by_any_form_of_the_name(household, head, query):
    assert names(head, query)[0] == "鄭容哲"


def test_it_ranks_the_exact_name_first(household, head, dwelling_a2):
    services.household_create(actor=head, dwelling=dwelling_a2, residency="registered",
                              moved_in=date(2020, 1, 1),
                              head={"name": "郑容哲明", "sex": "M"})
    assert names(head, "郑容哲")[:2] == ["鄭容哲", "郑容哲明"]


def test_it_finds_by_full_id_number_in_either_letter_case(household, head):
    assert names(head, ZHENG_ID) == ["鄭容哲"]
    assert names(head, ZHENG_ID.lower()) == ["鄭容哲"]


def test_it_finds_by_phone_and_by_its_last_four_digits(household, head):
    assert names(head, "138 1234 5678") == ["鄭容哲"]
    assert names(head, "+86 13812345678") == ["鄭容哲"]
    assert names(head, "1234") == ["金英姬"]  # 13955551234
    assert names(head, "5678") == ["鄭容哲"]


def test_it_finds_households_by_dwelling(household, head):
    hits = search(head, "3-2-302")
    assert [h.household.pk for h in hits] == [household.pk]
    assert hits[0].kind == "household"


def test_it_only_finds_what_is_in_scope(household, household_b, personas):
    assert names(personas["gridworker"], "zrz") == ["鄭容哲"]
    assert names(personas["outsider"], "zrz") == []
    assert names(personas["outsider"], "5678") == []
    assert names(personas["outsider"], ZHENG_ID) == []
    assert names(personas["outsider"], "3-2-302") == []
    assert names(personas["outsider"], "马忠华") == ["马忠华"]
    assert names(personas["gridworker"], "马忠华") == []


def test_it_returns_nothing_for_roles_without_registry_access(household, personas):
    personas["admin"].role = "nobody"
    assert search(personas["admin"], "zrz") == []


def test_nonsense_and_invalid_numbers_find_nothing(household, head):
    assert names(head, "") == []
    assert names(head, "   ") == []
    assert names(head, "110105194912310021") == []  # wrong check digit
    assert names(head, "12345") == []


def test_the_search_command_prints_json(household, head, capsys):
    call_command("search", "zrz", "--as", "head", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["name"] == "鄭容哲" and rows[0]["dwelling"] == "3-2-302"
    assert rows[0]["phone"] == "138****5678"


def test_the_search_command_respects_scope(household, personas, capsys):
    call_command("search", "zrz", "--as", "outsider", "--json")
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.parametrize("query", ["3-2-302", "3栋2单元302室", "３－２－３０２", "3幢2单元302"])
def test_it_reads_dwellings_written_in_several_ways(household, head, query):
    assert [h.household.pk for h in search(head, query)] == [household.pk]


def test_landlines_and_dashed_mobiles_are_phones_not_dwellings(household, head):
    from jiayuan.lib.phone import normalize_phone

    services.person_update(actor=head, person=household.head, phone="0512-57671234")
    assert names(head, "0512-57671234") == ["鄭容哲"]
    assert names(head, "138-5555-1234") == [] and normalize_phone("+86 10 6234 5678") == \
        "010-62345678"


def test_a_surname_prefix_is_not_crowded_out_by_inner_characters(head, grid_a):
    from jiayuan.registry.models import Person, SearchKey

    household = services.household_create(
        actor=head, dwelling=make_dwelling(grid_a, "5", "1", "101"), residency="registered",
        moved_in=date(2020, 1, 1), head={"name": "王芳", "sex": "F"})
    template = Person.objects.get(pk=household.head_id)
    for i in range(320):  # many people with 王 inside their names
        p = Person.objects.create(household=household, grid_id=household.grid_id,
                                  name=f"李王{i}", sex="M")
        SearchKey.objects.create(person=p, grid_id=p.grid_id, kind=SearchKey.NAME, pos=1,
                                 key=f"王{i}")
    assert template.name in names(head, "王")[:3]
