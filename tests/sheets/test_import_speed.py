"""The import's per-row work made cheaper, with the same results: the search keys
(a fast path when nothing is cut), the keyed hashes (one keyed HMAC copied per
value), the ID check digit (the digits' bytes weighed directly), and the
collector's full scans deferred while an import runs."""

from __future__ import annotations

import gc
import hashlib
import hmac
import random
from datetime import date
from typing import Any

import pytest
from django.conf import settings

from jiayuan.core import collector, crypto
from jiayuan.lib import text
from jiayuan.lib.idcard import _WEIGHTS, check_digit, make_id_number
from jiayuan.places.models import Building
from jiayuan.registry.models import Person, SearchKey
from jiayuan.registry.services import search_key_rows
from tests.sheets.test_importer import FAMILIES, problems, run

LONG_NAME = "张" + "庄" * 14  # its pinyin (89 letters) is cut to the key length
NAMES = ["王建国", "李  梅", "阿依古丽·买买提", "鄭容哲", "john SMITH", "长孙无忌", "ü", "张 3",
         "x" * 64, "中" * 65, "a" * 70, "zhang san li si wang wu " * 4, LONG_NAME, "", " "]


def reference_keys(name: str) -> list[tuple[str, int, str]]:
    """search_keys as its docstring defines them, with no fast path."""
    folded, syls = text.fold(name), text.syllables(name)
    candidates = [("name", i, folded[i:]) for i in range(len(folded))]
    candidates += [("pinyin", i, "".join(syls[i:])) for i in range(len(syls))]
    candidates += [("initials", i, "".join(s[0] for s in syls[i:])) for i in range(len(syls))]
    seen: set[tuple[str, str]] = set()
    keys = []
    for kind, pos, key in candidates:
        key = key[:text.KEY_MAX_LENGTH]
        if key and (kind, key) not in seen:
            seen.add((kind, key))
            keys.append((kind, pos, key))
    return keys


@pytest.mark.parametrize("name", NAMES)
def test_search_keys_are_those_the_definition_gives(name: str) -> None:
    assert text.search_keys(name) == reference_keys(name)


@pytest.fixture
def building3(grid_a: Any) -> Building:
    return Building.objects.get_or_create(grid=grid_a, number="3")[0]


@pytest.mark.django_db
def test_an_import_writes_each_person_s_search_keys_and_hashes(personas: dict, grid_a: Any,
                                                               building3: Building,
                                                               monkeypatch: Any) -> None:
    keyed = []
    real_new = hmac.new
    monkeypatch.setattr(hmac, "new", lambda *a, **kw: keyed.append(a) or real_new(*a, **kw))
    crypto._hash_start.cache_clear()
    rows = [*FAMILIES, [LONG_NAME, "男", "1990-01-02", "", "13800004444", "3", "2", "102",
                        "户主", "常住"]]
    report = run(personas["head"], grid_a, rows)
    assert report.counts["new"] == 5, problems(report)
    # One key set up for the whole import, not one per ID or phone number hashed.
    key = settings.FIELD_HASH_KEY.encode()
    assert [a for a in keyed if a[0] == key] == [(key,)]
    for person in Person.objects.all():
        written = sorted(SearchKey.objects.filter(person=person).values_list(
            "person_id", "grid_id", "kind", "pos", "key"))
        assert written == sorted(search_key_rows(person.pk, person.grid_id, person.name))
        assert {k for _p, _g, _k, _pos, k in written} == {
            k for _kind, _pos, k in reference_keys(person.name)}
        if person.phone_hash:
            phone = person.phone_mask and crypto.decrypt(person.phone_enc)
            assert person.phone_hash == hmac.new(key, f"phone:{phone}".encode(),
                                                 hashlib.sha256).hexdigest()
    wang = Person.objects.get(name="王建国")
    assert wang.id_number_hash == real_new(key, f"id:{FAMILIES[0][3]}".encode(),
                                           hashlib.sha256).hexdigest()


def test_lookup_hashes_are_hmac_sha256_of_kind_and_value() -> None:
    key = settings.FIELD_HASH_KEY.encode()
    for kind, value in [("id", "11010519491231002X"), ("phone", "13800001111"), ("id", "")]:
        expected = hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
        assert crypto.lookup_hash(kind, value) == expected
        assert crypto.lookup_hash(kind, value) == expected  # the keyed start is not consumed


def test_the_check_digit_is_iso_7064_mod_11_2() -> None:
    rng = random.Random(19)
    numbers = ["11010519491231002", "00000000000000000", "99999999999999999"]
    numbers += ["".join(rng.choice("0123456789") for _ in range(17)) for _ in range(2000)]
    for first17 in numbers:
        total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
        assert check_digit(first17) == "10X98765432"[total % 11]
    assert check_digit("11010519491231002") == "X"  # GB 11643's example
    for bad in ["１１010519491231002", "1101051949123100", "1101051949123100a"]:
        with pytest.raises(ValueError):
            check_digit(bad)
    assert make_id_number("650102", date(1979, 4, 2), 11)[-1] == check_digit("65010219790402011")


@pytest.mark.django_db
def test_an_import_defers_full_collections_and_gives_the_thresholds_back(
        personas: dict, grid_a: Any, building3: Building, monkeypatch: Any) -> None:
    from jiayuan.sheets import importing
    from jiayuan.sheets.importing import plan, write
    from tests.sheets.test_importer import start

    seen = []
    real_plan = plan._Planner.plan
    monkeypatch.setattr(plan._Planner, "plan",
                        lambda self: seen.append(gc.get_threshold()) or real_plan(self))
    before = gc.get_threshold()
    batch = start(personas["head"], grid_a, FAMILIES)
    importing.check(actor=personas["head"], batch=batch)
    assert gc.get_threshold() == before
    real_write = write._Writer.write

    def failing(self: Any, report: Any) -> None:
        seen.append(gc.get_threshold())
        real_write(self, report)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(write._Writer, "write", failing)
    with pytest.raises(RuntimeError):
        importing.commit(actor=personas["head"], batch=batch)
    assert gc.get_threshold() == before  # given back when the import fails too
    assert not Person.objects.exists()
    assert seen == [(collector.GEN0, before[1], collector.OLDEST)] * 3


def test_nested_and_concurrent_blocks_give_the_thresholds_back_once() -> None:
    before = gc.get_threshold()
    with collector.fewer_collections():
        inside = gc.get_threshold()
        with collector.fewer_collections():
            assert gc.get_threshold() == inside
        assert gc.get_threshold() == inside  # the outer block still runs
    assert inside[0] > before[0] and inside[2] > before[2]
    assert gc.get_threshold() == before


def test_a_commit_collects_once_between_planning_and_writing(
        personas: dict, grid_a: Any, building3: Building, monkeypatch: Any) -> None:
    """The cells let go of once planned are collected before the writing stage
    allocates (inside the block the full scan would wait for its end)."""
    from jiayuan.sheets import importing
    from jiayuan.sheets.importing import write
    from tests.sheets.test_importer import start

    steps: list[str] = []
    monkeypatch.setattr(write, "between_stages", lambda: steps.append("collect"))
    real_write = write._Writer.write
    monkeypatch.setattr(write._Writer, "write",
                        lambda self, report: steps.append("write") or real_write(self, report))
    batch = start(personas["head"], grid_a, FAMILIES)
    importing.commit(actor=personas["head"], batch=batch)
    assert steps == ["collect", "write"]
    assert Person.objects.count() == 4
