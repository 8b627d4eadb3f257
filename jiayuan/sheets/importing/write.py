"""Commit: write the plan in one transaction, as plain rows built by the registry's builders."""

from __future__ import annotations

import json
from datetime import date
from types import MappingProxyType
from typing import Any, cast

from django.db import IntegrityError, connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiayuan.core import audit, locks
from jiayuan.core.access import require
from jiayuan.core.bulk import Writer, insert_dicts, reserve_ids
from jiayuan.core.collector import between_stages, fewer_collections
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.lib.text import display_pinyin
from jiayuan.places.models import Dwelling, dwelling_code
from jiayuan.registry.choices import ConsentPurpose, Relation
from jiayuan.registry.consent_rules import consent_columns, household_guardian, needs_guardian
from jiayuan.registry.identifiers import (
    ID_NUMBER_COLUMNS,
    PHONE_COLUMNS,
    id_number_columns,
    phone_columns,
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
from jiayuan.registry.services.common import check_not_erased, lock_households
from jiayuan.sheets import messages
from jiayuan.sheets.importing import checking, status
from jiayuan.sheets.importing.outcomes import (
    CHUNK,
    NEW,
    RESTORE_FIELDS,
    UPDATED,
    ImportFailed,
    Report,
    RowResult,
)
from jiayuan.sheets.importing.plan import _Planner
from jiayuan.sheets.importing.upload import _scoped_batch, sheets_of
from jiayuan.sheets.models import BatchStatus, ImportBatch, ImportChange


@fewer_collections()
def commit(*, actor: User, batch: ImportBatch, accepted: list[int] | None = None) -> Report:
    """Write the plan in one transaction. Raises ImportFailed (nothing written).

    The plan is made again inside the transaction, under the import lock, so two
    imports at once are serialised; the rows are written through `audit.batch()`,
    the one transaction for many writes (the registry's `reindex_person` among
    them). ``accepted``: the row numbers (`RowResult.ref`) of the possible
    duplicates the worker ticked to import anyway (None: those already saved).
    The ethnic group is sensitive: a batch that records it under a consent is
    committed only by a role that may see it (PermissionDenied), as the registry's
    person_create requires."""
    _scoped_batch(actor, batch)
    sheets = sheets_of(batch, mapped_only=True)
    try:
        with audit.batch():
            # One import at a time: the second plans against the first's people.
            locks.hold(locks.ROSTER_IMPORT)
            batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if batch.consent_evidence and "ethnicity" in batch.mapping.values():
                require(actor, Perm.VIEW_SENSITIVE)
            try:
                status.check_move(batch, BatchStatus.COMMITTED)
            except status.StatusRefused as exc:
                raise ImportFailed(exc.message, exc.code) from exc
            if accepted is not None:
                batch.accepted = sorted(set(accepted))
                batch.save(update_fields=["accepted"])
            planner = _Planner(actor, batch, sheets)
            planner.reread = lambda only: sheets_of(batch, mapped_only=True, only=only)
            sheets = []
            report = planner.plan()
            planner.release_cells()
            between_stages()
            _Writer(actor, batch, planner).write(report)
            changed = status.move(batch, BatchStatus.COMMITTED, actor=actor, now=timezone.now())
            batch.counts = report.counts
            # Listed on the batch's page, and the rows to fix are taken from the file
            # by these numbers; the reasons are stored messages, shown in the
            # reader's language (jiayuan.sheets.messages).
            batch.not_imported = [
                {"sheet": r.sheet, "row": r.number, "name": r.name, "outcome": r.outcome,
                 "problems": [{"column": messages.encode(p.column),
                               "reason": messages.encode(p.reason)} for p in r.problems],
                 "note": messages.encode(r.note) if r.note else ""}
                for r in report.problems()]
            # The dry run's stored rows have served: the page now shows what was done.
            batch.save(update_fields=[*changed, "counts", "not_imported",
                                      *checking.forget(batch)])
            audit.record(AuditAction.IMPORT, actor=actor, obj=batch, changes={
                "file": batch.filename, "sha256": batch.file_sha256,
                "grid": batch.grid.code, "counts": report.counts})
    except IntegrityError as exc:
        # Lazy: a background import stores it as a message (importing.committing).
        raise ImportFailed(gettext_lazy(
            "Someone registered some of these people while the import ran. Nothing was "
            "imported: check the file again and import it."), "conflict") from exc
    return report.freeze()


class _Writer:
    def __init__(self, actor: User, batch: ImportBatch, planner: _Planner) -> None:
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
                households[key] = target.pk
        # The households joined, locked now in the order of their keys as a
        # service would (registry.services.common): each chunk's people take
        # theirs FOR SHARE (the living counts' trigger), and in the sheet's order
        # across chunks that could deadlock with a desk moving someone between two.
        lock_households(*(t.pk for t in planner.targets.values() if t is not None))
        # Checked as written, not at COMMIT: their targets are written before them.
        checked_now = [(Person, "household"), (Person, "grid"), (Membership, "person"),
                       (Membership, "household"), (Consent, "person"), (SearchKey, "person")]
        with Writer(checked_now=checked_now) as writer:
            for start_ in range(0, len(new_rows), WRITE_CHUNK):
                chunk = new_rows[start_:start_ + WRITE_CHUNK]
                self._create_people(writer, chunk, person_ids[start_:start_ + WRITE_CHUNK],
                                    households, heads, now)
                for row in chunk:
                    # Written: its values have served (the report keeps each row's
                    # outcome and problems), and the memory goes to the next chunks.
                    row.values = WRITTEN
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
                head = heads.get(row.household_key) or self._head_of(row)
                consents.append(self._consent(pk, values.get("birth_date"), head, evidence))
            keys.extend(search_key_rows(pk, v["grid_id"], row.name))
        writer.insert_dicts(Person, people, with_id=True)
        writer.insert_dicts(Membership, memberships)
        writer.insert_dicts(Consent, consents)
        writer.insert(SearchKey._meta.db_table, SEARCH_KEY_COLUMNS, keys)

    def _head_of(self, row: RowResult) -> int | None:
        target = self.planner.targets.get(row.household_key)
        return target.head_id if target else None

    def _consent(self, person_id: int, birth_date: date | None, head_id: int | None,
                 evidence: str) -> dict[str, Any]:
        """The consent to the ethnic group being recorded, built by the registry's
        own builder: a child's names the head of household as guardian, and the
        guardian rule refuses it without one (the plan has refused such rows
        already, so this is the last line of defence, not the message)."""
        guardian = (household_guardian(head_id=head_id, person_id=person_id)
                    if needs_guardian(birth_date, self.today) else None)
        return consent_columns(person_id=person_id, birth_date=birth_date,
                               purpose=ConsentPurpose.SENSITIVE, recorded_on=self.today,
                               recorded_by_id=self.actor.pk, evidence=evidence,
                               guardian_id=guardian, today=self.today)

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
            check_not_erased(person)  # the plan matches no tombstone; never by pk either
            changes.append({"batch_id": self.batch.pk, "person_id": person.pk,
                            "before": json.dumps({f: audit._plain(getattr(person, f))
                                                  for f in RESTORE_FIELDS})})
            new = self.planner.person_values(row)
            for f in row.values["changed"]:
                if f == "phone":
                    set_phone(person, row.values["phone"])
                    fields.update(PHONE_COLUMNS)
                elif f == "id_number":
                    set_id_number(person, row.values["id_number"])
                    fields.update(ID_NUMBER_COLUMNS)
                else:
                    if f == "ethnicity" and not person.ethnicity:
                        birth = row.values.get("birth_date") or person.birth_date
                        consents.append(self._consent(person.pk, birth, self._head_of(row),
                                                      evidence))
                    setattr(person, f, new[f])
                    fields.add(f)
            if "name" in row.values["changed"]:
                person.pinyin = display_pinyin(person.name)
                renamed.append(person)
            person.updated_at = self.now
            person.version += 1  # a form opened before the import is now stale
        fields.add("version")
        # Plain rows (COPY on PostgreSQL), as the new people's.
        insert_dicts(ImportChange, changes)
        Person.objects.bulk_update(list(current.values()), sorted(fields), batch_size=1000)
        insert_dicts(Consent, consents)
        for person in renamed:
            reindex_person(person)


def _batch_tag(batch: ImportBatch) -> str:
    return f"#{batch.pk})"


#: A written row's values (read-only: nothing may write to them).
WRITTEN = cast(dict[str, Any], MappingProxyType({}))
WRITE_CHUNK = 2000  # new people written at a time (a few wait for the writer thread)
