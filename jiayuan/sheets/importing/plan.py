"""Steps 2 to 5 of the plan: places, people, households, each row's outcome; the check."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from jiayuan.core.collector import fewer_collections
from jiayuan.core.models import User
from jiayuan.core.scope import in_scope
from jiayuan.lib._i18n import interpolate
from jiayuan.places.models import Building, Dwelling
from jiayuan.registry.choices import Relation
from jiayuan.registry.consent_rules import age_on, check_consent_guardian, household_guardian
from jiayuan.registry.identifiers import (
    id_hash,
    phone_hash,
)
from jiayuan.registry.models import (
    ERASED_NAME,
    Household,
    Person,
)
from jiayuan.sheets.columns import (
    FIELDS,
)
from jiayuan.sheets.importing.outcomes import (
    CHUNK,
    DUPLICATE,
    NEW,
    OUTCOMES,
    PERSON_VALUES,
    REJECTED,
    UNCHANGED,
    UPDATED,
    Report,
    RowResult,
)
from jiayuan.sheets.importing.row_checks import RELEASED, _RowReader
from jiayuan.sheets.importing.upload import _scoped_batch, column_label, sheets_of
from jiayuan.sheets.messages import Joined
from jiayuan.sheets.models import ImportBatch

# The registered person's columns a row is matched and compared with: the
# keys first (their places below), then PERSON_VALUES.
_MATCHED = ("pk", "household_id", "grid_id", "dwelling_id", "dwelling_code", "phone_hash",
            "id_number_hash", *PERSON_VALUES)
_DWELLING, _CODE, _PHONE_HASH, _ID_HASH = 3, 4, 5, 6
_COMPARED = {f: _MATCHED.index(f) for f in PERSON_VALUES}
_NAME, _BIRTH = _COMPARED["name"], _COMPARED["birth_date"]


@dataclass(slots=True)
class Match:
    """The registered person a row is, as the plan's later steps need them: who
    they are, where they live, and which of the row's fields differ from theirs
    (``changed``, compared when matched, in PERSON_VALUES' order then "phone"
    and "id_number"). ``birth_date`` is theirs only when the row gives none;
    ``ethnicity``: whether one is recorded."""

    pk: int
    household_id: int
    grid_id: int
    dwelling_code: str
    birth_date: date | None
    ethnicity: bool
    changed: tuple[str, ...]


class _Planner(_RowReader):
    """Works out every row's outcome; `check` shows it, `commit` writes it.
    Step 1 (each row on its own) is the `_RowReader`; steps 2 to 5 look at
    the rows together and at the registry."""

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
        keys: dict[tuple, tuple] = {}
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
            key = (building.pk, v.get("unit", ""), v["room"], v.get("household_no", ""))
            row.household_key = keys.setdefault(key, key)  # one per household

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
        # Plain tuples of the compared columns, each turned into a small `Match`
        # at once: a re-import matches every row, and holds only what the later
        # steps read (not the registered values).
        people = Person.objects.exclude(name=ERASED_NAME).annotate(
            dwelling_id=F("household__dwelling_id"),
            dwelling_code=F("household__dwelling__code"))
        hashes = list(by_id)
        while hashes:
            # Taken off as asked and as matched, so a matched row's hash is let go.
            chunk = hashes[-CHUNK:]
            del hashes[-CHUNK:]
            for p in people.filter(id_number_hash__in=chunk).values_list(*_MATCHED):
                row = by_id.pop(p[_ID_HASH])
                row.person = self._match(row, p)
        # Not found by ID number: same name and birth date in the community (for a
        # row with an ID, only someone registered without one: the row adds it).
        no_id = [r for r in self.rows if r.outcome == NEW and r.person is None]
        names = sorted({r.name for r in no_id})
        wanted = {(r.name, r.values.get("birth_date")) for r in no_id}
        found: dict[tuple[str, date | None], list[tuple]] = defaultdict(list)
        for start_ in range(0, len(names), CHUNK):
            for p in people.filter(grid__community_id=self.batch.community_id,
                                   name__in=names[start_:start_ + CHUNK]).values_list(
                    *_MATCHED):
                key = (p[_NAME], p[_BIRTH])
                if key in wanted:  # namesakes born another day are nobody's match
                    found[key].append(p)
        for row in no_id:
            v = row.values
            candidates = [
                p for p in found.get((row.name, v.get("birth_date")), ())
                if not (v.get("phone_hash") and p[_PHONE_HASH]
                        and p[_PHONE_HASH] != v["phone_hash"])
                # a different ID number: a different person
                and not (v.get("id_number") and p[_ID_HASH])]
            if candidates:
                # Namesakes born the same day: the one living at the row's dwelling
                # is this row (a re-import); another is only possibly the same.
                here = self.dwellings.get(row.household_key[:3]) if row.household_key else None
                row.person = self._match(row, next(
                    (p for p in candidates if p[_DWELLING] == here), candidates[0]))
                v["matched_by_details"] = True

    def _match(self, row: RowResult, p: tuple) -> Match:
        """What the plan keeps of the registered person ``p`` (a `_MATCHED` tuple)
        this row is: the row's values compared with theirs, field by field, now."""
        v = row.values
        changed = [f for f, value in self.person_values(row).items()
                   if p[_COMPARED[f]] != value]
        if v.get("phone_hash") and v["phone_hash"] != p[_PHONE_HASH]:
            changed.append("phone")
        if v.get("id_number") and not p[_ID_HASH]:
            changed.append("id_number")
        code = p[_CODE]
        # The row's hashes have served (a new person's are computed again if needed).
        v.pop("id_hash", None)
        v.pop("phone_hash", None)
        return Match(pk=p[0], household_id=p[1], grid_id=p[2],
                     dwelling_code=self.texts.setdefault(code, code),
                     birth_date=None if v.get("birth_date") else p[_BIRTH],
                     ethnicity=bool(p[_COMPARED["ethnicity"]]),
                     changed=tuple(changed) if changed else ())

    # Step 4: households.
    def group_households(self) -> None:
        groups: dict[tuple, list[RowResult]] = defaultdict(list)
        for row in self.rows:
            if row.outcome != REJECTED and row.household_key is not None:
                groups[row.household_key].append(row)
        dwelling_ids = [self.dwellings[k[:3]] for k in groups if k[:3] in self.dwellings]
        # Named tuples, not dicts: a re-import finds a household per group.
        active: dict[int, list[Any]] = defaultdict(list)
        for start_ in range(0, len(dwelling_ids), CHUNK):
            for h in Household.objects.filter(dwelling_id__in=dwelling_ids[start_:start_ + CHUNK],
                                              moved_out__isnull=True).values_list(
                    "pk", "dwelling_id", "head_id", "grid_id", named=True):
                active[h.dwelling_id].append(h)
        self.groups = groups
        self.targets: dict[tuple, Any] = {}
        for key, rows in groups.items():
            households = active.get(self.dwellings.get(key[:3], -1), [])
            self.targets[key] = self._target(key, rows, households)

    def _target(self, key: tuple, rows: list[RowResult], households: list[Any]) -> Any:
        """The registered household these rows belong to, or None for a new one."""
        ids = {h.pk: h for h in households}
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

    def _decide_person(self, row: RowResult, target: Any) -> None:
        p = row.person
        if p is None:
            return
        if not in_scope(self.actor, p.grid_id):
            row.person = None
            row.reject(self.label("id_number"), _(
                "This person is registered in a grid you cannot see. Ask the station head."))
            return
        if target is None or p.household_id != target.pk:
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
        relation = row.values.get("relation")
        if relation == Relation.HEAD and target.head_id != p.pk:
            row.reject(self.label("relation"), _(
                "The registry has another head for this household. Change the head on the "
                "household page, not by import."))
            return
        changed = list(p.changed)
        if p.pk == target.head_id and relation and relation != Relation.HEAD:
            # The registered head stays the head: the row's relation is not compared.
            changed = [f for f in changed if f != "relation"]
        if changed:
            row.outcome = UPDATED
            row.values["changed"] = changed
            row.note = Joined(_field_label(f) for f in changed)
        else:
            row.outcome = UNCHANGED

    def _check_new_household(self, rows: list[RowResult]) -> None:
        live = [r for r in rows if r.outcome != REJECTED]
        heads = [r for r in rows if r.values.get("relation") == Relation.HEAD]
        if len(rows) == 1 and not rows[0].values.get("relation"):
            heads = rows
            rows[0].values["relation"] = Relation.HEAD
        problem: Any = None
        final = False  # the head's own problem: no dwelling to put in
        if not heads:
            problem = _("No head of household (户主) for %(dwelling)s in this file: mark one "
                        "person's relation as 户主.")
        elif len(heads) > 1:
            problem = _("Several heads of household (户主) at %(dwelling)s: add a 户号 column to "
                        "tell the households apart, or correct the relation.")
        elif heads[0].outcome != NEW:
            problem, final = self._head_not_imported(heads[0]), True
        elif not heads[0].values.get("residency"):
            heads[0].reject(self.label("residency"), _(
                "The residency (人员类别: 户籍, 常住 or 流动) is needed for a new household."))
            problem, final = self._head_not_imported(heads[0]), True
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
                row.reject(self.label("relation"), problem if final else interpolate(
                    problem, {"dwelling": row.dwelling}))

    def _head_not_imported(self, head: RowResult) -> Any:
        return self.other_row(
            _("The head of household's row %(row)d is not imported, so neither is this one."),
            _("The head of household's row %(row)d of sheet “%(sheet)s” is not imported, so "
              "neither is this one."), head)

    def _check_guardians(self, rows: list[RowResult], target: Any) -> None:
        """The ethnic group of a child under 14 is recorded under a consent given by a
        guardian (the head of household): the registry's own rule decides, and a
        row it refuses is not imported, its problem naming the row and the rule."""
        if not self.batch.consent_evidence:
            return
        head_row = next((r for r in rows if r.values.get("relation") == Relation.HEAD
                         and r.outcome == NEW), None)
        for row in rows:
            v = row.values
            person_id = row.person.pk if row.person is not None else None
            if row.outcome == NEW and v.get("ethnicity"):
                # The new head's row is the guardian (unless it is this very row),
                # else the registered household's head.
                guardian = (head_row.number if head_row is not None and head_row is not row
                            else household_guardian(head_id=target.head_id if target else None,
                                                    person_id=person_id))
            elif (row.outcome == UPDATED and "ethnicity" in v.get("changed", ())
                  and not row.person.ethnicity):
                guardian = household_guardian(head_id=target.head_id if target else None,
                                              person_id=person_id)
            else:
                continue
            birth = v.get("birth_date") or (row.person.birth_date if row.person else None)
            try:
                check_consent_guardian(age=age_on(birth, self.today), guardian=guardian)
            except ValidationError as exc:
                row.reject(self.label("ethnicity"), interpolate(_(
                    "Row %(row)d: %(rule)s Leave the ethnic group empty in this row, or "
                    "record it with the guardian's consent on the person page."),
                    {"row": row.number, "rule": _rule_messages(exc)}))

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
                row.cells = RELEASED

    def plan(self) -> Report:
        self.read_rows()
        self.resolve_places()
        self.match_people()
        self.group_households()
        self.decide()
        self.cells_again()
        counts = dict.fromkeys(OUTCOMES, 0)
        for row in self.rows:
            counts[row.outcome] += 1
        counts["skipped"] = self.skipped
        header = [column_label(self.header, i) for i in range(len(self.header))]
        return Report(header=header, columns=self.columns, rows=self.rows, counts=counts,
                      notices=self.notices, sheets=[sheet.name for sheet, _row in self.sheets])


def _rule_messages(exc: ValidationError) -> Joined:
    """A registry rule's messages, kept lazy (stored as messages)."""
    errors = (exc.error_list if hasattr(exc, "error_list")
              else [e for es in exc.error_dict.values() for e in es])
    return Joined(((interpolate(e.message, e.params) if e.params else e.message)
                   for e in errors), " ")


def _field_label(key: str) -> Any:
    if key == "origin_code":
        key = "origin"
    return FIELDS[key].label if key in FIELDS else key


@fewer_collections()
def check(*, actor: User, batch: ImportBatch) -> Report:
    """The dry run: every row's outcome, nothing written."""
    _scoped_batch(actor, batch)
    planner = _Planner(actor, batch, sheets_of(batch))
    planner.reread = lambda only: sheets_of(batch, only=only)
    return planner.plan().freeze()
