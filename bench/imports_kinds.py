"""The kinds bench/imports.py measures besides its own importer (see its docstring):
django-import-export (`die`, `die-fast`) and the raw floor (`raw`), with the
set-up and the helpers every measurement shares (`_setup`, `_actors`, `_written`).
Each runs in bench/imports.py's child process, Django set up."""

from __future__ import annotations

import argparse
import time


def _setup(meta: dict) -> dict:
    from jiayuan.core.models import User
    from jiayuan.core.roles import Role
    from jiayuan.places.models import Building, Community, Grid

    community = Community.objects.create(name="邹家角社区", code="BENCH")
    grid = Grid.objects.create(community=community, name="第一网格", code="G1")
    Building.objects.bulk_create([Building(grid=grid, number=n) for n in meta["buildings"]])
    User.objects.create_user(username="bench-head", password=None, role=Role.HEAD,
                             community=community)
    return {"setup": True}


def _actors():
    from jiayuan.core.models import User
    from jiayuan.places.models import Grid

    return User.objects.get(username="bench-head"), Grid.objects.get(code="G1")


def _written() -> dict[str, int]:
    from jiayuan.places.models import Dwelling
    from jiayuan.registry.models import Consent, Household, Membership, Person, SearchKey

    return {m.__name__: m.objects.count() for m in (Person, Household, Dwelling, Membership,
                                                    Consent, SearchKey)}


# django-import-export --------------------------------------------------------------

def _die_resource(fast: bool):
    """A ModelResource for Person that also places each row in a household."""
    import re
    from datetime import date, datetime, timedelta

    from django.core.exceptions import ValidationError
    from django.db.models import OuterRef, Subquery
    from django.utils import timezone
    from import_export import fields, resources, widgets

    from jiayuan.lib.ethnicity import ETHNIC_GROUPS
    from jiayuan.lib.idcard import IDNumberError, normalize_id_number
    from jiayuan.lib.phone import PhoneError, normalize_phone
    from jiayuan.places.models import Building, Dwelling, dwelling_code
    from jiayuan.registry.identifiers import set_id_number, set_phone
    from jiayuan.registry.models import Household, Person

    sexes = {"男": "M", "女": "F"}
    residencies = {"户籍": "registered", "常住": "resident", "流动": "floating"}
    ethnic = {zh: code for code, zh, _en in ETHNIC_GROUPS}
    relations = {"户主": "head", "妻": "spouse", "夫": "spouse", "配偶": "spouse",
                 "妻子": "spouse", "丈夫": "spouse", "父": "parent", "母": "parent",
                 "孙子": "grandchild", "孙女": "grandchild", "儿媳": "child_in_law",
                 "女婿": "child_in_law", "租户": "lodger", "借住": "lodger", "非亲属": "lodger"}
    not_digits = re.compile(r"[^0-9A-Za-z]")

    def text(value) -> str:
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return "" if value is None else str(value).strip()

    class Dates(widgets.DateWidget):
        def __init__(self) -> None:
            super().__init__()
            self.formats = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")

        def clean(self, value, row=None, **kwargs):
            if isinstance(value, datetime):
                return value.date()
            if isinstance(value, int | float):
                return date(1899, 12, 30) + timedelta(days=int(value))
            return super().clean(text(value) or None, row, **kwargs)

    class PersonResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        sex = fields.Field(attribute="sex", column_name="性别")
        birth_date = fields.Field(attribute="birth_date", column_name="出生日期",
                                  widget=Dates())
        relation = fields.Field(attribute="relation", column_name="与户主关系")
        ethnicity = fields.Field(attribute="ethnicity", column_name="民族")
        permit_number = fields.Field(attribute="permit_number", column_name="居住证号")
        permit_expiry = fields.Field(attribute="permit_expiry", column_name="居住证有效期",
                                     widget=Dates())
        occupation = fields.Field(attribute="occupation", column_name="职业")
        household = fields.Field(attribute="household", column_name="household",
                                 widget=widgets.ForeignKeyWidget(Household))

        class Meta:
            model = Person
            fields = ("name", "sex", "birth_date", "relation", "ethnicity", "permit_number",
                      "permit_expiry", "occupation", "household")
            import_id_fields = ("household", "name")
            skip_unchanged = True
            report_skipped = False
            use_bulk = fast
            skip_diff = fast
            batch_size = 1000 if fast else None

        def __init__(self, grid, **kw):
            super().__init__(**kw)
            self.grid = grid
            self.today = timezone.localdate()
            self.buildings = {b.number: b for b in Building.objects.filter(grid=grid)}

        def before_import(self, dataset, **kwargs):
            # The household column is filled per row by before_import_row.
            dataset.append_col([None] * len(dataset), header="household")

        def before_import_row(self, row, **kwargs):
            building = self.buildings.get(not_digits.sub("", text(row["楼栋"])))
            unit = not_digits.sub("", text(row["单元"]))
            room = not_digits.sub("", text(row["房号"]))
            if building is None or not room:
                raise ValidationError("unknown building or no room")
            if not text(row["姓名"]):
                raise ValidationError("no name")
            dwelling, _new = Dwelling.objects.get_or_create(
                building=building, unit=unit, room=room,
                defaults={"code": dwelling_code(building.number, unit, room),
                          "grid_id": self.grid.pk})
            household = Household.objects.filter(dwelling=dwelling,
                                                 moved_out__isnull=True).first()
            if household is None:
                household = Household.objects.create(
                    dwelling=dwelling, grid=self.grid, moved_in=self.today,
                    residency=residencies.get(text(row["人员类别"]), "resident"))
            row["household"] = household.pk
            row["性别"] = sexes.get(text(row["性别"]), "")
            relation = text(row["与户主关系"])
            row["与户主关系"] = relations.get(relation) or (
                "child" if relation[-1:] in ("子", "女") else "relative")
            row["民族"] = ethnic.get(text(row["民族"]), "")
            for column in ("居住证号", "职业"):
                row[column] = text(row[column])
            try:
                row["_id"] = normalize_id_number(text(row["身份证号"])) \
                    if text(row["身份证号"]) else ""
                row["_phone"] = normalize_phone(text(row["联系电话"])) \
                    if text(row["联系电话"]) else ""
            except (IDNumberError, PhoneError) as exc:
                raise ValidationError(str(exc)) from exc

        def before_save_instance(self, instance, row, **kwargs):
            instance.grid_id = self.grid.pk
            set_id_number(instance, row["_id"])
            set_phone(instance, row["_phone"])

        def after_import(self, dataset, result, **kwargs):
            Household.objects.filter(grid=self.grid, head__isnull=True).update(
                head=Subquery(Person.objects.filter(household=OuterRef("pk"), relation="head")
                              .values("pk")[:1]))

    return PersonResource


def _die(kind: str, data: bytes, meta: dict, args: argparse.Namespace) -> dict:
    import tablib

    head, grid = _actors()
    resource_class = _die_resource(fast=kind == "die-fast")
    before = _written()
    start = time.perf_counter()
    dataset = tablib.Dataset().load(data, format="xlsx", skip_lines=1)  # row 1 is a title
    loaded = time.perf_counter() - start
    total = len(dataset)
    if dataset[-1][0] == "合计":
        total -= 1
    prefix = min(args.die_rows or total, total)
    if prefix < len(dataset):
        dataset = tablib.Dataset(*dataset[:prefix], headers=dataset.headers)
    start = time.perf_counter()
    result = resource_class(grid).import_data(dataset, dry_run=False, use_transactions=True)
    imported = time.perf_counter() - start
    after = _written()
    wall = loaded + imported * total / prefix
    counts = {k: v for k, v in result.totals.items() if v}
    note = (f"{'prefix of ' + format(prefix, ',') + ' rows: ' if prefix < total else ''}"
            f"{len(result.invalid_rows)} invalid rows, "
            f"{len(result.row_errors())} row errors")
    if result.has_errors():
        errors = [e.error for e in result.base_errors]
        errors += [e.error for _n, row in result.row_errors() for e in row]
        note += f" — d-i-e rolled the whole import back: {errors[:3]!r}"
    return {"rows": total, "wall": wall, "extrapolated": prefix < total,
            "parts": {"load (tablib/openpyxl)": loaded,
                      "import" + (" (extrapolated)" if prefix < total else ""):
                          imported * total / prefix},
            "counts": counts, "note": note,
            "written": {k: after[k] - before[k] for k in after if after[k] - before[k]}}


# the raw floor ---------------------------------------------------------------------

def _raw(kind: str, data: bytes, meta: dict, args: argparse.Namespace) -> dict:
    from datetime import date, datetime

    from django.db import transaction
    from django.utils import timezone
    from roster import COL

    from jiayuan.core.bulk import insert_rows
    from jiayuan.places.models import Building, Dwelling
    from jiayuan.registry.models import Household, Person
    from jiayuan.sheets.importing.read import read_sheet

    head, grid = _actors()
    buildings = {b.number: b.pk for b in Building.objects.filter(grid=grid)}
    fallback = min(buildings.values())
    now, today = timezone.now(), timezone.localdate()
    before = _written()
    start = time.perf_counter()
    sheet = read_sheet(data, "roster.xlsx")
    read = time.perf_counter() - start

    def cut(value, n: int) -> str:
        return "" if value is None else str(value)[:n]

    def day(value):
        if isinstance(value, datetime):
            return value.date()
        return value if isinstance(value, date) else None

    body = [r for r in sheet.rows[2:] if r and r[0] not in ("", None, "合计")]
    with transaction.atomic():
        places: dict[tuple, Dwelling] = {}
        for r in body:
            b, u, room = cut(r[COL["楼栋"]], 20), cut(r[COL["单元"]], 10), cut(r[COL["房号"]], 20)
            key = (buildings.get(b, fallback), u, room)
            if key not in places:
                places[key] = Dwelling(building_id=key[0], unit=u, room=room, grid_id=grid.pk,
                                       code=f"{b}-{u}-{room}"[:60])
        Dwelling.objects.bulk_create(places.values(), batch_size=2000)
        households = [Household(dwelling_id=places[(buildings.get(cut(r[COL["楼栋"]], 20),
                                                                  fallback),
                                                    cut(r[COL["单元"]], 10),
                                                    cut(r[COL["房号"]], 20))].pk,
                                grid_id=grid.pk, residency=cut(r[COL["人员类别"]], 12),
                                moved_in=today) for r in body]
        Household.objects.bulk_create(households, batch_size=2000)
        columns = ["household_id", "grid_id", "name", "pinyin", "sex", "birth_date",
                   "id_number_enc", "id_number_hash", "id_number_mask", "phone_enc",
                   "phone_hash", "phone_mask", "phone_last4", "ethnicity", "languages",
                   "origin_code", "permit_number", "permit_expiry", "occupation", "relation",
                   "created_at", "updated_at", "version"]
        people = ((h.pk, grid.pk, cut(r[COL["姓名"]], 60), "", cut(r[COL["性别"]], 1),
                   day(r[COL["出生日期"]]), cut(r[COL["身份证号"]], 30), None, "",
                   cut(r[COL["联系电话"]], 30), "", "", "", cut(r[COL["民族"]], 2), "[]",
                   cut(r[COL["户籍地"]], 6), cut(r[COL["居住证号"]], 40),
                   day(r[COL["居住证有效期"]]), cut(r[COL["职业"]], 100),
                   cut(r[COL["与户主关系"]], 20), now, now, 1)
                  for h, r in zip(households, body, strict=True))
        insert_rows(Person._meta.db_table, columns, people)
    wall = time.perf_counter() - start
    after = _written()
    return {"rows": meta["rows"], "wall": wall,
            "parts": {"read": read, "insert": wall - read},
            "written": {k: after[k] - before[k] for k in after if after[k] - before[k]},
            "note": "ID and phone text stored as is in the *_enc columns (not encrypted)"}
