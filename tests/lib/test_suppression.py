"""Tests for jiayuan.lib.suppression (issue 17: one suppression rule)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiayuan.lib.suppression import (
    TOTAL,
    Key,
    Reason,
    Suppressed,
    SuppressionError,
    Table,
    suppress,
    suppress_many,
)

# --- an independent check: can a hidden figure be recovered? ----------------------
#
# Deliberately not the module's graph argument: a plain search over completed tables.
# A hidden figure cannot be recovered exactly when the minimum and the maximum it takes
# over all completions differ, i.e. when some completion gives it another value than
# the true one (the true table is itself a completion). A completion is a table of
# non-negative integers that agrees with every shown figure and every shown total and
# with what the markers say: "<k" is 1 to k-1; a withheld figure is any count; any
# other hidden figure is at least k (the module hides a zero only by withholding it,
# and says so, so a reader may assume it).


def _completions_differ(table: Table, result: Suppressed, target: tuple[Key, Key]) -> bool:
    k = result.k
    rows, columns = table.rows, table.columns
    true_grand = table.value(TOTAL, TOTAL)

    def allowed(row: Key, column: Key, value: int) -> bool:
        figure = result.figure(row, column)
        if figure.reason is None:
            return value == figure.value
        if figure.reason is Reason.PRIMARY:
            return 1 <= value <= k - 1
        if figure.reason is Reason.WITHHELD:
            return value >= 0
        return value >= k

    # A hidden cell is at most the grand total; when that is hidden too the cells are
    # unbounded, and a witness, if any, is found well below this cap.
    grand = result.figure(TOTAL, TOTAL).value
    cap = grand if grand is not None else 2 * true_grand + k

    cells = [(r, c) for r in rows for c in columns]
    # The cells whose sum is the target, searched first so that a completion that
    # leaves the target as it is is cut off early; an inner target is searched away
    # from its true value.
    row, column = target
    target_cells = [
        (r, c) for r, c in cells if (row is TOTAL or r == row) and (column is TOTAL or c == column)
    ]
    free = [key for key in target_cells if result.figure(*key).hidden]
    free += [key for key in cells if result.figure(*key).hidden and key not in free]
    target_value = table.value(*target)

    def domain(key: tuple[str, str]) -> list[int]:
        reason = result.figure(*key).reason
        if reason is Reason.PRIMARY:
            values = range(1, k)
        else:
            values = range(0 if reason is Reason.WITHHELD else k, cap + 1)
        true = table.value(*key)
        ordered = sorted(values, key=lambda v: (abs(v - true), v))
        return [v for v in ordered if v != true] if key == target else ordered

    domains = {key: domain(key) for key in free}
    fixed = {key: table.value(*key) for key in cells if key not in domains}

    def need(line: list[tuple[str, str]], total: Key, axis: int) -> int | None:
        shown = result.figure(*((total, TOTAL) if axis == 0 else (TOTAL, total))).value
        return None if shown is None else shown - sum(fixed.get(key, 0) for key in line)

    lines = [[(r, c) for c in columns] for r in rows] + [[(r, c) for r in rows] for c in columns]
    needs = [need(line, r, 0) for line, r in zip(lines, rows, strict=False)]
    needs += [need(line, c, 1) for line, c in zip(lines[len(rows) :], columns, strict=True)]
    line_free = [[key for key in line if key in domains] for line in lines]

    assignment: dict[tuple[str, str], int] = {}

    def consistent() -> bool:
        for line, wanted in zip(line_free, needs, strict=True):
            if wanted is None:
                continue
            done = sum(assignment[key] for key in line if key in assignment)
            rest = [domains[key] for key in line if key not in assignment]
            low = done + sum(min(d) for d in rest)
            high = done + sum(max(d) for d in rest)
            if not low <= wanted <= high:
                return False
        return True

    def complete() -> bool:
        value = {**fixed, **assignment}
        row_sums = {r: sum(value[(r, c)] for c in columns) for r in rows}
        column_sums = {c: sum(value[(r, c)] for r in rows) for c in columns}
        grand_sum = sum(row_sums.values())
        if not all(allowed(r, TOTAL, row_sums[r]) for r in rows):
            return False
        if not all(allowed(TOTAL, c, column_sums[c]) for c in columns):
            return False
        if not allowed(TOTAL, TOTAL, grand_sum):
            return False
        return sum(value[key] for key in target_cells) != target_value

    def unchanged() -> bool:
        if not all(key in assignment or key in fixed for key in target_cells):
            return False
        return sum({**fixed, **assignment}[key] for key in target_cells) == target_value

    def search(position: int) -> bool:
        if position == len(free):
            return complete()
        key = free[position]
        for candidate in domains[key]:
            assignment[key] = candidate
            if consistent() and not unchanged() and search(position + 1):
                return True
            del assignment[key]
        return False

    return search(0)


# --- the property ------------------------------------------------------------------


@st.composite
def tables(draw: st.DrawFn, high: int = 30) -> Table:
    n_rows = draw(st.integers(1, 4))
    n_columns = draw(st.integers(1, 4))
    cells = draw(
        st.lists(
            st.lists(st.integers(0, high), min_size=n_columns, max_size=n_columns),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
    return Table([f"r{i}" for i in range(n_rows)], [f"c{j}" for j in range(n_columns)], cells)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=st.one_of(tables(), tables(high=12)), k=st.integers(3, 10))
def test_it_never_lets_a_hidden_figure_be_recovered(table: Table, k: int) -> None:
    result = suppress(table, k)
    for (row, column), value in table.items():
        figure = result.figure(row, column)
        # Small counts are hidden (as such, unless their marker had to go), other
        # hidden counts are at least k, zeros and the rest shown as they are.
        assert figure.value in (None, value)
        if 0 < value < k:
            assert figure.reason in (Reason.PRIMARY, Reason.WITHHELD)
        elif figure.hidden:
            assert value >= k
            assert figure.reason in (Reason.COMPLEMENTARY, Reason.WITHHELD)
        if figure.hidden:
            assert figure.value is None
            assert _completions_differ(table, result, (row, column)), (row, column)


@settings(max_examples=150, deadline=None)
@given(table=tables(), k=st.integers(3, 10))
def test_it_hides_a_figure_in_every_table_of_a_report_if_in_any(table: Table, k: int) -> None:
    marginal = Table(table.rows, ["people"], [[table.value(r, TOTAL)] for r in table.rows])
    both = suppress_many([table, marginal], k)
    shared = {key for key, _ in table.items()} & {key for key, _ in marginal.items()}
    for key in shared:
        assert both[0].figure(*key).hidden == both[1].figure(*key).hidden, key
    for source, result in zip([table, marginal], both, strict=True):
        for key in result.hidden:
            assert _completions_differ(source, result, key), key


# --- the obvious cases -------------------------------------------------------------


def _texts(result: Suppressed) -> list[list[str]]:
    return [[str(figure.text) for figure in line] for line in result.grid()]


def test_it_hides_a_single_small_cell_of_a_two_by_two_with_the_other_three() -> None:
    result = suppress(Table(["a", "b"], ["x", "y"], [[3, 20], [25, 40]]))
    assert result.hidden == {
        ("a", "x"): Reason.PRIMARY,
        ("a", "y"): Reason.COMPLEMENTARY,
        ("b", "x"): Reason.COMPLEMENTARY,
        ("b", "y"): Reason.COMPLEMENTARY,
    }
    with translation.override("en"):
        assert _texts(result) == [
            ["<10", "hidden", "23"],
            ["hidden", "hidden", "65"],
            ["28", "60", "88"],
        ]


def test_it_gives_a_row_with_one_small_cell_a_second_hidden_cell_and_closes_the_rectangle() -> None:
    table = Table(["a", "b", "c"], ["x", "y", "z"], [[3, 20, 30], [25, 40, 15], [30, 12, 50]])
    result = suppress(table)
    # The smallest in row a would be 20; then column x needs one (25), and row b's 40
    # closes the rectangle rather than the smaller 12 of row c, which would open a third
    # row.
    assert set(result.hidden) == {("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")}
    assert not any(result.figure(r, TOTAL).hidden for r in table.rows)


def test_it_hides_a_total_that_would_give_a_small_cell_away() -> None:
    # One column: each row's total is its cell, so hiding the cell means hiding the
    # total too, for the small row and for the one hidden to protect it.
    result = suppress(Table(["a", "b"], ["x"], [[4], [20]]))
    assert result.figure("a", TOTAL).reason is Reason.PRIMARY
    assert result.figure("b", "x").reason is Reason.COMPLEMENTARY
    assert result.figure("b", TOTAL).reason is Reason.COMPLEMENTARY
    assert result.figure(TOTAL, TOTAL).value == 24


def test_it_hides_a_small_total_as_a_small_count() -> None:
    result = suppress(Table(["a", "b"], ["x", "y"], [[2, 3], [30, 40]]))
    assert result.figure("a", TOTAL).reason is Reason.PRIMARY
    assert str(result.figure("a", TOTAL).text) == "<10"


def test_it_hides_every_small_figure_of_an_all_small_table_and_shows_what_is_safe() -> None:
    result = suppress(Table(["a", "b"], ["x", "y"], [[1, 2], [3, 4]]))
    assert all(
        result.figure(r, c).reason is Reason.PRIMARY
        for r in ("a", "b", TOTAL)
        for c in ("x", "y", TOTAL)
        if (r, c) != (TOTAL, TOTAL)
    )
    # 10 people in all can be shown: the four cells can be shared among them many ways.
    assert result.figure(TOTAL, TOTAL).value == 10


def test_it_shows_zeros_and_never_hides_them_to_protect_others() -> None:
    result = suppress(Table(["a", "b"], ["x", "y", "z"], [[0, 5, 30], [0, 0, 12]]))
    assert result.figure("a", "x").value == 0
    assert result.figure("b", "x").value == 0
    assert result.figure("b", "y").value == 0
    assert result.figure(TOTAL, "x").value == 0
    assert result.figure("a", "y").reason is Reason.PRIMARY


def test_it_takes_k_from_the_caller() -> None:
    table = Table(["a", "b"], ["x", "y"], [[3, 20], [25, 40]])
    assert suppress(table, k=3).hidden == {}
    assert ("a", "x") in suppress(table, k=4).hidden
    assert suppress(table, k=30).figure("a", "y").reason is Reason.PRIMARY
    assert str(suppress(table, k=30).figure("a", "y").text) == "<30"


@pytest.mark.parametrize("k", [2, 0, -1, True])
def test_it_refuses_a_k_that_would_give_small_counts_away(k: int) -> None:
    with pytest.raises(SuppressionError) as info:
        suppress(Table(["a"], ["x"], [[1]]), k=k)
    assert info.value.code == "k"


def test_it_hides_the_percentage_of_a_hidden_figure_and_of_a_hidden_total() -> None:
    result = suppress(Table(["a", "b"], ["x"], [[4], [20]]))
    share = result.share("a", "x", of="total")
    assert share.hidden
    assert share.percent is None
    # b's count is hidden, so is its share even of the shown grand total.
    assert result.share("b", "x").hidden
    # The row share of a shown cell is hidden when the row total is.
    other = suppress(Table(["a", "b"], ["x", "y"], [[2, 0], [30, 40]]))
    assert other.figure("a", "y").value == 0
    assert other.share("a", "y", of="row").hidden
    with translation.override("en"):
        assert str(share.text) == "hidden"
        assert "share" in str(share.note)


def test_it_computes_the_percentage_of_a_shown_figure() -> None:
    result = suppress(Table(["a", "b"], ["x", "y"], [[12, 20], [25, 40]]))
    assert result.share("a", "x").percent == Decimal("12.4")  # 12 / 97 = 12.37
    assert result.share("a", "x", of="row").percent == Decimal("37.5")
    assert result.share("a", "x", of="column", places=0).percent == Decimal("32")  # 12/37
    assert result.share(TOTAL, "y").percent == Decimal("61.9")  # 60 / 97
    assert result.share("a", "x", of="row").text == "37.5%"


def test_it_leaves_the_share_of_an_empty_table_undefined_not_hidden() -> None:
    share = suppress(Table(["a"], ["x"], [[0]])).share("a", "x")
    assert share.percent is None
    assert not share.hidden
    assert share.text == "–"


def test_it_explains_each_hidden_figure_in_the_readers_language() -> None:
    result = suppress(Table(["a", "b"], ["x", "y"], [[3, 20], [25, 40]]))
    small, other = result.figure("a", "x"), result.figure("b", "y")
    assert result.figure("a", TOTAL).note is None
    with translation.override("en"):
        english = str(small.note)
        assert english.startswith("Fewer than 10:")
        assert "below 10" in str(other.note)
    with translation.override("zh-hans"):
        assert "10" in str(small.note)
        assert str(small.note) != english
        assert str(other.text) == "隐藏"
    with translation.override("zh-hant"):
        assert str(other.text) == "隱藏"


def test_it_keeps_a_report_consistent_where_the_tables_alone_would_not_be() -> None:
    table = Table(["r0", "r1"], ["c0", "c1"], [[0, 12], [2, 0]])
    marginal = Table(["r0", "r1"], ["people"], [[12], [2]])
    alone = suppress(table), suppress(marginal)
    shared: list[tuple[Key, Key]] = [("r0", TOTAL), ("r1", TOTAL), (TOTAL, TOTAL)]
    # The point of the test: on their own the two tables disagree on a shared figure.
    assert any(alone[0].figure(*key).hidden != alone[1].figure(*key).hidden for key in shared)
    together = suppress_many([table, marginal])
    for key in shared:
        assert together[0].figure(*key).hidden == together[1].figure(*key).hidden
    for source, result in zip([table, marginal], together, strict=True):
        for key in result.hidden:
            assert _completions_differ(source, result, key)


def test_it_refuses_a_report_whose_tables_disagree_on_a_figure() -> None:
    households = Table(["a"], ["x"], [[12]])
    people = Table(["a"], ["x"], [[30]])
    with pytest.raises(SuppressionError) as info:
        suppress_many([households, people])
    assert info.value.code == "conflict"


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (lambda: Table(["a", "b"], ["x"], [[1]]), "shape"),
        (lambda: Table(["a"], ["x", "y"], [[1]]), "shape"),
        (lambda: Table([], ["x"], []), "shape"),
        (lambda: Table(["a", "a"], ["x"], [[1], [2]]), "labels"),
        (lambda: Table(["a"], ["x"], [[-1]]), "count"),
        (lambda: Table(["a"], ["x"], [[1.5]]), "count"),  # type: ignore[list-item]
        (lambda: Table(["a"], ["x", "y"], [[1, 2]], row_totals=[4]), "totals"),
        (lambda: Table(["a"], ["x", "y"], [[1, 2]], column_totals=[1, 3]), "totals"),
        (lambda: Table(["a"], ["x", "y"], [[1, 2]], total=4), "totals"),
    ],
)
def test_it_refuses_a_table_that_is_not_one(build: object, code: str) -> None:
    with pytest.raises(SuppressionError) as info:
        build()  # type: ignore[operator]
    assert info.value.code == code


def test_it_accepts_totals_that_add_up() -> None:
    table = Table(["a"], ["x", "y"], [[1, 2]], row_totals=[3], column_totals=[1, 2], total=3)
    assert table.value(TOTAL, TOTAL) == 3


def test_it_answers_an_unknown_label_with_a_key_error() -> None:
    result = suppress(Table(["a"], ["x"], [[12]]))
    with pytest.raises(KeyError):
        result.figure("b", "x")


def test_the_check_catches_a_small_cell_hidden_alone() -> None:
    table = Table(["a", "b"], ["x", "y"], [[3, 20], [25, 40]])
    naive = Suppressed(table, 10, {table.index("a", "x"): Reason.PRIMARY})
    assert not _completions_differ(table, naive, ("a", "x"))
    assert _completions_differ(table, suppress(table), ("a", "x"))


def test_it_drops_markers_that_would_give_a_figure_away() -> None:
    # Hiding everything with "<3" would say: two cells of at least 1, fewer than 3 in
    # all, so both are 1.
    table = Table(["a"], ["x", "y"], [[1, 1]])
    everything = {table.index(*key): Reason.PRIMARY for key, _ in table.items()}
    assert not _completions_differ(table, Suppressed(table, 3, everything), ("a", "x"))
    result = suppress(table, k=3)
    assert Reason.WITHHELD in result.hidden.values()
    for key in result.hidden:
        assert _completions_differ(table, result, key)
    with translation.override("en"):
        withheld = next(f for line in result.grid() for f in line if f.reason is Reason.WITHHELD)
        assert str(withheld.text) == "hidden"
        assert "give away" in str(withheld.note)
