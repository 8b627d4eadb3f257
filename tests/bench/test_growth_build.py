"""bench/growth_build.py: which communities a size keeps or clones, and the SQL
of one clone round (the logic; the bench itself runs it on PostgreSQL)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import growth_build as gb  # noqa: E402

COUNTS = [(1, 100), (2, 100), (3, 100), (4, 100)]


def test_a_smaller_size_keeps_the_demo_accounts_community_and_deletes_the_rest():
    kind, rounds, deleted = gb.plan(COUNTS, 150, keep={3})
    assert (kind, rounds) == ("shrink", 0)
    assert deleted == [2, 4]  # kept: 3 (the accounts'), then 1


def test_a_larger_size_clones_whole_rounds_then_a_part():
    kind, rounds, partial = gb.plan(COUNTS, 1050)
    assert (kind, rounds) == ("grow", 1)
    assert partial == [1, 2, 3]  # 400 + 400 + 300 ≥ 1050


def test_an_exact_multiple_needs_no_partial_round():
    assert gb.plan(COUNTS, 800) == ("grow", 1, [])


def table(name: str, fks: dict[str, str], unique: list[list[str]]) -> gb.Table:
    t = gb.Table(name, fks=fks, unique=unique)
    for col in ["id", *fks, "ref", "token", "note"]:
        t.columns.append(col)
        t.types[col] = {"ref": ("character varying", 20, False), "token": ("uuid", None, False),
                        "note": ("text", None, True)}.get(col, ("bigint", None, True))
    return t


def test_unique_columns_not_covered_by_a_shifted_key_are_rewritten():
    case = table("desk_case", {"community_id": "places_community", "owner_id": "core_user"},
                 [["ref"], ["token"], ["community_id", "note"], ["owner_id"]])
    tables = {"desk_case": case, "places_community": gb.Table("places_community"),
              "core_user": gb.Table("core_user")}
    sql = gb.clone_sql(case, tables, 2, {"desk_case": 50, "places_community": 7,
                                         "core_user": 10})
    assert "id + 100" in sql
    assert '"community_id" + 14' in sql
    assert "left(\"ref\", 18) || '~2'" in sql  # varchar(20): room for the suffix
    assert "gen_random_uuid()" in sql
    assert '"note"' in sql and "\"note\" ||" not in sql  # unique with a shifted key
    # an account that was not copied is shared: a unique link to it is cleared
    assert 'THEN "owner_id" + 20 ELSE NULL END' in sql
    assert "FROM desk_case WHERE id IN (SELECT id FROM sel_desk_case)" in sql


def test_an_account_key_counts_as_shifted_where_rows_belong_through_accounts_only():
    grants = table("core_user_groups", {"user_id": "core_user"}, [["user_id", "note"]])
    assert not gb.needs_rewrite(grants, ["user_id", "note"])
    volunteer = table("engage_volunteer", {"user_id": "core_user",
                                           "person_id": "registry_person"}, [])
    assert gb.needs_rewrite(volunteer, ["user_id"])
    assert not gb.needs_rewrite(volunteer, ["person_id"])
