"""Type-ahead pickers for a dwelling and an origin place: selectors (scope,
matching), the htmx answers, and the forms with and without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jiayuan.places.models import Building, Dwelling
from jiayuan.registry.models import Household, Person
from jiayuan.registry.selectors import dwelling_picks, origin_picks, origin_place
from tests.conftest import make_dwelling


def client_for(user, lang="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


@pytest.fixture
def estate(grid_a, grid_b):
    """Named estates in both grids: 幸福里 3-2-302 in A, 和平苑 3-2-302 in B."""
    a = Building.objects.create(grid=grid_a, number="3", name="幸福里")
    b = Building.objects.create(grid=grid_b, number="3", name="和平苑")
    return {"a": Dwelling.objects.create(building=a, unit="2", room="302"),
            "a2": Dwelling.objects.create(building=a, unit="2", room="3021"),
            "a3": Dwelling.objects.create(building=a, unit="1", room="101"),
            "b": Dwelling.objects.create(building=b, unit="2", room="302")}


# --- selectors: dwellings -------------------------------------------------------

def test_dwellings_are_only_those_in_the_users_grids(estate, personas):
    found = dwelling_picks(personas["gridworker"], "3-2-302")
    assert estate["b"] not in found and estate["a"] in found
    assert dwelling_picks(personas["outsider"], "幸福") == []
    # Community-wide roles see both estates.
    assert {estate["a"], estate["b"]} <= set(dwelling_picks(personas["head"], "3-2-302"))


def test_an_exact_code_comes_before_longer_ones(estate, personas):
    found = dwelling_picks(personas["gridworker"], "3-2-302")
    assert found[0] == estate["a"] and estate["a2"] in found


def test_a_dwelling_is_found_written_out_by_estate_or_by_room(estate, personas):
    worker = personas["gridworker"]
    assert dwelling_picks(worker, "3栋2单元302室")[0] == estate["a"]
    assert set(dwelling_picks(worker, "幸福")) == {estate["a"], estate["a2"], estate["a3"]}
    assert dwelling_picks(worker, "幸福 101") == [estate["a3"]]
    assert estate["a"] in dwelling_picks(worker, "302")
    assert dwelling_picks(worker, "没有这个小区") == []
    assert dwelling_picks(worker, "   ") == []


def test_a_hostile_query_finds_nothing_and_does_not_fail(estate, personas):
    for q in ("²", "'", "%", "_", "-1", "1e99", "x" * 5000):
        dwelling_picks(personas["gridworker"], q)


# --- selectors: origin places -----------------------------------------------------

@pytest.mark.parametrize("q", ["苏州", "蘇州", "苏州市", "suzhou", "SuZhou", "3205", "320583"])
def test_an_origin_place_is_found_by_name_pinyin_or_code(q):
    assert origin_picks(q)[0].label == "江苏省 苏州市"


def test_initials_find_the_place():
    assert "222400" in [p.code for p in origin_picks("yb")]  # 延边朝鲜族自治州
    assert [p.code for p in origin_picks("cq")] == ["500100"]  # 重庆


def test_the_places_own_name_comes_before_its_province():
    # 吉林 is both a province and a prefecture of it: the prefecture first.
    assert origin_picks("吉林")[0].code == "220200"


def test_a_province_lists_its_prefectures_and_nothing_is_found_for_rubbish():
    assert len(origin_picks("江苏", limit=20)) == 13
    assert origin_picks("zzzzzz") == [] and origin_picks("999999") == []
    assert origin_picks("") == [] and origin_picks("'") == []


def test_a_county_code_shows_as_its_prefecture():
    place = origin_place("320583")
    assert place.code == "320583" and place.label == "江苏省 苏州市"
    assert origin_place("320000") is None  # a province alone is not a place of origin


# --- the htmx answers --------------------------------------------------------------

def test_the_dwelling_picker_answers_with_radio_buttons_in_scope(estate, personas):
    response = client_for(personas["gridworker"]).get(
        reverse("dwelling_picks"), {"field": "dwelling", "dwelling_q": "302"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="dwelling" value="{estate["a"].pk}"' in html
    assert f'value="{estate["b"].pk}"' not in html


def test_a_chosen_dwelling_out_of_scope_is_not_echoed(estate, personas):
    response = client_for(personas["gridworker"]).get(
        reverse("dwelling_picks"), {"field": "dwelling", "dwelling": estate["b"].pk,
                                    "dwelling_q": ""})
    assert "和平苑" not in response.content.decode()


def test_the_origin_picker_answers_and_keeps_the_empty_choice(personas):
    response = client_for(personas["gridworker"]).get(
        reverse("origin_picks"), {"field": "head-origin_code", "head-origin_code_q": "延边"})
    html = response.content.decode()
    assert 'name="head-origin_code" value="222400"' in html
    assert 'name="head-origin_code" value=""' in html


@pytest.mark.parametrize("params", [{}, {"field": "<script>"}, {"field": "x" * 80},
                                    {"field": "dwelling", "dwelling": "²"},
                                    {"field": "dwelling", "dwelling": str(10**24)}])
def test_hostile_picker_requests_are_refused_or_empty(estate, personas, params):
    response = client_for(personas["gridworker"]).get(reverse("dwelling_picks"), params)
    assert response.status_code in (200, 400)


def test_the_pickers_need_a_login_and_the_registry(db, personas):
    assert Client().get(reverse("origin_picks")).status_code == 302


# --- the forms ---------------------------------------------------------------------

def head_form(**values):
    data = {"residency": "floating", "moved_in": "2024-01-01", "head-name": "马小龙",
            "head-sex": "M", "head-id_number": "", "head-phone": "", "head-origin_code": ""}
    data.update(values)
    return data


def test_the_household_form_has_no_dropdown_of_every_dwelling(estate, personas):
    html = client_for(personas["gridworker"]).get(reverse("household_create")).content.decode()
    assert 'name="dwelling_q"' in html and 'name="head-origin_code_q"' in html
    assert "<select" not in html.split('name="dwelling_q"')[1].split("</div>")[0]
    assert "江苏省 苏州市" not in html  # the 372 places are not all on the page


def test_a_household_is_opened_with_the_choices_made_in_the_pickers(estate, personas):
    response = client_for(personas["gridworker"]).post(reverse("household_create"), head_form(
        dwelling=str(estate["a3"].pk), **{"head-origin_code": "320500"}))
    assert response.status_code == 302
    household = Household.objects.get(dwelling=estate["a3"])
    assert household.head.origin_code == "320500"


def test_without_javascript_a_typed_text_with_one_match_is_taken(estate, personas):
    response = client_for(personas["gridworker"]).post(reverse("household_create"), head_form(
        dwelling_q="幸福 101", **{"head-origin_code_q": "延边"}))
    assert response.status_code == 302
    household = Household.objects.get(dwelling=estate["a3"])
    assert household.head.origin_code == "222400"


def test_without_javascript_several_matches_come_back_to_choose_from(estate, personas):
    client = client_for(personas["gridworker"])
    response = client.post(reverse("household_create"), head_form(
        dwelling_q="3-2-302", **{"head-origin_code_q": "zhou"}))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Several dwellings match “3-2-302”" in html
    assert f'name="dwelling" value="{estate["a"].pk}"' in html
    assert f'name="dwelling" value="{estate["a2"].pk}"' in html
    assert 'name="head-origin_code" value="330900"' in html  # 舟山
    assert not Household.objects.filter(dwelling__building__name="幸福里").exists()
    # Choosing among them (the boxes came back empty) opens the file.
    response = client.post(reverse("household_create"), head_form(
        dwelling=str(estate["a"].pk), **{"head-origin_code": "330900"}))
    assert response.status_code == 302


def test_a_dwelling_out_of_scope_is_refused_like_a_missing_one(estate, personas):
    client = client_for(personas["gridworker"])
    outside = client.post(reverse("household_create"), head_form(dwelling=str(estate["b"].pk)))
    missing = client.post(reverse("household_create"), head_form(dwelling="999999"))
    assert outside.status_code == missing.status_code == 200
    assert not Household.objects.filter(dwelling=estate["b"]).exists()
    assert "No dwelling matches" in outside.content.decode()


def test_an_invalid_origin_code_is_named(household, personas):
    wife = household.members.get(name="金英姬")
    response = client_for(personas["gridworker"]).post(
        reverse("person_edit", kwargs={"pk": wife.pk}),
        {"name": "金英姬", "sex": "F", "relation": "spouse", "origin_code": "320000"})
    assert "No place of origin matches" in response.content.decode()
    assert Person.objects.get(pk=wife.pk).origin_code == "222400"


def test_the_edit_form_shows_the_origin_on_record_chosen(household, personas):
    wife = household.members.get(name="金英姬")
    html = client_for(personas["gridworker"]).get(
        reverse("person_edit", kwargs={"pk": wife.pk})).content.decode()
    assert 'name="origin_code" value="222400" checked' in html


def test_a_household_moves_to_a_dwelling_chosen_by_typing(household, personas, grid_a):
    target = make_dwelling(grid_a, "9", "1", "901")
    response = client_for(personas["gridworker"]).post(
        reverse("household_move", kwargs={"pk": household.pk}),
        {"dwelling_q": "9-1-901", "on": "2026-01-01", "version": household.version})
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.dwelling_id == target.pk


# --- the one picker helper: every kind ------------------------------------------

def _answer(rf: Any, user: Any, kind: str, **params: str) -> Any:
    from jiayuan.registry.pickers import picker, picker_response

    # What was typed is posted (never in the address); a pick is a GET of an id.
    request = rf.post("/pick/", {"q": params["q"]}) if "q" in params else rf.get("/pick/", params)
    request.user = user
    return picker_response(request, picker(f"{kind}-p", kind, "/pick/", kind=kind))


def test_the_one_picker_finds_and_opens_each_kind_in_scope(rf: Any, household: Any,
                                                            personas: dict) -> None:
    from django.http import Http404

    worker, outsider = personas["gridworker"], personas["outsider"]
    html = _answer(rf, worker, "household", q="鄭容哲").content.decode()
    assert household.dwelling.code in html and f"?pick={household.pk}" in html
    html = _answer(rf, worker, "household", pick=str(household.pk)).content.decode()
    assert f'name="household" value="{household.pk}"' in html and 'hx-swap-oob' in html
    html = _answer(rf, worker, "dwelling", q=household.dwelling.code).content.decode()
    assert f"?pick={household.dwelling_id}" in html
    html = _answer(rf, worker, "person", pick=str(household.head_id)).content.decode()
    assert f'name="person" value="{household.head_id}"' in html
    assert "?pick=" not in _answer(rf, outsider, "household", q="鄭容哲").content.decode()
    for kind, pk in (("household", household.pk), ("dwelling", household.dwelling_id),
                     ("person", household.head_id)):
        with pytest.raises(Http404):
            _answer(rf, outsider, kind, pick=str(pk))


def test_a_person_picker_offers_the_head_of_a_household_found_by_its_dwelling(
        household: Any, household_b: Any, personas: dict) -> None:
    from datetime import date

    from jiayuan.registry import services
    from jiayuan.registry.selectors import person_picks

    worker, head = personas["gridworker"], personas["head"]
    code = household.dwelling.code
    assert person_picks(worker, code) == [household.head]
    assert person_picks(worker, household_b.dwelling.code) == []  # another grid
    # A member who left is not offered, by name or otherwise.
    grandson = household.members.get(name="郑民浩")
    services.person_leave(actor=head, person=grandson, on=date(2025, 1, 1))
    assert grandson not in person_picks(worker, "郑民浩")
    # A household that moved out offers nobody.
    services.household_move_out(actor=head, household=household, on=date(2025, 2, 1))
    assert person_picks(worker, code) == []
