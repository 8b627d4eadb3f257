"""What a check or a commit reports: each row's outcome and problems, and the errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from jiayuan.lib._i18n import LibError
from jiayuan.registry.identifiers import ID_NUMBER_COLUMNS, PHONE_COLUMNS

NEW, UPDATED, UNCHANGED, REJECTED, DUPLICATE = "new", "updated", "unchanged", "rejected", \
    "duplicate"
OUTCOMES = (NEW, UPDATED, UNCHANGED, REJECTED, DUPLICATE)
CHUNK = 900  # look-ups per query (below SQLite's parameter limit)


# Person fields an import may set, from the row's values of the same name
# (origin -> origin_code); compared to decide between updated and unchanged.
PERSON_VALUES = ("name", "sex", "birth_date", "ethnicity", "origin_code", "permit_number",
                 "permit_expiry", "occupation", "relation")
# What undo restores for a person the import changed.
RESTORE_FIELDS = (*PERSON_VALUES, "pinyin", *PHONE_COLUMNS, *ID_NUMBER_COLUMNS)


class ImportFailed(LibError):
    """The commit could not be written; nothing was."""


class UndoBlocked(LibError):
    def __init__(self, message: str, blockers: list[tuple[str, str]]) -> None:
        super().__init__(message, "blocked")
        self.blockers = blockers  # (label, url or "")


@dataclass
class Problem:
    # Lazy messages (or the header's own text): stored as messages and put into
    # words when shown (jiayuan.sheets.messages).
    column: Any
    reason: Any


@dataclass(slots=True)
class RowResult:
    number: int  # row number in the file, as the spreadsheet program shows it
    cells: list[Any]
    outcome: str = NEW
    # Most rows have none: a tuple shared by them all until the first (`reject`).
    problems: list[Problem] | tuple[()] = ()
    name: str = ""
    dwelling: str = ""
    note: Any = ""  # a lazy message, or ""
    values: dict[str, Any] = field(default_factory=dict)
    person: Any = None  # the registered person this row is (a named tuple)
    household_key: tuple | None = None
    sheet: str = ""  # the sheet's name
    part: int = 0  # the sheet's place among the sheets read

    def reject(self, column: Any, reason: Any) -> None:
        self.outcome = REJECTED
        self.problems = [*self.problems, Problem(column, reason)]

    @property
    def ref(self) -> int:
        """The row's number among all the sheets read (what a ticked possible
        duplicate stores): its row number, plus ROWS_PER_SHEET per sheet before it."""
        return self.part * ROWS_PER_SHEET + self.number

    def reasons(self) -> list[str]:
        """Why the row is not imported, one line per problem."""
        out = [f"{p.column}: {p.reason}" for p in self.problems]
        if self.outcome == DUPLICATE:
            out.append(f"{self.note} " + _("Import it anyway by ticking it on the check page."))
        return out


ROWS_PER_SHEET = 10_000_000  # more rows than a sheet can have


@dataclass
class Report:
    header: list[str]
    columns: dict[int, str]  # column index -> field key
    rows: list[RowResult]
    counts: dict[str, int]
    notices: list[Any] = field(default_factory=list)  # lazy messages
    sheets: list[str] = field(default_factory=list)  # the sheets read, in order

    def freeze(self) -> Report:
        """Put the messages into words in the active language (a report given to
        its reader; what is stored keeps them as messages: jiayuan.sheets.messages)."""
        self.notices = [str(n) for n in self.notices]
        for row in self.rows:
            if row.note:
                row.note = str(row.note)
            for p in row.problems:
                p.column, p.reason = str(p.column), str(p.reason)
        return self

    def problems(self) -> Iterator[RowResult]:
        return (r for r in self.rows if r.outcome in (REJECTED, DUPLICATE))
