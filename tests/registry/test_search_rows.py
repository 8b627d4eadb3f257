"""The search box's hand-written reads (jiayuan.registry.search_rows) give what
the ORM gave: the same instances, the same candidates, the same ranking."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from jiayuan.registry import services
from jiayuan.registry.models import Household, Person, SearchKey
from jiayuan.registry.search import search
from tests.conftest import make_dwelling


def fields(obj: Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def same_instance(ours: Model, orm: Model) -> None:
    assert type(ours) is type(orm)
    assert fields(ours) == fields(orm)
    assert (ours._state.db, ours._state.adding) == (orm._state.db, orm._state.adding)


def test_the_hits_are_the_instances_select_related_builds(household, head):
    hits = search(head, "郑")
    assert {h.person.name for h in hits} >= {"鄭容哲", "郑民浩"}
    orm = {p.pk: p for p in Person.objects.select_related("household__dwelling__building")}
    with CaptureQueriesContext(connection) as ctx:
        for hit in hits:
            theirs = orm[hit.person.pk]
            same_instance(hit.person, theirs)
            assert hit.household is hit.person.household
            same_instance(hit.person.household, theirs.household)
            same_instance(hit.person.household.dwelling, theirs.household.dwelling)
            same_instance(hit.person.household.dwelling.building,
                          theirs.household.dwelling.building)
    assert ctx.captured_queries == []  # every related object came with the hit
    zheng = next(h.person for h in hits if h.person.name == "鄭容哲")
    assert zheng.languages == ["ko", "zh"]  # a JSON field, converted


def test_a_dwellings_households_come_with_their_head_or_none(household, head, dwelling_a):
    empty = services.household_create(actor=head, dwelling=dwelling_a, residency="registered",
                                      moved_in=date(2021, 1, 1), head={"name": "李四", "sex": "M"})
    Household.objects.filter(pk=empty.pk).update(head=None)
    hits = search(head, dwelling_a.code)
    assert [h.household.pk for h in hits] == [empty.pk, household.pk]  # newest first
    orm = {h.pk: h for h in Household.objects.select_related("dwelling__building", "head")}
    with CaptureQueriesContext(connection) as ctx:
        for hit in hits:
            theirs = orm[hit.household.pk]
            same_instance(hit.household, theirs)
            same_instance(hit.household.dwelling.building, theirs.dwelling.building)
            if theirs.head is None:
                assert hit.household.head is None
            else:
                same_instance(hit.household.head, theirs.head)
    assert ctx.captured_queries == []


def test_a_percent_sign_is_not_a_wildcard(household, head):
    assert [h.person.name for h in search(head, "郑民")] == ["郑民浩"]
    assert search(head, "郑%") == []
    assert search(head, "%") == []


def test_inner_parts_come_after_whole_names_when_there_is_room(head, grid_a):
    """A typed surname: names that start with it first; names with it inside
    (李王五, from the same statement's second scan) after them, when those did
    not fill the page."""
    household = services.household_create(
        actor=head, dwelling=make_dwelling(grid_a, "5", "1", "101"), residency="registered",
        moved_in=date(2020, 1, 1), head={"name": "李王五", "sex": "M"})
    inner = Person.objects.get(pk=household.head_id)

    def add(name: str) -> None:
        p = Person.objects.create(household=household, grid_id=household.grid_id, name=name,
                                  sex="M")
        SearchKey.objects.create(person=p, grid_id=p.grid_id, kind=SearchKey.NAME, pos=0,
                                 key=name)

    for i in range(4):
        add(f"王{i}")
    found = [h.person for h in search(head, "王", limit=5)]
    assert found[-1] == inner and len(found) == 5
    assert [h.score for h in search(head, "王", limit=5)] == [65] * 4 + [45]  # +5: not left
    add("王4")
    assert inner not in [h.person for h in search(head, "王", limit=5)]
    assert inner in [h.person for h in search(head, "王", limit=6)]
