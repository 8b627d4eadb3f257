"""How jiayuan.lib.suppression decides what to hide (its docstring states the rule).

The tables here are extended grids: the last row holds the column totals, the last
column the row totals, the corner the grand total. The result maps (row, column)
indices of the hidden figures to their reasons.
"""

from __future__ import annotations

import enum
from collections import defaultdict, deque
from collections.abc import Iterator, Mapping
from typing import TypeAlias

__all__ = ["Grid", "Index", "Reason", "protect"]

Grid: TypeAlias = tuple[tuple[int, ...], ...]
Index: TypeAlias = tuple[int, int]


class Reason(enum.StrEnum):
    """Why a figure is hidden."""

    PRIMARY = "primary"  # 1 to k-1, shown as "<k"
    COMPLEMENTARY = "complementary"  # k or more, hidden so that a primary one cannot be derived
    WITHHELD = "withheld"  # says nothing of its value: see jiayuan.lib.suppression, point 7


# --- the protection --------------------------------------------------------------
#
# Write the extended grid y with the totals negated (y = -T for a row or column total,
# y = x for a cell and for the grand total): then every row and every column of y sums
# to zero. A change that keeps every shown figure and every equation is a circulation
# on the bipartite graph of row and column nodes whose edges are the hidden figures;
# it exists (by conformal decomposition, within the bounds the markers give) exactly
# when the figure lies on a directed cycle, where the arc row->column means "y may grow
# by one" and column->row "y may shrink by one".


def protect(grid: Grid, k: int, forced: frozenset[Index]) -> dict[Index, Reason]:
    """The figures of ``grid`` to hide with k, ``forced`` ones (hidden in another table
    of the report) included."""
    hidden: dict[Index, Reason] = {}
    for i, line in enumerate(grid):
        for j, value in enumerate(line):
            if 0 < value < k:
                hidden[(i, j)] = Reason.PRIMARY
    for index in sorted(forced):
        if index not in hidden:
            # A zero is forced only from a withheld table; hidden here, it must not
            # claim to be k or more.
            zero = grid[index[0]][index[1]] == 0
            hidden[index] = Reason.WITHHELD if zero else Reason.COMPLEMENTARY
    while True:
        _close_lines(grid, hidden)
        arcs = _arcs(grid, k, hidden)
        weak = next((e for e in sorted(hidden) if not _movable(arcs, len(grid), e)), None)
        if weak is None:
            return hidden
        extra = _repair(grid, k, hidden, weak)
        if extra is not None:
            hidden[extra] = Reason.COMPLEMENTARY
            continue
        # No one more hidden figure frees it: what pins it is the markers themselves
        # (a column [1, 1] with k = 3: two cells of at least 1 under a total below 3).
        # Drop a marker, its own first, then its row's and column's.
        marked = _marked(grid, hidden, weak)
        if marked is not None:
            hidden[marked] = Reason.WITHHELD
            continue
        # Unreachable as far as we know (everything non-zero hidden and unmarked can
        # always grow together with its totals); if not, show nothing rather than leak.
        return dict.fromkeys(
            ((i, j) for i, line in enumerate(grid) for j in range(len(line))), Reason.WITHHELD
        )


def _lines(grid: Grid) -> Iterator[list[Index]]:
    rows, columns = len(grid), len(grid[0])
    for i in range(rows):
        yield [(i, j) for j in range(columns)]
    for j in range(columns):
        yield [(i, j) for i in range(rows)]


def _close_lines(grid: Grid, hidden: dict[Index, Reason]) -> None:
    """Give every line holding exactly one hidden figure a second one, until stable."""
    last_row, last_column = len(grid) - 1, len(grid[0]) - 1

    def hidden_in(line: list[Index]) -> int:
        return sum(index in hidden for index in line)

    changed = True
    while changed:
        changed = False
        for line in _lines(grid):
            if hidden_in(line) != 1:
                continue
            along_row = line[0][0] == line[-1][0]
            ranked = [
                (
                    i == last_row or j == last_column,  # a cell before a total
                    # one whose other line already holds a hidden figure, closing a loop
                    hidden_in(
                        [(r, j) for r in range(last_row + 1)]
                        if along_row
                        else [(i, c) for c in range(last_column + 1)]
                    )
                    == 0,
                    grid[i][j],  # the smallest
                    (i, j),  # the first in reading order
                )
                for i, j in line
                if (i, j) not in hidden and grid[i][j] > 0
            ]
            if ranked:
                hidden[min(ranked)[-1]] = Reason.COMPLEMENTARY
                changed = True


_Arcs: TypeAlias = dict[int, list[tuple[int, Index]]]


def _arcs(grid: Grid, k: int, hidden: Mapping[Index, Reason]) -> _Arcs:
    """Row node i is i; column node j is len(grid) + j."""
    last_row, last_column = len(grid) - 1, len(grid[0]) - 1
    arcs: _Arcs = defaultdict(list)
    for (i, j), reason in hidden.items():
        value = grid[i][j]
        low, high = {
            Reason.PRIMARY: (1, k - 1),
            Reason.COMPLEMENTARY: (k, None),
            Reason.WITHHELD: (0, None),
        }[reason]
        up, down = high is None or value < high, value > low
        if (i == last_row) != (j == last_column):  # a total enters with a minus sign
            up, down = down, up
        row, column = i, len(grid) + j
        if up:
            arcs[row].append((column, (i, j)))
        if down:
            arcs[column].append((row, (i, j)))
    return arcs


def _movable(arcs: _Arcs, rows: int, index: Index) -> bool:
    """Whether the hidden figure at index can change in some consistent table."""
    row, column = index[0], rows + index[1]
    for start, end in ((row, column), (column, row)):
        if any(node == end and e == index for node, e in arcs[start]) and _reaches(
            arcs, end, start, index
        ):
            return True
    return False


def _reaches(arcs: _Arcs, start: int, goal: int, avoid: Index) -> bool:
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt, index in arcs.get(node, ()):
            if index == avoid or nxt in seen:
                continue
            if nxt == goal:
                return True
            seen.add(nxt)
            queue.append(nxt)
    return False


def _repair(grid: Grid, k: int, hidden: dict[Index, Reason], weak: Index) -> Index | None:
    """One more figure to hide so that the one at ``weak`` can change: the first of the
    shown non-zero figures (its own row and column first, cells before totals, smallest
    first) that does it, or None."""
    last_row, last_column = len(grid) - 1, len(grid[0]) - 1
    candidates = sorted(
        (
            (i, j)
            for i, line in enumerate(grid)
            for j, value in enumerate(line)
            if value > 0 and (i, j) not in hidden
        ),
        key=lambda e: (
            e[0] != weak[0] and e[1] != weak[1],
            e[0] == last_row or e[1] == last_column,
            grid[e[0]][e[1]],
            e,
        ),
    )
    for candidate in candidates:
        trial = {**hidden, candidate: Reason.COMPLEMENTARY}
        if _movable(_arcs(grid, k, trial), len(grid), weak):
            return candidate
    return None


def _marked(grid: Grid, hidden: Mapping[Index, Reason], weak: Index) -> Index | None:
    """The hidden figure whose marker to drop: ``weak`` itself, else the first marked
    one in its row or column, else the first marked one anywhere."""
    marked = sorted(e for e, reason in hidden.items() if reason is not Reason.WITHHELD)
    if weak in marked:
        return weak
    near = [e for e in marked if e[0] == weak[0] or e[1] == weak[1]]
    first = near or marked
    return first[0] if first else None
