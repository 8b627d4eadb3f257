"""jiayuan.core.bulk: reserved ids, dict rows with defaults, the worker-thread writer."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from jiayuan.core.bulk import Writer, insert_dicts, insert_rows, reserve_ids
from jiayuan.places.models import Building, Dwelling
from jiayuan.registry.models import Household


def _dwelling(building: Building, pk: int, room: str) -> dict:
    return {"id": pk, "building_id": building.pk, "unit": "1", "room": room,
            "grid_id": building.grid_id, "code": f"{building.number}-1-{room}"}


@pytest.fixture
def building(grid_a) -> Building:
    return Building.objects.create(grid=grid_a, number="9")


def test_reserved_ids_are_new_and_rows_written_with_them_are_whole(building, dwelling_a):
    ids = reserve_ids(Dwelling, 3)
    assert len(set(ids)) == 3 and min(ids) > dwelling_a.pk
    insert_dicts(Dwelling, [_dwelling(building, pk, str(100 + i)) for i, pk in enumerate(ids)],
                 with_id=True)
    written = Dwelling.objects.filter(pk__in=ids).order_by("pk")
    assert [d.room for d in written] == ["100", "101", "102"]
    assert all(d.import_batch_id is None for d in written)  # a left-out column: its default
    # The next object the ORM creates does not collide with a reserved id.
    later = Dwelling.objects.create(building=building, unit="1", room="200")
    assert later.pk not in ids
    assert reserve_ids(Dwelling, 0) == []


def test_defaults_fill_the_columns_left_out(dwelling_a, grid_a):
    (pk,) = reserve_ids(Household, 1)
    insert_dicts(Household, [{"id": pk, "dwelling_id": dwelling_a.pk, "grid_id": grid_a.pk,
                              "residency": "registered", "moved_in": "2024-01-01",
                              "created_at": "2024-01-01 00:00:00+00:00",
                              "updated_at": "2024-01-01 00:00:00+00:00"}], with_id=True)
    household = Household.objects.get(pk=pk)
    assert household.festivals == [] and household.note == "" and household.head_id is None


def test_the_writer_writes_every_batch_in_order(building):
    ids = reserve_ids(Dwelling, 30)
    with Writer(depth=1) as writer:
        for start in range(0, 30, 7):
            writer.insert_dicts(Dwelling, [_dwelling(building, pk, f"{pk}")
                                           for pk in ids[start:start + 7]], with_id=True)
    assert list(Dwelling.objects.filter(building=building).order_by("pk")
                .values_list("pk", flat=True)) == ids


def test_a_database_error_on_the_worker_is_raised_as_djangos_and_nothing_stays(building):
    ids = reserve_ids(Dwelling, 3)
    with pytest.raises(IntegrityError), transaction.atomic(), Writer() as writer:
        writer.insert_dicts(Dwelling, [_dwelling(building, ids[0], "1")], with_id=True)
        # Same building, unit and room: the unique constraint refuses it.
        writer.insert_dicts(Dwelling, [_dwelling(building, ids[1], "1")], with_id=True)
        writer.insert_dicts(Dwelling, [_dwelling(building, ids[2], "2")], with_id=True)
    assert not Dwelling.objects.filter(building=building).exists()


def test_an_error_of_the_caller_stops_the_worker_and_is_not_masked(building):
    ids = reserve_ids(Dwelling, 1)
    with pytest.raises(ZeroDivisionError), transaction.atomic(), Writer() as writer:
        writer.insert_dicts(Dwelling, [_dwelling(building, ids[0], "1")], with_id=True)
        1 / 0  # noqa: B018
    assert not writer.thread.is_alive()
    assert not Dwelling.objects.filter(building=building).exists()


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite checks foreign keys at COMMIT only")
def test_foreign_keys_named_are_checked_as_written_then_deferred_again(household):
    from jiayuan.registry.models import SearchKey

    person = household.head
    row = (person.pk, person.grid_id, SearchKey.NAME, 0, "x")
    orphan = (10**12, person.grid_id, SearchKey.NAME, 0, "x")
    columns = ["person_id", "grid_id", "kind", "pos", "key"]
    with pytest.raises(IntegrityError), transaction.atomic(), \
            Writer(checked_now=[(SearchKey, "person")]) as writer:
        writer.insert(SearchKey._meta.db_table, columns, [row, orphan])
    with transaction.atomic():
        with Writer(checked_now=[(SearchKey, "person")]) as writer:
            writer.insert(SearchKey._meta.db_table, columns, [row])
        # Deferred again: an orphan written now would only be refused at COMMIT,
        # so it can still be taken back (an immediate check would raise here).
        insert_rows(SearchKey._meta.db_table, columns, [orphan])
        SearchKey.objects.filter(person_id=10**12).delete()
    assert SearchKey.objects.filter(person=person, key="x").count() == 1
