"""Roster import in two steps: check (a dry run that writes nothing), then commit.

    start(actor, grid, data, filename)  -> ImportBatch (file stored, header found,
                                           columns mapped; nothing else written)
    check(actor, batch)                 -> Report: every row's outcome and problems
    commit(actor, batch)                -> Report, after writing in one transaction
    undo(actor, batch)                  -> removes what the batch wrote, unless a
                                           later edit touched it (UndoBlocked)

Commit runs the same plan as the check, inside the transaction and under the
audit lock, so two imports at once are serialised and the second sees the
first's people (the unique ID-number hash is the last line of defence). A row
is one person. Rows are grouped into households by dwelling (and 户号 where the
file has one); a new household needs exactly one head row. People are matched
to the registry by the keyed hash of their ID number; without one, the same
name and birth date (and phone, when both have one) in the same household is
the same person, and elsewhere a *possible duplicate* that is imported only
when the worker accepts it. An import never moves people between households
and never erases a value: a blank cell leaves the registry as it is.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.db.models.deletion import ProtectedError, RestrictedError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from xlsxwriter.utility import xl_col_to_name

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.bulk import Writer, insert_dicts, reserve_ids
from jiayuan.core.models import AuditAction
from jiayuan.core.roles import Perm
from jiayuan.core.scope import grids_for, in_scope
from jiayuan.lib._i18n import LibError, interpolate
from jiayuan.lib.idcard import IDNumberError, check_agrees, parse_id_number
from jiayuan.lib.text import display_pinyin
from jiayuan.places.models import Building, Dwelling, Grid, dwelling_code
from jiayuan.registry.choices import ConsentPurpose, ConsentStatus, Relation
from jiayuan.registry.consent_rules import check_consent_guardian
from jiayuan.registry.identifiers import (
    id_hash,
    id_number_columns,
    phone_columns,
    phone_hash,
    set_id_number,
    set_phone,
)
from jiayuan.registry.models import (
    Consent,
    Household,
    HouseholdAddress,
    Membership,
    Person,
    SearchKey,
)
from jiayuan.registry.services import SEARCH_KEY_COLUMNS, reindex_person, search_key_rows
from jiayuan.sheets import normalise as norm
from jiayuan.sheets.columns import (
    FIELDS,
    find_header,
    guess_mapping,
    header_cells,
    header_key,
    is_blank,
    is_total,
    template_mapping,
)
from jiayuan.sheets.limits import STORED_IN, limits_for
from jiayuan.sheets.models import BatchStatus, ImportBatch, ImportChange
from jiayuan.sheets.reading import Sheet, SheetError, read_sheet, read_sheets, survey

NEW, UPDATED, UNCHANGED, REJECTED, DUPLICATE = "new", "updated", "unchanged", "rejected", \
    "duplicate"
OUTCOMES = (NEW, UPDATED, UNCHANGED, REJECTED, DUPLICATE)
CHUNK = 900  # look-ups per query (below SQLite's parameter limit)

# Each field's cleaning function, as its column declares it (columns.FIELDS).
NORMALISERS = {key: getattr(norm, f.kind) for key, f in FIELDS.items()}
# Fields with few distinct values in a roster (3栋, 户主, 汉族, dates…): each
# distinct cell is normalised once per file.
MEMOISED = frozenset({"sex", "building", "unit", "room", "relation", "residency", "ethnicity",
                      "origin", "occupation", "grid", "household_no", "birth_date",
                      "permit_expiry", "moved_in"})
_MISSING = object()


@dataclass(frozen=True)
class _Failed:
    reason: str


# Person fields an import may set, from the row's values of the same name
# (origin -> origin_code); compared to decide between updated and unchanged.
PERSON_VALUES = ("name", "sex", "birth_date", "ethnicity", "origin_code", "permit_number",
                 "permit_expiry", "occupation", "relation")
# What undo restores for a person the import changed.
RESTORE_FIELDS = (*PERSON_VALUES, "pinyin", "phone_enc", "phone_hash", "phone_mask",
                  "phone_last4", "id_number_enc", "id_number_hash", "id_number_mask")


class ImportFailed(LibError):
    """The commit could not be written; nothing was."""


class UndoBlocked(LibError):
    def __init__(self, message: str, blockers: list[tuple[str, str]]) -> None:
        super().__init__(message, "blocked")
        self.blockers = blockers  # (label, url or "")


@dataclass
class Problem:
    column: str
    reason: str


@dataclass(slots=True)
class RowResult:
    number: int  # row number in the file, as the spreadsheet program shows it
    cells: list[Any]
    outcome: str = NEW
    problems: list[Problem] = field(default_factory=list)
    name: str = ""
    dwelling: str = ""
    note: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    person: Any = None  # the registered person this row is (a named tuple)
    household_key: tuple | None = None
    sheet: str = ""  # the sheet's name
    part: int = 0  # the sheet's place among the sheets read

    def reject(self, column: str, reason: str) -> None:
        self.outcome = REJECTED
        self.problems.append(Problem(column, reason))

    @property
    def ref(self) -> int:
        """The row's number among all the sheets read (what a ticked possible
        duplicate stores): its row number, plus ROWS_PER_SHEET per sheet before it."""
        return self.part * ROWS_PER_SHEET + self.number

    def reasons(self) -> list[str]:
        """Why the row is not imported, one line per problem."""
        out = [f"{p.column}: {p.reason}" for p in self.problems]
        if self.outcome == DUPLICATE:
            out.append(self.note + " " + _("Import it anyway by ticking it on the check page."))
        return out


ROWS_PER_SHEET = 10_000_000  # more rows than a sheet can have


@dataclass
class Report:
    header: list[str]
    columns: dict[int, str]  # column index -> field key
    rows: list[RowResult]
    counts: dict[str, int]
    notices: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)  # the sheets read, in order

    def problems(self) -> Iterator[RowResult]:
        return (r for r in self.rows if r.outcome in (REJECTED, DUPLICATE))


# --- start: upload ------------------------------------------------------------------

def _column_label(header: list[Any], index: int) -> str:
    text = header[index] if index < len(header) else None
    if text not in (None, ""):
        return norm.text(text)
    return interpolate(_("column %(letter)s"), {"letter": xl_col_to_name(index)})


def start(*, actor: Any, grid: Grid, data: bytes, filename: str,
          columns: dict[str, str] | None = None) -> ImportBatch:
    """Read an uploaded roster, find the sheets with a header row, choose the first
    (a visible one first) and map its columns.

    Raises SheetError (a file we cannot or will not read, or one whose sheets
    have no header row: the message names them) or Http404 (a grid out of
    scope). Writes only the batch, as a draft.
    """
    require(actor, Perm.IMPORT_ROSTER)
    if not in_scope(actor, grid.pk) or grid.community_id != actor.community_id:
        raise Http404
    found = survey(data, filename)
    book = [_book_entry(sheet) for sheet in found]
    chosen = next((e for e in book if e["header_row"] and e["visible"]), None) \
        or next((e for e in book if e["header_row"]), None)
    if chosen is None:
        raise SheetError(interpolate(ngettext(
            "No header row found in the first rows of sheet %(sheets)s. The roster needs a row "
            "of column names such as 姓名, 身份证号 and 房号 above the data.",
            "No header row found in the first rows of any sheet (%(sheets)s). The roster needs "
            "a row of column names such as 姓名, 身份证号 and 房号 above the data.", len(book)),
            {"sheets": sheet_list([e["name"] for e in book])}), "no_header")
    sheet = next(s for s in found if s.name == chosen["name"])
    header = header_cells(sheet.rows, chosen["header_row"] - 1)
    mapping = (columns and template_mapping(header, columns)) or guess_mapping(header)
    batch = ImportBatch(community_id=grid.community_id, grid=grid, created_by=actor,
                        filename=filename[:200], file_sha256=hashlib.sha256(data).hexdigest(),
                        sheet_name=chosen["name"][:100], header_row=chosen["header_row"],
                        book=book, sheets=[chosen["name"]],
                        mapping={str(i): key for i, key in mapping.items()})
    batch.file.save(f"roster-{batch.file_sha256[:16]}.bin", ContentFile(data), save=False)
    batch.save()
    return batch


def sheet_list(names: list[str]) -> str:
    """Sheet names for a message: “A”, “B”."""
    return pgettext("between list items", ", ").join(f"“{n}”" for n in names)


def _signature(header: list[Any]) -> list[str]:
    keys = [header_key(c) for c in header]
    while keys and not keys[-1]:
        keys.pop()
    return keys


def _book_entry(sheet: Sheet) -> dict[str, Any]:
    """What the check page says about a sheet: its header row (None: not a roster)
    and how many filled rows are below it."""
    index = find_header(sheet.rows)
    entry: dict[str, Any] = {"name": sheet.name, "visible": sheet.visible,
                             "rows": sheet.filled, "header_row": None, "signature": []}
    if index is not None:
        above = sum(1 for row in sheet.rows[:index + 1] if not is_blank(row))
        entry.update(header_row=index + 1, rows=max(0, sheet.filled - above),
                     signature=_signature(header_cells(sheet.rows, index)))
    return entry


def chosen_sheets(batch: ImportBatch) -> list[tuple[str, int]]:
    """(name, header row) of each sheet the batch reads, in order."""
    book = {e["name"]: e for e in batch.book or ()}
    if not batch.sheets or not book:  # a batch uploaded before sheets could be chosen
        return [(batch.sheet_name, batch.header_row)]
    return [(n, book[n]["header_row"]) for n in batch.sheets if n in book]


def choose_sheets(*, actor: Any, batch: ImportBatch, names: list[str]) -> ImportBatch:
    """Read ``names`` (one sheet, or several with the same header) instead of the
    sheets chosen so far. A new header gets its columns mapped afresh; the
    possible duplicates ticked are forgotten (their row numbers changed).
    Raises SheetError naming the sheet that cannot be read."""
    _scoped_batch(actor, batch)
    if batch.status != BatchStatus.DRAFT:
        raise SheetError(_("This file has already been imported."), "done")
    book = {e["name"]: e for e in batch.book or ()}
    names = list(dict.fromkeys(names))
    if not names:
        raise SheetError(_("Choose the sheet that holds the roster."), "no_sheet")
    for name in names:
        if name not in book:
            raise SheetError(interpolate(_(
                "The file has no sheet called “%(sheet)s”. Upload the file again and choose "
                "the sheet that holds the roster."), {"sheet": name}), "no_sheet")
        if not book[name]["header_row"]:
            raise SheetError(interpolate(_(
                "Sheet “%(sheet)s” has no header row (a row of column names such as 姓名 and "
                "身份证号), so it is not a roster: choose another sheet."), {"sheet": name}),
                "no_header")
    if len({tuple(book[n]["signature"]) for n in names}) > 1:
        raise SheetError(interpolate(_(
            "Sheets %(sheets)s do not have the same columns: import them one at a time."),
            {"sheets": sheet_list(names)}), "different_headers")
    first = book[names[0]]
    current = chosen_sheets(batch)
    if not current or first["signature"] != book.get(current[0][0], {}).get("signature"):
        batch.mapping = {str(i): key for i, key in guess_mapping(first["signature"]).items()}
    batch.sheets = names
    batch.sheet_name = names[0][:100]
    batch.header_row = first["header_row"]
    batch.accepted = []
    batch.save(update_fields=["sheets", "sheet_name", "header_row", "mapping", "accepted"])
    return batch


def sheets_of(batch: ImportBatch, *, first_only: bool = False) -> list[tuple[Sheet, int]]:
    """The sheets the batch reads, each with its header row (1-based)."""
    with batch.file.open("rb") as f:
        data = f.read()
    if not batch.sheets or not batch.book:
        return [(read_sheet(data, batch.filename), batch.header_row)]
    chosen = chosen_sheets(batch)
    if first_only:
        chosen = chosen[:1]
    sheets = read_sheets(data, batch.filename, [n for n, _row in chosen])
    return [(sheet, row) for sheet, (_name, row) in zip(sheets, chosen, strict=True)]


def sheet_of(batch: ImportBatch) -> Sheet:
    """The first sheet the batch reads (its header names the columns)."""
    return sheets_of(batch, first_only=True)[0][0]


def _scoped_batch(actor: Any, batch: ImportBatch) -> None:
    require(actor, Perm.IMPORT_ROSTER)
    if batch.community_id != actor.community_id or not in_scope(actor, batch.grid_id):
        raise Http404


# --- the plan -----------------------------------------------------------------------

class _Planner:
    """Works out every row's outcome; `check` shows it, `commit` writes it."""

    def __init__(self, actor: Any, batch: ImportBatch, sheets: list[tuple[Sheet, int]]) -> None:
        self.actor, self.batch, self.sheets = actor, batch, sheets
        self.today = timezone.localdate()
        first, header_row = sheets[0]
        self.header = (header_cells(first.rows, header_row - 1)
                       if header_row <= len(first.rows) else [])
        self.several = len(sheets) > 1
        self.columns = {int(i): key for i, key in batch.mapping.items() if key in FIELDS}
        self.labels = {i: _column_label(self.header, i) for i in self.columns}
        self.column_of = {key: i for i, key in self.columns.items()}
        self.notices: list[str] = []
        self.skipped = 0
        self.rows: list[RowResult] = []
        self.grids = {g.pk: g for g in grids_for(actor).filter(community_id=batch.community_id)}
        self.memo: dict[tuple, Any] = {}
        # The database's limit of each mapped column (see jiayuan.sheets.limits).
        filled = set(self.column_of)
        if "address" in filled:  # an address column fills the building, unit and room
            filled |= {"building", "unit", "room"}
        self.limits = {key: limits_for(key) for key in filled if key in STORED_IN}
        self.limit_labels = {key: self.label(key if key in self.column_of else "address")
                             for key in self.limits}
        self.limits_checked: set[tuple[str, Any]] = set()

    def other_row(self, message: str, several: str, row: RowResult) -> str:
        """``message`` about another row (``%(row)d``), or ``several`` (which also
        names its ``%(sheet)s``) when rows come from more than one sheet."""
        if self.several:
            return interpolate(several, {"row": row.number, "sheet": row.sheet})
        return interpolate(message, {"row": row.number})

    def label(self, key: str) -> str:
        i = self.column_of.get(key)
        return self.labels[i] if i is not None else str(FIELDS[key].label)

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
                self.rows.append(row)

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
                        value = _Failed(str(exc))
                    memo[memo_key] = value
                if isinstance(value, _Failed):
                    row.reject(self.labels[i], value.reason)
                    continue
            else:
                try:
                    value = NORMALISERS[key](cell)
                except LibError as exc:
                    row.reject(self.labels[i], str(exc))
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
                    row.reject(self.label(column), str(exc))
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
        row.dwelling = dwelling_code(v["building"], v.get("unit", ""), v["room"])
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
            elif isinstance(value, str) and len(value) <= 12:
                checked.add((key, value))  # short values repeat: check each once
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
    def _too_long_text(row: RowResult, label: str, limit: int | None, length: int) -> str:
        return interpolate(_(
            "Row %(row)d, column “%(column)s”: at most %(limit)d characters fit in the "
            "registry, this has %(length)d. Shorten it."), {
                "row": row.number, "column": label, "limit": limit or 0, "length": length})

    def _grid_named(self, text: str) -> Grid | None:
        for g in self.grids.values():
            if text in (g.code, g.name):
                return g
        return None

    # Step 2: places.
    def resolve_places(self) -> None:
        # Rows already refused are placed too, so the report names every problem at once.
        placed = [r for r in self.rows if r.values.get("grid_id") and r.values.get("building")
                  and r.values.get("room")]
        wanted = {(r.values["grid_id"], r.values["building"]) for r in placed}
        grid_ids = {g for g, _b in wanted}
        self.buildings = {(b.grid_id, b.number): b for b in
                          Building.objects.filter(grid_id__in=grid_ids)}
        building_ids = [b.pk for b in self.buildings.values()]
        self.dwellings: dict[tuple[int, str, str], int] = {}
        for start_ in range(0, len(building_ids), CHUNK):
            for pk, b, u, r in Dwelling.objects.filter(
                    building_id__in=building_ids[start_:start_ + CHUNK]).values_list(
                    "pk", "building_id", "unit", "room"):
                self.dwellings[(b, u, r)] = pk
        for row in placed:
            v = row.values
            building = self.buildings.get((v["grid_id"], v["building"]))
            if building is None:
                row.reject(self.label("building"), interpolate(
                    _("Building %(building)s is not in %(grid)s. Correct the building number, "
                      "or ask the administrator to add the building."),
                    {"building": v["building"], "grid": self.grids[v["grid_id"]].name}))
                continue
            v["building_id"] = building.pk
            row.household_key = (building.pk, v.get("unit", ""), v["room"],
                                 v.get("household_no", ""))

    # Step 3: the same person twice in the file, and people already registered.
    def match_people(self) -> None:
        by_id: dict[str, RowResult] = {}
        by_details: dict[tuple, RowResult] = {}
        for row in self.rows:
            v = row.values
            number = v.get("id_number")
            if number:
                v["id_hash"] = id_hash(number)
            if v.get("phone"):
                v["phone_hash"] = phone_hash(v["phone"])
            if row.outcome == REJECTED:
                continue
            if number:
                first = by_id.get(v["id_hash"])
                if first is not None:
                    row.reject(self.label("id_number"), self.other_row(
                        _("The same ID number as row %(row)d."),
                        _("The same ID number as row %(row)d of sheet “%(sheet)s”."), first))
                    continue
                by_id[v["id_hash"]] = row
            else:
                key = (row.name, v.get("birth_date"), v.get("phone_hash", ""))
                first = by_details.get(key)
                if first is not None:
                    if first.household_key == row.household_key:
                        row.reject(self.label("name"), self.other_row(
                            _("The same person as row %(row)d (same name, birth date and "
                              "phone)."),
                            _("The same person as row %(row)d of sheet “%(sheet)s” (same "
                              "name, birth date and phone)."), first))
                    else:
                        self._maybe_duplicate(row, self.other_row(
                            _("Possibly the same person as row %(row)d (same name, birth date "
                              "and phone)."),
                            _("Possibly the same person as row %(row)d of sheet “%(sheet)s” "
                              "(same name, birth date and phone)."), first))
                    continue
                by_details[key] = row
        self._match_registered(by_id)

    def _maybe_duplicate(self, row: RowResult, note: str) -> None:
        row.note = note
        if row.ref not in set(self.batch.accepted):
            row.outcome = DUPLICATE

    def _match_registered(self, by_id: dict[str, RowResult]) -> None:
        # Named tuples, not dicts: a re-import holds one per row.
        fields = ("pk", "household_id", "grid_id", "name", "sex", "birth_date", "ethnicity",
                  "origin_code", "permit_number", "permit_expiry", "occupation", "relation",
                  "phone_hash", "id_number_hash", "left_on", "dwelling_id", "dwelling_code")
        people = Person.objects.annotate(dwelling_id=F("household__dwelling_id"),
                                         dwelling_code=F("household__dwelling__code"))
        hashes = list(by_id)
        for start_ in range(0, len(hashes), CHUNK):
            for p in people.filter(id_number_hash__in=hashes[start_:start_ + CHUNK]).values_list(
                    *fields, named=True):
                row = by_id[p.id_number_hash]
                row.person = p
                # One copy of each hash, not one in the row and one in the match.
                row.values["id_hash"] = p.id_number_hash
                if row.values.get("phone_hash") == p.phone_hash:
                    row.values["phone_hash"] = p.phone_hash
        # Not found by ID number: same name and birth date in the community (for a
        # row with an ID, only someone registered without one: the row adds it).
        no_id = [r for r in self.rows if r.outcome == NEW and r.person is None]
        names = sorted({r.name for r in no_id})
        found: dict[tuple[str, date | None], list[Any]] = defaultdict(list)
        for start_ in range(0, len(names), CHUNK):
            for p in people.filter(grid__community_id=self.batch.community_id,
                                   name__in=names[start_:start_ + CHUNK]).values_list(
                    *fields, named=True):
                found[(p.name, p.birth_date)].append(p)
        for row in no_id:
            v = row.values
            candidates = [
                p for p in found.get((row.name, v.get("birth_date")), ())
                if not (v.get("phone_hash") and p.phone_hash and p.phone_hash != v["phone_hash"])
                # a different ID number: a different person
                and not (v.get("id_number") and p.id_number_hash)]
            if candidates:
                # Namesakes born the same day: the one living at the row's dwelling
                # is this row (a re-import); another is only possibly the same.
                here = self.dwellings.get(row.household_key[:3]) if row.household_key else None
                row.person = next((p for p in candidates if p.dwelling_id == here), candidates[0])
                v["matched_by_details"] = True

    # Step 4: households.
    def group_households(self) -> None:
        groups: dict[tuple, list[RowResult]] = defaultdict(list)
        for row in self.rows:
            if row.outcome != REJECTED and row.household_key is not None:
                groups[row.household_key].append(row)
        dwelling_ids = [self.dwellings[k[:3]] for k in groups if k[:3] in self.dwellings]
        active: dict[int, list[dict]] = defaultdict(list)
        for start_ in range(0, len(dwelling_ids), CHUNK):
            for h in Household.objects.filter(dwelling_id__in=dwelling_ids[start_:start_ + CHUNK],
                                              moved_out__isnull=True).values(
                    "pk", "dwelling_id", "head_id", "grid_id"):
                active[h["dwelling_id"]].append(h)
        self.groups = groups
        self.targets: dict[tuple, dict | None] = {}
        for key, rows in groups.items():
            households = active.get(self.dwellings.get(key[:3], -1), [])
            self.targets[key] = self._target(key, rows, households)

    def _target(self, key: tuple, rows: list[RowResult], households: list[dict]) -> dict | None:
        """The registered household these rows belong to, or None for a new one."""
        ids = {h["pk"]: h for h in households}
        claimed = {r.person.household_id for r in rows
                   if r.person and r.person.household_id in ids}
        if len(claimed) > 1:
            for row in rows:
                row.reject(self.label("room"), interpolate(
                    _("People of different households at %(dwelling)s are on this roster as "
                      "one household: add a 户号 column to tell them apart."),
                    {"dwelling": row.dwelling}))
            return None
        if claimed:
            return ids[claimed.pop()]
        if len(households) == 1 and not key[3]:
            return households[0]
        if len(households) > 1:
            for row in rows:
                if row.person is None:
                    row.reject(self.label("room"), interpolate(
                        _("Several households live at %(dwelling)s: register this person on "
                          "their household's page, or add a 户号 column."),
                        {"dwelling": row.dwelling}))
        return None

    # Step 5: each row's outcome.
    def decide(self) -> None:
        for key, rows in self.groups.items():
            target = self.targets.get(key)
            for row in rows:
                if row.outcome != REJECTED:
                    self._decide_person(row, target)
            self._check_guardians(rows, target)
            if target is None:
                self._check_new_household(rows)
            elif any(r.outcome in (NEW, DUPLICATE) and r.values.get("relation") == Relation.HEAD
                     for r in rows):
                # A head the registry does not know at a dwelling with a household:
                # another family, or a changed head. Either way not for an import
                # to decide; the whole group waits, so nobody joins the wrong family.
                for row in rows:
                    if row.outcome in (NEW, DUPLICATE):
                        row.reject(self.label("relation"), interpolate(
                            _("%(dwelling)s already has a household with another head in the "
                              "registry. If this is another family, add a 户号 column; if the "
                              "head has changed, change it on the household page."),
                            {"dwelling": row.dwelling}))

    def _decide_person(self, row: RowResult, target: dict | None) -> None:
        p = row.person
        if p is None:
            return
        if not in_scope(self.actor, p.grid_id):
            row.person = None
            row.reject(self.label("id_number"), _(
                "This person is registered in a grid you cannot see. Ask the station head."))
            return
        if target is None or p.household_id != target["pk"]:
            if row.values.get("matched_by_details"):
                # Same name and birth date in another household: maybe the same person.
                row.person = None
                self._maybe_duplicate(row, interpolate(
                    _("Possibly the same person as one registered at %(dwelling)s (same name "
                      "and birth date)."), {"dwelling": p.dwelling_code}))
                return
            row.reject(self.label("id_number"), interpolate(
                _("Already registered at %(dwelling)s. An import does not move people: move "
                  "them on their page first."), {"dwelling": p.dwelling_code}))
            return
        new = self.person_values(row)
        if new.get("relation") == Relation.HEAD and target["head_id"] != p.pk:
            row.reject(self.label("relation"), _(
                "The registry has another head for this household. Change the head on the "
                "household page, not by import."))
            return
        if p.pk == target["head_id"] and new.get("relation", Relation.HEAD) != Relation.HEAD:
            new.pop("relation")
        changed = [f for f, value in new.items() if getattr(p, f) != value]
        if row.values.get("phone_hash") and row.values["phone_hash"] != p.phone_hash:
            changed.append("phone")
        if row.values.get("id_number") and not p.id_number_hash:
            changed.append("id_number")
        if changed:
            row.outcome = UPDATED
            row.values["changed"] = changed
            row.note = ", ".join(str(_field_label(f)) for f in changed)
        else:
            row.outcome = UNCHANGED

    def _check_new_household(self, rows: list[RowResult]) -> None:
        live = [r for r in rows if r.outcome != REJECTED]
        heads = [r for r in rows if r.values.get("relation") == Relation.HEAD]
        if len(rows) == 1 and not rows[0].values.get("relation"):
            heads = rows
            rows[0].values["relation"] = Relation.HEAD
        problem = None
        if not heads:
            problem = _("No head of household (户主) for %(dwelling)s in this file: mark one "
                        "person's relation as 户主.")
        elif len(heads) > 1:
            problem = _("Several heads of household (户主) at %(dwelling)s: add a 户号 column to "
                        "tell the households apart, or correct the relation.")
        elif heads[0].outcome != NEW:
            problem = self._head_not_imported(heads[0])
        elif not heads[0].values.get("residency"):
            heads[0].reject(self.label("residency"), _(
                "The residency (人员类别: 户籍, 常住 or 流动) is needed for a new household."))
            problem = self._head_not_imported(heads[0])
        if problem is None:
            for row in live:
                if row is not heads[0] and not row.values.get("relation"):
                    row.reject(self.label("relation"), _("The relation to the head of household "
                                                          "is missing."))
            return
        for row in live:
            if len(heads) == 1 and row is heads[0]:
                continue  # its own problem (or its duplicate note) says enough
            if row.outcome in (NEW, DUPLICATE) or any(row is h for h in heads):
                row.reject(self.label("relation"), str(interpolate(
                    problem, {"dwelling": row.dwelling})))

    def _head_not_imported(self, head: RowResult) -> str:
        # Interpolated again with the dwelling below: keep its own % signs out.
        return self.other_row(
            _("The head of household's row %(row)d is not imported, so neither is this one."),
            _("The head of household's row %(row)d of sheet “%(sheet)s” is not imported, so "
              "neither is this one."), head).replace("%", "%%")

    def _check_guardians(self, rows: list[RowResult], target: dict | None) -> None:
        """The ethnic group of a child under 14 is recorded under a consent given by a
        guardian (the head of household): the registry's own rule decides."""
        if not self.batch.consent_evidence:
            return
        head_row = next((r for r in rows if r.values.get("relation") == Relation.HEAD
                         and r.outcome == NEW), None)
        for row in rows:
            v = row.values
            if row.outcome == NEW and v.get("ethnicity"):
                guardian = head_row if head_row is not row else None
                if guardian is None and target is not None and (
                        row.person is None or target["head_id"] != row.person.pk):
                    guardian = target["head_id"]
            elif (row.outcome == UPDATED and "ethnicity" in v.get("changed", ())
                  and not row.person.ethnicity):
                guardian = target["head_id"] if target and target["head_id"] != row.person.pk \
                    else None
            else:
                continue
            birth = v.get("birth_date") or (row.person.birth_date if row.person else None)
            try:
                check_consent_guardian(age=_age(birth, self.today) if birth else None,
                                       guardian=guardian)
            except ValidationError as exc:
                row.reject(self.label("ethnicity"), " ".join(exc.messages) + " " + _(
                    "Leave the ethnic group empty in this row, or record it with the "
                    "guardian's consent on the person page."))

    def person_values(self, row: RowResult) -> dict[str, Any]:
        v = row.values
        out = {f: v[f] for f in ("name", "sex", "birth_date", "ethnicity", "permit_number",
                                 "permit_expiry", "occupation", "relation") if v.get(f)}
        if v.get("origin"):
            out["origin_code"] = v["origin"]
        return out

    def release_cells(self) -> None:
        """Let go of the sheet, keeping only the cells of the rows not imported (the
        error report shows them): the memory goes to the writing instead."""
        self.sheets = []
        for row in self.rows:
            if row.outcome not in (REJECTED, DUPLICATE):
                row.cells = []

    def plan(self) -> Report:
        self.read_rows()
        self.resolve_places()
        self.match_people()
        self.group_households()
        self.decide()
        counts = dict.fromkeys(OUTCOMES, 0)
        for row in self.rows:
            counts[row.outcome] += 1
        counts["skipped"] = self.skipped
        header = [_column_label(self.header, i) for i in range(len(self.header))]
        return Report(header=header, columns=self.columns, rows=self.rows, counts=counts,
                      notices=self.notices, sheets=[sheet.name for sheet, _row in self.sheets])


def _field_label(key: str) -> str:
    if key == "origin_code":
        key = "origin"
    return str(FIELDS[key].label) if key in FIELDS else key


def check(*, actor: Any, batch: ImportBatch) -> Report:
    """The dry run: every row's outcome, nothing written."""
    _scoped_batch(actor, batch)
    return _Planner(actor, batch, sheets_of(batch)).plan()


# --- commit -------------------------------------------------------------------------

def commit(*, actor: Any, batch: ImportBatch) -> Report:
    """Write the plan in one transaction. Raises ImportFailed (nothing written)."""
    _scoped_batch(actor, batch)
    sheets = sheets_of(batch)
    try:
        with transaction.atomic():
            audit.lock_tip()
            batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if batch.status != BatchStatus.DRAFT:
                raise ImportFailed(_("This file has already been imported."), "done")
            planner = _Planner(actor, batch, sheets)
            sheets = []
            report = planner.plan()
            planner.release_cells()
            _Writer(actor, batch, planner).write(report)
            batch.status = BatchStatus.COMMITTED
            batch.committed_at = timezone.now()
            batch.counts = report.counts
            # Listed on the batch's page, and the rows to fix are taken from the file
            # by these numbers (the reasons in the words of who imported).
            batch.not_imported = [
                {"sheet": r.sheet, "row": r.number, "name": r.name, "outcome": r.outcome,
                 "reasons": r.reasons()} for r in report.problems()]
            batch.save(update_fields=["status", "committed_at", "counts", "not_imported"])
            audit.record(AuditAction.IMPORT, actor=actor, obj=batch, changes={
                "file": batch.filename, "sha256": batch.file_sha256,
                "grid": batch.grid.code, "counts": report.counts})
    except IntegrityError as exc:
        raise ImportFailed(_(
            "Someone registered some of these people while the import ran. Nothing was "
            "imported: check the file again and import it."), "conflict") from exc
    return report


class _Writer:
    def __init__(self, actor: Any, batch: ImportBatch, planner: _Planner) -> None:
        self.actor, self.batch, self.planner = actor, batch, planner
        self.now = timezone.now()
        self.today = timezone.localdate()

    def write(self, report: Report) -> None:
        planner = self.planner
        households: dict[tuple, int] = {}
        new_groups = [(key, rows) for key, rows in planner.groups.items()
                      if planner.targets.get(key) is None
                      and any(r.outcome == NEW for r in rows)]
        dwellings = self._dwellings([key for key, _rows in new_groups])
        # Ids are reserved up front, so people, households and their heads are
        # written as plain rows (COPY / executemany) with no update afterwards.
        new_rows = [r for r in planner.rows if r.outcome == NEW]
        person_ids = reserve_ids(Person, len(new_rows))
        heads = {row.household_key: pk for row, pk in zip(new_rows, person_ids, strict=True)
                 if row.values.get("relation") == Relation.HEAD}
        household_ids = reserve_ids(Household, len(new_groups))
        now = connection.ops.adapt_datetimefield_value(self.now)
        new_households = []
        for (key, rows), pk in zip(new_groups, household_ids, strict=True):
            head = next(r for r in rows if r.values.get("relation") == Relation.HEAD)
            new_households.append({
                "id": pk, "dwelling_id": dwellings[key[:3]], "grid_id": head.values["grid_id"],
                "residency": head.values["residency"], "head_id": heads.get(key),
                "moved_in": head.values.get("moved_in") or self.today,
                "note": head.values.get("note", ""), "import_batch_id": self.batch.pk,
                "created_at": now, "updated_at": now})
            households[key] = pk
        insert_dicts(Household, new_households, with_id=True)
        insert_dicts(HouseholdAddress, ({"household_id": h["id"], "dwelling_id": h["dwelling_id"],
                                    "moved_in": h["moved_in"]} for h in new_households))
        del new_households
        for key, target in planner.targets.items():
            if target is not None:
                households[key] = target["pk"]
        # Checked as written, not at COMMIT: their targets are written before them.
        checked_now = [(Person, "household"), (Person, "grid"), (Membership, "person"),
                       (Membership, "household"), (Consent, "person"), (SearchKey, "person")]
        with Writer(checked_now=checked_now) as writer:
            for start_ in range(0, len(new_rows), WRITE_CHUNK):
                self._create_people(writer, new_rows[start_:start_ + WRITE_CHUNK],
                                    person_ids[start_:start_ + WRITE_CHUNK], households, heads,
                                    now)
        self._update_people(report)

    def _dwellings(self, keys: list[tuple]) -> dict[tuple, int]:
        known = self.planner.dwellings
        buildings = {b.pk: b for b in self.planner.buildings.values()}
        missing = sorted({k[:3] for k in keys if k[:3] not in known})
        ids = reserve_ids(Dwelling, len(missing))
        insert_dicts(Dwelling, ({"id": pk, "building_id": b, "unit": u, "room": r,
                            "grid_id": buildings[b].grid_id,
                            "code": dwelling_code(buildings[b].number, u, r),
                            "import_batch_id": self.batch.pk}
                           for (b, u, r), pk in zip(missing, ids, strict=True)), with_id=True)
        return {**known, **dict(zip(missing, ids, strict=True))}

    def _create_people(self, writer: Writer, rows: list[RowResult], ids: list[int],
                       households: dict[tuple, int], heads: dict[tuple, int], now: Any) -> None:
        """Write one chunk of new people with their memberships, consents and search
        keys as plain rows, so memory stays bounded by the chunk. The values were
        normalised and validated by the plan; the identifiers are encrypted, hashed
        and masked by the registry's own `id_number_columns` / `phone_columns`."""
        people, memberships, consents, keys = [], [], [], []
        evidence = self._evidence()
        for row, pk in zip(rows, ids, strict=True):
            v = row.values
            values = self.planner.person_values(row)
            relation = values.pop("relation", None) or Relation.OTHER_RELATIVE
            number, phone = v.get("id_number", ""), v.get("phone", "")
            household_id = households[row.household_key]
            people.append({
                **values, "id": pk, "household_id": household_id, "grid_id": v["grid_id"],
                "relation": relation, "pinyin": display_pinyin(row.name),
                "import_batch_id": self.batch.pk, "created_at": now, "updated_at": now,
                **id_number_columns(number, hashed=v.get("id_hash")),
                **phone_columns(phone, hashed=v.get("phone_hash"))})
            memberships.append({"person_id": pk, "household_id": household_id,
                                "relation": relation, "joined": v.get("moved_in") or self.today})
            if values.get("ethnicity"):
                # Recorded under the consent the worker described (batch.consent_evidence);
                # a child's is given by the head of household as guardian.
                guardian = None
                birth = values.get("birth_date")
                if birth is not None and _age(birth, self.today) < 14:
                    guardian = heads.get(row.household_key) or self._head_of(row)
                consents.append({"person_id": pk, "purpose": ConsentPurpose.SENSITIVE,
                                 "status": ConsentStatus.GIVEN, "recorded_on": self.today,
                                 "recorded_by_id": self.actor.pk, "evidence": evidence,
                                 "guardian_id": guardian if guardian != pk else None})
            keys.extend(search_key_rows(pk, v["grid_id"], row.name))
        writer.insert_dicts(Person, people, with_id=True)
        writer.insert_dicts(Membership, memberships)
        writer.insert_dicts(Consent, consents)
        writer.insert(SearchKey._meta.db_table, SEARCH_KEY_COLUMNS, keys)

    def _head_of(self, row: RowResult) -> int | None:
        target = self.planner.targets.get(row.household_key)
        return target["head_id"] if target else None

    def _evidence(self) -> str:
        # Undo finds the batch's own consents by the code-made ending "#<batch>)",
        # so no translation can change it.
        return f"{self.batch.consent_evidence} ({_('Import')} {_batch_tag(self.batch)}"[:300]

    def _update_people(self, report: Report) -> None:
        rows = [r for r in report.rows if r.outcome == UPDATED]
        if not rows:
            return
        ids = [r.person.pk for r in rows]
        current = {}
        for start_ in range(0, len(ids), CHUNK):
            current.update(Person.objects.select_for_update().in_bulk(ids[start_:start_ + CHUNK]))
        changes, renamed, consents = [], [], []
        fields: set[str] = {"updated_at", "pinyin"}
        evidence = self._evidence()
        for row in rows:
            person = current[row.person.pk]
            changes.append(ImportChange(batch=self.batch, person=person, before={
                f: audit._plain(getattr(person, f)) for f in RESTORE_FIELDS}))
            new = self.planner.person_values(row)
            for f in row.values["changed"]:
                if f == "phone":
                    set_phone(person, row.values["phone"])
                    fields.update(("phone_enc", "phone_hash", "phone_mask", "phone_last4"))
                elif f == "id_number":
                    set_id_number(person, row.values["id_number"])
                    fields.update(("id_number_enc", "id_number_hash", "id_number_mask"))
                else:
                    if f == "ethnicity" and not person.ethnicity:
                        age = person.age_on(self.today)
                        guardian = self._head_of(row) if age is not None and age < 14 else None
                        consents.append(Consent(
                            person=person, purpose=ConsentPurpose.SENSITIVE,
                            status=ConsentStatus.GIVEN, recorded_on=self.today,
                            recorded_by=self.actor, evidence=evidence,
                            guardian_id=guardian if guardian != person.pk else None))
                    setattr(person, f, new[f])
                    fields.add(f)
            if "name" in row.values["changed"]:
                person.pinyin = display_pinyin(person.name)
                renamed.append(person)
            person.updated_at = self.now
            person.version += 1  # a form opened before the import is now stale
        fields.add("version")
        ImportChange.objects.bulk_create(changes, batch_size=2000)
        Person.objects.bulk_update(list(current.values()), sorted(fields), batch_size=1000)
        Consent.objects.bulk_create(consents, batch_size=2000)
        for person in renamed:
            reindex_person(person)


def _batch_tag(batch: ImportBatch) -> str:
    return f"#{batch.pk})"


WRITE_CHUNK = 5000  # new people written at a time


def _age(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# --- undo ---------------------------------------------------------------------------

UNDO_ALLOWED = {Person, Household, HouseholdAddress, Membership, SearchKey, Consent,
                ImportChange}


@audit.audited
def undo(*, actor: Any, batch: ImportBatch) -> None:
    """Remove what `batch` wrote, restoring the people it changed.

    Refused, naming the records, when anything touched them after the import:
    an edit, a new member, a case, a visit, a consent recorded by hand…
    """
    _scoped_batch(actor, batch)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != BatchStatus.COMMITTED:
        raise UndoBlocked(_("Only an imported batch can be undone."), [])
    blockers = _blockers(batch)
    if blockers:
        raise UndoBlocked(ngettext(
            "This import cannot be undone: %(n)d record was changed or used after it.",
            "This import cannot be undone: %(n)d records were changed or used after it.",
            len(blockers)) % {"n": len(blockers)}, blockers[:20])
    changes = list(ImportChange.objects.filter(batch=batch).select_related("person"))
    restored = []
    for change in changes:
        person = change.person
        for f, value in change.before.items():
            setattr(person, f, Person._meta.get_field(f).to_python(value))
        person.updated_at = timezone.now()
        person.version += 1
        restored.append(person)
    Person.objects.bulk_update(restored, [*RESTORE_FIELDS, "updated_at", "version"],
                               batch_size=1000)
    for person in restored:
        reindex_person(person)
    # The consents the import recorded (for the ethnic group), on new and changed people.
    Consent.objects.filter(
        Q(person__import_batch_id=batch.pk) | Q(person__in=[c.person_id for c in changes]),
        evidence__endswith=_batch_tag(batch), purpose=ConsentPurpose.SENSITIVE).delete()
    created = Household.objects.filter(import_batch_id=batch.pk)
    created.update(head=None)
    Person.objects.filter(import_batch_id=batch.pk).delete()
    created.delete()
    for dwelling in Dwelling.objects.filter(import_batch_id=batch.pk):
        try:
            with transaction.atomic():
                dwelling.delete()
        except (ProtectedError, RestrictedError):
            pass  # someone lives there now; an empty dwelling record harms nobody
    batch.status = BatchStatus.UNDONE
    batch.undone_at = timezone.now()
    batch.undone_by = actor
    batch.save(update_fields=["status", "undone_at", "undone_by"])
    audit.record(AuditAction.UNDO_IMPORT, actor=actor, obj=batch,
                 changes={"file": batch.filename, "counts": batch.counts})


def _blockers(batch: ImportBatch) -> list[tuple[str, str]]:
    after = batch.committed_at
    out: list[tuple[str, str]] = []
    people = Person.objects.filter(import_batch_id=batch.pk)
    households = Household.objects.filter(import_batch_id=batch.pk)
    changed = Person.objects.filter(pk__in=ImportChange.objects.filter(batch=batch)
                                    .values("person_id"))
    for p in (people | changed).filter(updated_at__gt=after).order_by("pk")[:20]:
        out.append((interpolate(_("%(name)s was edited after the import"), {"name": p.name}),
                    reverse("person_detail", args=[p.pk])))
    for h in households.filter(updated_at__gt=after).select_related("dwelling")[:20]:
        out.append((interpolate(_("Household %(dwelling)s was edited after the import"),
                                {"dwelling": h.dwelling.code}),
                    reverse("household_detail", args=[h.pk])))
    for p in Person.objects.filter(household__import_batch_id=batch.pk).exclude(
            import_batch_id=batch.pk)[:20]:
        out.append((interpolate(_("%(name)s joined an imported household later"),
                                {"name": p.name}), reverse("person_detail", args=[p.pk])))
    if out:
        return out
    own_consent = _batch_tag(batch)
    for c in Consent.objects.filter(person__import_batch_id=batch.pk).exclude(
            evidence__endswith=own_consent).select_related("person")[:20]:
        out.append((interpolate(_("A consent of %(name)s was recorded after the import"),
                                {"name": c.person.name}),
                    reverse("person_detail", args=[c.person_id])))
    out.extend(_linked_records(batch))
    return out


def _linked_records(batch: ImportBatch) -> list[tuple[str, str]]:
    """Anything else that points at the batch's households or people (cases,
    visits, duties, pairings, businesses…): deleting them would delete or orphan it.
    Every reverse relation is asked, so models added later are covered too."""
    out: list[tuple[str, str]] = []
    for model in (Person, Household):
        own = model.objects.filter(import_batch_id=batch.pk).values("pk")
        for rel in model._meta.related_objects:
            if rel.related_model in UNDO_ALLOWED:
                continue
            linked = rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": own})
            out.extend((_describe(o), "") for o in linked[:5])
    return out


def _describe(obj: Any) -> str:
    return interpolate(_("%(kind)s “%(what)s” refers to an imported record"),
                       {"kind": obj._meta.verbose_name, "what": str(obj)[:80]})
