"""Step 1 of the plan: each row on its own (cleaned, checked against the registry's limits)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiayuan.core.models import User
from jiayuan.core.scope import grids_for
from jiayuan.lib._i18n import LibError, interpolate
from jiayuan.lib.idcard import IDNumberError, check_agrees, parse_id_number
from jiayuan.lib.text import display_pinyin
from jiayuan.places.models import Grid, dwelling_code
from jiayuan.sheets.columns import (
    FIELDS,
    header_cells,
    is_blank,
    is_total,
)
from jiayuan.sheets.importing import normalise as norm
from jiayuan.sheets.importing.outcomes import DUPLICATE, REJECTED, RowResult
from jiayuan.sheets.importing.read import Sheet, SheetError
from jiayuan.sheets.importing.upload import column_label
from jiayuan.sheets.limits import STORED_IN, limits_for
from jiayuan.sheets.models import ImportBatch

# Each field's cleaning function, as its column declares it (columns.FIELDS).
NORMALISERS = {key: getattr(norm, f.kind) for key, f in FIELDS.items()}
# Fields with few distinct values in a roster (3栋, 户主, 汉族, dates…): each
# distinct cell is normalised once per file.
MEMOISED = frozenset({"sex", "building", "unit", "room", "relation", "residency", "ethnicity",
                      "origin", "occupation", "grid", "household_no", "birth_date",
                      "permit_expiry", "moved_in"})
_MISSING = object()
#: The cells of a row let go while the plan runs (`_RowReader.reread`).
AGAIN: list[Any] = []
#: The cells of a row the import writes, let go once planned (`release_cells`): one
#: empty list for them all, read-only (a new one each was 5 MB for 100,000 rows).
RELEASED: list[Any] = []


@dataclass(frozen=True)
class _Failed:
    reason: Any  # a lazy message


class _RowReader:
    """Step 1 of the plan: reads, cleans and checks each row on its own (the
    columns, their labels and limits, the grids the actor works in)."""

    #: Called with the number of rows read so far after each row (a background
    #: check records its progress with it).
    progress: Callable[[int], None] | None = None
    #: Reads the sheets again keeping only the rows numbered in ``only`` (per
    #: sheet): given, the plan lets go of each row's cells once it is read, and
    #: takes back those of the rows it leaves out at the end (`cells_again`),
    #: so the sheet and the rows' values are not held at once.
    reread: Callable[[list[frozenset[int]]], list[tuple[Sheet, int]]] | None = None

    def __init__(self, actor: User, batch: ImportBatch, sheets: list[tuple[Sheet, int]]) -> None:
        self.actor, self.batch, self.sheets = actor, batch, sheets
        self.today = timezone.localdate()
        first, header_row = sheets[0]
        self.header = (header_cells(first.rows, header_row - 1)
                       if header_row <= len(first.rows) else [])
        self.several = len(sheets) > 1
        self.columns = {int(i): key for i, key in batch.mapping.items() if key in FIELDS}
        self.labels = {i: column_label(self.header, i) for i in self.columns}
        self.column_of = {key: i for i, key in self.columns.items()}
        self.notices: list[Any] = []  # lazy messages
        self.skipped = 0
        self.rows: list[RowResult] = []
        self.grids = {g.pk: g for g in grids_for(actor).filter(community_id=batch.community_id)}
        self.memo: dict[tuple, Any] = {}
        self.dwelling_codes: dict[tuple[str, str, str], str] = {}
        self.texts: dict[str, str] = {}  # texts many rows share, kept once
        # The database's limit of each mapped column (see jiayuan.sheets.limits).
        filled = set(self.column_of)
        if "address" in filled:  # an address column fills the building, unit and room
            filled |= {"building", "unit", "room"}
        self.limits = {key: limits_for(key) for key in filled if key in STORED_IN}
        self.limit_labels = {key: self.label(key if key in self.column_of else "address")
                             for key in self.limits}
        self.limits_checked: set[tuple[str, Any]] = set()

    def other_row(self, message: Any, several: Any, row: RowResult) -> Any:
        """``message`` about another row (``%(row)d``), or ``several`` (which also
        names its ``%(sheet)s``) when rows come from more than one sheet."""
        if self.several:
            return interpolate(several, {"row": row.number, "sheet": row.sheet})
        return interpolate(message, {"row": row.number})

    def label(self, key: str) -> Any:
        """The column's header text, or its field's label (lazy: stored as a message)."""
        i = self.column_of.get(key)
        return self.labels[i] if i is not None else FIELDS[key].label

    # Step 1: each row on its own.
    def read_rows(self) -> None:
        if "name" not in self.column_of:
            raise SheetError(_("No column is mapped to the name (姓名). Map the columns "
                               "before checking the file."), "no_name_column")
        has_ethnicity = "ethnicity" in self.column_of
        if has_ethnicity and not self.batch.consent_evidence:
            self.notices.append(_(
                "The ethnic group column is not imported: say how the people on this roster "
                "consented to it being recorded, or leave it out."))
        for part, (sheet, header_row) in enumerate(self.sheets):
            for index in range(header_row, len(sheet.rows)):
                cells = sheet.rows[index]
                if is_blank(cells):
                    continue
                if is_total(cells):
                    self.skipped += 1
                    continue
                row = RowResult(number=index + 1, cells=cells, sheet=sheet.name, part=part)
                self._normalise(row, cells)
                if not self.batch.consent_evidence:
                    row.values.pop("ethnicity", None)
                self._check_row(row)
                if self.reread is not None:
                    sheet.rows[index] = AGAIN
                    if row.outcome != REJECTED:
                        row.cells = AGAIN  # read again if the plan leaves it out
                self.rows.append(row)
                if self.progress is not None:
                    self.progress(len(self.rows))

    def cells_again(self) -> None:
        """The cells of the rows left out whose cells were let go (see `reread`)."""
        again = [r for r in self.rows if r.cells is AGAIN and r.outcome in (REJECTED, DUPLICATE)]
        if not again or self.reread is None:
            return
        only: list[set[int]] = [set() for _s in self.sheets]
        for row in again:
            only[row.part].add(row.number)
        sheets = self.reread([frozenset(numbers) for numbers in only])
        for row in again:
            row.cells = sheets[row.part][0].rows[row.number - 1]

    def _normalise(self, row: RowResult, cells: list[Any]) -> None:
        values = row.values
        memo = self.memo
        for i, key in self.columns.items():
            cell = cells[i] if i < len(cells) else None
            if key in MEMOISED:
                memo_key = (key, cell.__class__, cell)
                value = memo.get(memo_key, _MISSING)
                if value is _MISSING:
                    try:
                        value = NORMALISERS[key](cell)
                    except LibError as exc:
                        value = _Failed(exc.message)
                    memo[memo_key] = value
                if isinstance(value, _Failed):
                    row.reject(self.labels[i], value.reason)
                    continue
            else:
                try:
                    value = NORMALISERS[key](cell)
                except LibError as exc:
                    row.reject(self.labels[i], exc.message)
                    continue
            if key == "address":
                if value and value[0]:
                    for part, v in zip(("building", "unit", "room"), value, strict=True):
                        values.setdefault(part, v)
            elif value not in ("", None):
                values[key] = value

    def _check_row(self, row: RowResult) -> None:
        v = row.values
        row.name = v.get("name", "")
        if not row.name and self.label("name") not in {p.column for p in row.problems}:
            row.reject(self.label("name"), _("The name is missing."))
        number = v.get("id_number")
        if number:
            info = parse_id_number(number)
            # Each field on its own, so that every disagreement is reported at once
            # (the library says what is wrong; it is asked only when something is).
            for column, given in (("birth_date", {"birth_date": v.get("birth_date"), "sex": None}),
                                  ("sex", {"birth_date": None, "sex": v.get("sex")})):
                if given[column] in (None, info.birth_date, info.sex):
                    continue
                try:
                    check_agrees(number, **given)
                except IDNumberError as exc:
                    row.reject(self.label(column), exc.message)
            v.setdefault("birth_date", info.birth_date)
            v.setdefault("sex", info.sex)
        if not v.get("sex") and not any(p.column == self.label("sex") for p in row.problems):
            row.reject(self.label("sex"), _("The sex is missing (or give the ID number, "
                                            "which contains it)."))
        birth = v.get("birth_date")
        if birth and birth > self.today:
            row.reject(self.label("birth_date"), _("The birth date is in the future."))
        self._check_limits(row)
        grid = self.batch.grid
        if v.get("grid"):
            grid = self._grid_named(v["grid"])
            if grid is None:
                row.reject(self.label("grid"), interpolate(
                    _("“%(grid)s” is not a grid you work in. Use the grid's code or name."),
                    {"grid": v["grid"]}))
        if grid is not None:
            v["grid_id"] = grid.pk
        if not v.get("building") or not v.get("room"):
            row.reject(self.label("room") if v.get("building") else self.label("building"),
                       _("The address is incomplete: the building and the room number are "
                         "needed."))
            return
        place = (v["building"], v.get("unit", ""), v["room"])
        row.dwelling = self.dwelling_codes.get(place) or self.dwelling_codes.setdefault(
            place, dwelling_code(*place))  # one string per dwelling, not one per member
        code_limit = limits_for("dwelling_code")
        if code_limit.too_long(row.dwelling):
            row.reject(self.label("room"), self._too_long_text(
                row, _("Dwelling code"), code_limit.max_length, len(row.dwelling)))

    def _check_limits(self, row: RowResult) -> None:
        """Every value against what its registry column can hold (PostgreSQL refuses
        the rest at commit), each problem naming the row, the column and the limit."""
        v = row.values
        checked = self.limits_checked
        for key, limit in self.limits.items():
            value = v.get(key)
            if value is None or value == "" or (key, value) in checked:
                continue
            label = self.limit_labels[key]
            if limit.too_long(value):
                row.reject(label, self._too_long_text(row, label, limit.max_length, len(value)))
            elif limit.not_a_choice(value):
                row.reject(label, interpolate(_(
                    "Row %(row)d, column “%(column)s”: “%(value)s” is not one of the values "
                    "the registry allows here."), {"row": row.number, "column": label,
                                                    "value": value}))
            elif limit.out_of_range(value):
                row.reject(label, interpolate(_(
                    "Row %(row)d, column “%(column)s”: %(value)s is outside what the registry "
                    "can store (%(low)s to %(high)s)."), {
                        "row": row.number, "column": label, "value": value,
                        "low": limit.low, "high": limit.high}))
            elif key in MEMOISED and isinstance(value, str) and len(value) <= 12:
                # Short values of these fields repeat: each is checked once. (Not the
                # names and phones: mostly distinct, the set would hold one per row.)
                checked.add((key, value))
        name = v.get("name")
        pinyin = limits_for("pinyin")
        # A syllable is at most 6 letters and a space: only long names can overflow.
        if name and pinyin.max_length is not None and 7 * len(name) > pinyin.max_length:
            length = len(display_pinyin(name))
            if length > pinyin.max_length:
                row.reject(self.label("name"), interpolate(_(
                    "Row %(row)d, column “%(column)s”: the name is too long to store its "
                    "pinyin (%(length)d letters; at most %(limit)d)."), {
                        "row": row.number, "column": self.label("name"), "length": length,
                        "limit": pinyin.max_length}))

    @staticmethod
    def _too_long_text(row: RowResult, label: Any, limit: int | None, length: int) -> Any:
        return interpolate(_(
            "Row %(row)d, column “%(column)s”: at most %(limit)d characters fit in the "
            "registry, this has %(length)d. Shorten it."), {
                "row": row.number, "column": label, "limit": limit or 0, "length": length})

    def _grid_named(self, text: str) -> Grid | None:
        for g in self.grids.values():
            if text in (g.code, g.name):
                return g
        return None
