"""One suppression rule for every published count of people (issue 17).

A breakdown of people by ethnic group, origin place, health, disability or hardship
that leaves the roles entitled to the records behind it (an export, a printout, a page
for other roles) goes through :func:`suppress` (one table) or :func:`suppress_many`
(the tables of one report). The rule, in plain words:

1. **Small counts are hidden** ("primary"). A count from 1 to k-1 (k is 10 unless the
   deployment sets another value, never below 3) is shown as ``<k``. This applies to
   the cells and to the totals alike: a row total of 4 is four people too.
2. **Zero is shown.** A zero names nobody, and hiding zeros would hide most of a
   sparse table for no protection. (A zero can still reveal something, e.g. "no
   household of this grid is in hardship"; a table whose zeros say too much should not
   be published at all, which is the caller's decision, not this function's.) Zeros
   are also never picked to hide other counts: a hidden zero protects nothing (but see
   point 7 for reports).
3. **Enough is hidden around them** ("complementary") that no hidden count can be
   worked out from what is shown. First, every row and every column, the totals row
   and the totals column included, that holds exactly one hidden figure gets a second
   one: preferably a cell (not a total) whose other line already holds a hidden figure,
   then the smallest count, then the first in reading order; this repeats until no line
   holds a single hidden figure. Then every hidden figure is checked exactly: it must
   be able to change, by one, in some other table that matches every shown figure, every
   total and what the markers say (a ``<k`` is 1 to k-1; a complementary figure is at
   least k, since it is neither small nor zero). While one cannot, one more figure is
   hidden that frees it (preferably in its row or column, a cell before a total, the
   smallest first), or, when none does, point 7.
   The check is exact, not a rule of thumb: a hidden figure that cannot change by one
   in any completed table is one that can be recovered, and the other way round
   (tests/lib/test_suppression.py checks it against an exhaustive search).
4. **Percentages follow their figures**: a share is hidden when the count or the total
   it is a share of is hidden (:meth:`Suppressed.share`).
5. **Tables of one report agree**: a figure is named by its row and column labels (the
   totals by :data:`TOTAL`), and a figure hidden in one table is hidden in every table
   of the report that shows it, repeating until nothing changes. Two tables that show
   the same labels must therefore count the same thing; different measures (households
   and people) are suppressed as separate reports.
6. **Each hidden figure says why** (:attr:`Figure.note`), in the reader's language.
7. **When the markers themselves give a figure away** ("withheld"): a column ``[1, 1]``
   with k = 3 shows "<3" three times, and two cells of at least 1 under a total below 3
   are both 1, whatever else is hidden. Then the figure loses its marker: it is shown
   as hidden, saying nothing of its value, and then, if need be, its row's and column's
   markers too. A zero that is withheld in another table of the report is withheld the
   same way (the only hidden zeros).

Totals must add up: a row total is the sum of its cells. People "not stated" go in a
row or column of their own, so the equations that the protection relies on hold.

What this does not do: it protects each table against its own totals and keeps tables
of one report consistent; it does not audit arbitrary combinations of different tables
(a report of overlapping breakdowns needs its design checked too). The hidden figures'
values are not kept in the result, so nothing downstream can print one by mistake.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Final, Literal, TypeAlias

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.lib._i18n import LibError, interpolate
from jiayuan.lib._suppression_core import Grid, Index, Reason, protect

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

__all__ = [
    "DEFAULT_K",
    "MIN_K",
    "TOTAL",
    "Figure",
    "Key",
    "Reason",
    "Share",
    "Suppressed",
    "SuppressionError",
    "Table",
    "Total",
    "suppress",
    "suppress_many",
]

DEFAULT_K: Final = 10
# With k = 2 a "<2" next to shown zeros would say "exactly 1".
MIN_K: Final = 3


class Total(enum.Enum):
    """The label of the totals row and of the totals column: use :data:`TOTAL`."""

    TOTAL = "total"


TOTAL: Final = Total.TOTAL
#: A row or column label: a category's label, or TOTAL.
Key: TypeAlias = str | Total


class SuppressionError(LibError):
    """A table cannot be suppressed as given; ``code`` is one of ``k``, ``shape``,
    ``labels``, ``count``, ``totals``, ``conflict``."""


def _check_k(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or k < MIN_K:
        raise SuppressionError(
            interpolate(
                _("The threshold for hiding small counts must be at least %(min)s."), {"min": MIN_K}
            ),
            "k",
        )


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class Table:
    """A 2-D table of counts with labelled rows and columns.

    The totals are computed from the cells; totals passed in are checked against them
    (SuppressionError ``totals``), which catches a table built from two queries that
    disagree.
    """

    __slots__ = ("_grid", "_index", "columns", "rows")

    def __init__(
        self,
        rows: Sequence[str],
        columns: Sequence[str],
        cells: Sequence[Sequence[int]],
        *,
        row_totals: Sequence[int] | None = None,
        column_totals: Sequence[int] | None = None,
        total: int | None = None,
    ) -> None:
        self.rows = tuple(rows)
        self.columns = tuple(columns)
        if not self.rows or not self.columns or len(cells) != len(self.rows):
            raise SuppressionError(_("A table needs a row of counts for each row label."), "shape")
        if any(len(line) != len(self.columns) for line in cells):
            raise SuppressionError(
                _("Every row of a table needs one count for each column label."), "shape"
            )
        if len(set(self.rows)) != len(self.rows) or len(set(self.columns)) != len(self.columns):
            raise SuppressionError(_("Row and column labels must not repeat."), "labels")
        if not all(_is_count(value) for line in cells for value in line):
            raise SuppressionError(_("Counts must be whole numbers, zero or more."), "count")
        body = [list(line) for line in cells]
        sums = [sum(line) for line in body]
        column_sums = [sum(line[j] for line in body) for j in range(len(self.columns))]
        grand = sum(sums)
        if (
            (row_totals is not None and list(row_totals) != sums)
            or (column_totals is not None and list(column_totals) != column_sums)
            or (total is not None and total != grand)
        ):
            raise SuppressionError(_("The totals given do not add up to the counts."), "totals")
        # The extended grid: the last row holds the column totals, the last column the
        # row totals, and the corner the grand total.
        self._grid: Grid = (
            *(tuple(line + [line_sum]) for line, line_sum in zip(body, sums, strict=True)),
            (*column_sums, grand),
        )
        self._index: tuple[dict[Key, int], dict[Key, int]] = (
            {**{label: i for i, label in enumerate(self.rows)}, TOTAL: len(self.rows)},
            {**{label: j for j, label in enumerate(self.columns)}, TOTAL: len(self.columns)},
        )

    def __repr__(self) -> str:
        cells = [list(line[:-1]) for line in self._grid[:-1]]
        return f"Table({list(self.rows)!r}, {list(self.columns)!r}, {cells!r})"

    def key(self, index: Index) -> tuple[Key, Key]:
        i, j = index
        return (
            self.rows[i] if i < len(self.rows) else TOTAL,
            self.columns[j] if j < len(self.columns) else TOTAL,
        )

    def index(self, row: Key, column: Key) -> Index:
        try:
            return self._index[0][row], self._index[1][column]
        except KeyError:
            raise KeyError((row, column)) from None

    def value(self, row: Key, column: Key) -> int:
        i, j = self.index(row, column)
        return self._grid[i][j]

    def items(self) -> Iterator[tuple[tuple[Key, Key], int]]:
        """Every figure, totals included, in reading order."""
        for i, line in enumerate(self._grid):
            for j, value in enumerate(line):
                yield self.key((i, j)), value


@dataclass(frozen=True, slots=True)
class Figure:
    """One published figure: its value, or None and the reason it is hidden."""

    row: Key
    column: Key
    value: int | None
    reason: Reason | None
    k: int

    @property
    def hidden(self) -> bool:
        return self.reason is not None

    @property
    def text(self) -> str | StrPromise:
        """What a table shows: the number, ``<k`` or the hidden marker."""
        if self.reason is None:
            return str(self.value)
        return _marker(self.reason, self.k)

    @property
    def note(self) -> str | StrPromise | None:
        """Why the figure is hidden, in the active language (None if shown)."""
        return None if self.reason is None else _note(self.reason, self.k)


@dataclass(frozen=True, slots=True)
class Share:
    """A percentage; hidden (``percent`` None, ``reason`` set) when the count or the
    total it is a share of is hidden; ``percent`` None without a reason when the total
    is 0."""

    percent: Decimal | None
    reason: Reason | None
    k: int

    @property
    def hidden(self) -> bool:
        return self.reason is not None

    @property
    def text(self) -> str | StrPromise:
        if self.reason is not None:
            return _HIDDEN
        return "–" if self.percent is None else f"{self.percent}%"

    @property
    def note(self) -> StrPromise | None:
        return None if self.reason is None else _SHARE_NOTE


_HIDDEN = pgettext_lazy("suppressed figure", "hidden")
_SHARE_NOTE = _("Hidden because the figure or the total it is a share of is hidden.")


def _marker(reason: Reason, k: int) -> str | StrPromise:
    return f"<{k}" if reason is Reason.PRIMARY else _HIDDEN


def _note(reason: Reason, k: int) -> str | StrPromise:
    if reason is Reason.PRIMARY:
        message = _(
            "Fewer than %(k)s: the exact number is hidden so that nobody can be singled out."
        )
    elif reason is Reason.WITHHELD:
        message = _(
            "Hidden because showing it would give away a number below %(k)s, in this table "
            "or in another table in the same report."
        )
    else:
        message = _(
            "Hidden as well, so that a number below %(k)s cannot be worked out from the "
            "totals of this table or of another table in the same report."
        )
    return interpolate(message, {"k": k})


class Suppressed:
    """A table after suppression. Hidden figures keep no value."""

    __slots__ = ("_figures", "_index", "columns", "k", "rows")

    def __init__(self, table: Table, k: int, hidden: Mapping[Index, Reason]) -> None:
        # Only the labels' positions are kept of the table, not its values.
        self._index = table._index
        self.k = k
        self.rows = table.rows
        self.columns = table.columns
        self._figures = tuple(
            tuple(
                Figure(
                    *table.key((i, j)),
                    value=None if (i, j) in hidden else value,
                    reason=hidden.get((i, j)),
                    k=k,
                )
                for j, value in enumerate(line)
            )
            for i, line in enumerate(table._grid)
        )

    def figure(self, row: Key, column: Key) -> Figure:
        try:
            return self._figures[self._index[0][row]][self._index[1][column]]
        except KeyError:
            raise KeyError((row, column)) from None

    def grid(self) -> tuple[tuple[Figure, ...], ...]:
        """The rows to render, each ending with its total; the last row holds the
        column totals and the grand total."""
        return self._figures

    @property
    def hidden(self) -> dict[tuple[Key, Key], Reason]:
        return {
            (f.row, f.column): f.reason
            for line in self._figures
            for f in line
            if f.reason is not None
        }

    def share(
        self,
        row: Key,
        column: Key,
        *,
        of: Literal["row", "column", "total"] = "total",
        places: int = 1,
    ) -> Share:
        """The figure at (row, column) as a percentage of its row's total, its column's
        total or the grand total, rounded half up to ``places`` decimals."""
        part = self.figure(row, column)
        whole = self.figure(row if of == "row" else TOTAL, column if of == "column" else TOTAL)
        if part.value is None or whole.value is None:
            return Share(None, part.reason or whole.reason, self.k)
        if whole.value == 0:
            return Share(None, None, self.k)
        percent = (Decimal(100 * part.value) / Decimal(whole.value)).quantize(
            Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
        )
        return Share(percent, None, self.k)


def suppress(table: Table, k: int = DEFAULT_K) -> Suppressed:
    """Apply the rule (module docstring) to one table."""
    _check_k(k)
    return Suppressed(table, k, protect(table._grid, k, frozenset()))


def suppress_many(tables: Sequence[Table], k: int = DEFAULT_K) -> list[Suppressed]:
    """Apply the rule to the tables of one report, so that a figure (the same row and
    column labels) hidden in one is hidden in all that show it.

    Raises SuppressionError ``conflict`` when two tables give the same labels different
    counts: they count different things and are not one report's tables.
    """
    _check_k(k)
    seen: dict[tuple[Key, Key], int] = {}
    for table in tables:
        for key, value in table.items():
            if seen.setdefault(key, value) != value:
                raise SuppressionError(
                    _("Two tables of the report give different counts for the same figure."),
                    "conflict",
                )
    # Each round protects every table with the figures hidden anywhere in the last
    # round forced hidden; the hidden set only grows, so this ends, and at the end
    # every table hides exactly the report's hidden figures it shows.
    shared: set[tuple[Key, Key]] = set()
    while True:
        results = []
        for table in tables:
            forced = frozenset(table.index(*key) for key in shared if _shows(table, key))
            results.append(protect(table._grid, k, forced))
        hidden = {
            table.key(index)
            for table, result in zip(tables, results, strict=True)
            for index in result
        }
        if hidden == shared:
            return [
                Suppressed(table, k, result) for table, result in zip(tables, results, strict=True)
            ]
        shared = hidden


def _shows(table: Table, key: tuple[Key, Key]) -> bool:
    return key[0] in table._index[0] and key[1] in table._index[1]
