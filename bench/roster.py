#!/usr/bin/env python
"""A generated resident roster (.xlsx) as grid workers keep them, for the import benchmark.

    .venv/bin/python bench/roster.py --rows 1000 --seed 1 --out var/bench/roster.xlsx

One sheet: a title row, the header (Chinese column names, 序号 first), one row
per person and a 合计 row at the end. People live in households of 1–6 grouped
by dwelling (楼栋/单元/房号), the 户主 row first. Most people have a valid ID
number (jiayuan.lib.idcard.make_id_number); some children have none. Cells are
messy the way typed rosters are: dates as date cells, Excel serials and four
text formats; numbers as text or as numbers; a few percent with full-width
digits, padded names, middle-dot variants, ethnic aliases (维族, 回, 汉), lower-
case x and 15-digit legacy ID numbers. About 1% of rows are wrong on purpose
(bad check digit, short phone, no name, birth date against the ID, unclear
relation, impossible date, unknown building).

`generate` is deterministic for a seed and pure Python (no Django needed). It
returns the building numbers used: they must exist in the grid before import.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import xlsxwriter  # noqa: E402

from jiayuan.lib.idcard import check_digit, make_id_number  # noqa: E402
from jiayuan.registry.demo import names  # noqa: E402

TITLE = "苏州市姑苏区邹家角社区第一网格实有人口花名册"
HEADER = ["序号", "姓名", "性别", "出生日期", "身份证号", "联系电话", "楼栋", "单元", "房号",
          "与户主关系", "人员类别", "民族", "户籍地", "居住证号", "居住证有效期", "职业"]
COL = {name: i for i, name in enumerate(HEADER)}
TODAY = date(2026, 1, 1)  # fixed, so that a seed gives the same file on any later day
UNKNOWN_BUILDING = "99"  # never among the buildings returned: rows there are rejected

# Where people come from: (户籍地 as written, ID region codes, surname pool, ethnic group
# as written, weight). The community is in Suzhou: 户籍 (registered) people are local.
LOCAL = ("江苏省苏州市", ("320505", "320506", "320508"), "suzhou", "汉族")
ORIGINS = [
    ("四川省成都市", ("510104", "510105", "510107"), "han", "汉族", 10),
    ("河南省周口市", ("411621", "411623", "411625"), "han", "汉族", 12),
    ("安徽省阜阳市", ("341202", "341221", "341226"), "han", "汉族", 12),
    ("山东省临沂市", ("371302", "371311", "371321"), "han", "汉族", 6),
    ("江西省赣州市", ("360702", "360721", "360730"), "han", "汉族", 5),
    ("贵州省毕节市", ("520502", "520521", "520524"), "han", "汉族", 4),
    ("重庆市万州区", ("500101",), "han", "汉族", 4),
    ("上海市", ("310104", "310105"), "han", "汉族", 3),
    ("新疆维吾尔自治区喀什地区", ("653101", "653121", "653125"), "uyghur", "维吾尔族", 3),
    ("甘肃省临夏回族自治州", ("622901", "622921", "622923"), "hui", "回族", 3),
    ("吉林省延边朝鲜族自治州", ("222401", "222403", "222405"), "korean", "朝鲜族", 2),
    ("湖南省湘西土家族苗族自治州", ("433101", "433122", "433125"), "tujia", "土家族", 2),
]
ORIGIN_WEIGHTS = [o[4] for o in ORIGINS]
ALIASES = {"汉族": ("汉", "汉族 "), "维吾尔族": ("维族", "维吾尔"), "回族": ("回", "回民"),
           "朝鲜族": ("朝鲜",), "土家族": ("土家",)}
MOBILE_PREFIXES = ("130", "131", "133", "135", "136", "137", "138", "139", "150", "151",
                   "152", "155", "156", "158", "159", "166", "176", "177", "180", "181",
                   "182", "185", "186", "187", "188", "189", "191", "199")
JOBS = ("快递员", "外卖骑手", "保洁员", "厨师", "服务员", "司机", "电工", "个体经营", "教师",
        "护士", "工程师", "会计", "销售", "保安", "建筑工人", "自由职业", "公司职员", "无业")
SIZE_WEIGHTS = {1: 18, 2: 26, 3: 28, 4: 16, 5: 8, 6: 4}
BAD_KINDS = ("check_digit", "phone", "no_name", "birth_mismatch", "relation", "date",
             "building")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass
class Roster:
    path: str
    rows: int  # data rows: one person each
    households: int
    buildings: list[str]  # building numbers used (the grid must have them)
    seed: int
    bad_rows: int  # rows made wrong on purpose
    # Bad rows plus the other members of households whose 户主 row is bad (a new
    # household is not imported without its head).
    expected_rejected: int
    messy_cells: int
    without_id: int
    bad: dict[str, int] = field(default_factory=dict)


@dataclass
class _Member:
    relation: str  # as written: 户主, 妻, 子…
    sex: str
    birth: date
    name: str = ""
    id_number: str = ""


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"jiayuan-bench-roster/{seed}")
        self.used_ids: set[str] = set()
        self.messy = 0
        self.without_id = 0
        self.bad: dict[str, int] = dict.fromkeys(BAD_KINDS, 0)

    # -- people ------------------------------------------------------------------
    def birth(self, age: int) -> date:
        start = date(TODAY.year - age - 1, TODAY.month, TODAY.day) + timedelta(days=1)
        return start + timedelta(days=self.rng.randrange(365))

    def family(self, size: int) -> list[_Member]:
        rng = self.rng
        head_sex = "M" if rng.random() < 0.75 else "F"
        if size == 1:
            return [_Member("户主", head_sex, self.birth(rng.randint(19, 88)))]
        old = size == 6 or (size >= 4 and rng.random() < 0.3)
        head_age = rng.randint(50, 72) if old else rng.randint(24, 55)
        other = "F" if head_sex == "M" else "M"
        people = [_Member("户主", head_sex, self.birth(head_age))]
        if size == 2 and rng.random() < 0.3:
            sex = rng.choice("MF")
            return [*people, _Member("子" if sex == "M" else "女", sex,
                                     self.birth(max(0, head_age - rng.randint(22, 34))))]
        people.append(_Member(rng.choice(("妻", "配偶", "妻子")) if other == "F" else
                              rng.choice(("夫", "配偶", "丈夫")), other,
                              self.birth(max(19, head_age + rng.randint(-4, 4)))))
        if old:  # a married child and grandchildren
            sex = rng.choice("MF")
            child_age = head_age - rng.randint(23, 30)
            people.append(_Member("子" if sex == "M" else "女", sex, self.birth(child_age)))
            if len(people) < size:
                people.append(_Member("儿媳" if sex == "M" else "女婿", "F" if sex == "M" else "M",
                                      self.birth(child_age + rng.randint(-3, 3))))
            while len(people) < size:
                s = rng.choice("MF")
                people.append(_Member("孙子" if s == "M" else "孙女", s,
                                      self.birth(max(0, child_age - rng.randint(22, 32)))))
            return people
        order = iter(("长", "次", "三", "四"))
        while len(people) < size:
            if size >= 5 and len(people) == size - 1 and rng.random() < 0.6:
                s = rng.choice("MF")
                people.append(_Member("父" if s == "M" else "母", s,
                                      self.birth(min(95, head_age + rng.randint(24, 32)))))
                continue
            s = rng.choice("MF")
            word = ("子" if s == "M" else "女")
            if size > 3 and rng.random() < 0.5:
                word = next(order, "") + word
            people.append(_Member(word, s, self.birth(max(0, head_age - rng.randint(22, 38)))))
        if rng.random() < 0.02 and size >= 3:  # a lodger instead of the last child
            s = rng.choice("MF")
            people[-1] = _Member(rng.choice(("租户", "借住", "非亲属")), s,
                                 self.birth(rng.randint(18, 40)))
        return people

    def name(self, pool: str, m: _Member, family: str, father: str) -> str:
        rng = self.rng
        if pool == "uyghur":
            given = names.uyghur_given(rng, m.sex)
            return names.uyghur_name(given, father or names.uyghur_given(rng, "M"))
        if pool == "korean":
            return family + names.korean_given(rng, m.sex)
        extra = names.HUI_GIVEN_EXTRA[m.sex] if pool == "hui" else None
        return family + names.han_given(rng, m.sex, m.birth.year, extra)

    def id_number(self, regions: tuple[str, ...], m: _Member) -> str:
        rng = self.rng
        for _try in range(50):
            seq = rng.randrange(0, 1000)
            if (seq % 2 == 1) != (m.sex == "M"):
                seq = (seq + 1) % 1000
            number = make_id_number(rng.choice(regions), m.birth, seq)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number
        raise RuntimeError("could not draw a unique ID number")

    # -- cells -------------------------------------------------------------------
    def messy_name(self, name: str) -> str:
        rng, roll = self.rng, self.rng.random()
        if len(name) == 2 and roll < 0.04:
            self.messy += 1
            return f"{name[0]}  {name[1]}"  # padded to line up with three-character names
        if roll < 0.06:
            self.messy += 1
            return f" {name} " if rng.random() < 0.5 else f"{name}\u3000"
        if "·" in name and roll < 0.3:
            self.messy += 1
            return name.replace("·", rng.choice(("•", "．", "・", ".")))
        return name

    def date_cell(self, day: date) -> object:
        roll = self.rng.random()
        if roll < 0.40:
            return day  # a date cell
        if roll < 0.63:
            return day.isoformat()
        if roll < 0.78:
            return f"{day.year}/{day.month}/{day.day}"
        if roll < 0.86:
            return f"{day.year}.{day.month}.{day.day}"
        if roll < 0.94:
            return f"{day.year}年{day.month}月{day.day}日"
        return float((day - date(1899, 12, 30)).days)  # the serial of a date cell typed as a number

    def id_cell(self, number: str, m: _Member) -> str:
        roll = self.rng.random()
        if roll < 0.012 and 1940 <= m.birth.year <= 1999:
            self.messy += 1
            return number[:6] + number[8:17]  # the 15-digit number of before 1999
        if number.endswith("X") and roll < 0.35:
            self.messy += 1
            return number[:-1] + "x"
        if roll > 0.985:
            self.messy += 1
            return number.translate(FULL_WIDTH)
        return number

    def phone(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def phone_cell(self, phone: str) -> object:
        roll = self.rng.random()
        if roll < 0.70:
            return phone
        if roll < 0.85:
            return float(phone)  # typed into a number cell
        self.messy += 1
        if roll < 0.92:
            return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
        if roll < 0.97:
            return f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
        return phone.translate(FULL_WIDTH)

    def place(self, value: int, words: tuple[str, ...]) -> object:
        roll = self.rng.random()
        if roll < 0.55:
            return str(value)
        if roll < 0.80:
            return float(value)
        return f"{value}{self.rng.choice(words)}"

    def ethnic_cell(self, group: str) -> str:
        roll = self.rng.random()
        if roll < 0.06:
            return ""  # not declared
        if roll < 0.12 and group in ALIASES:
            self.messy += 1
            return self.rng.choice(ALIASES[group])
        return group

    # -- rows ----------------------------------------------------------------------
    def household_rows(self, size: int, building: str, unit: int, room: int) -> list[list]:
        rng = self.rng
        residency = rng.choices(("户籍", "常住", "流动"), (50, 30, 20))[0]
        if residency == "户籍":
            origin, regions, pool, group = LOCAL
        else:
            origin, regions, pool, group, _w = rng.choices(ORIGINS, ORIGIN_WEIGHTS)[0]
        members = self.family(size)
        family = "" if pool == "uyghur" else names.surname(
            rng, pool if pool in names.SURNAME_POOLS else "han")
        father = ""  # a Uyghur child's second name is the father's given name
        rows = []
        for i, m in enumerate(members):
            same_family = m.relation == "户主" or m.relation[-1] in "子女" or \
                m.relation.startswith("孙")
            surname = family if same_family else names.surname(
                rng, "han" if pool in ("suzhou", "uyghur") else pool)
            child = m.relation[-1] in "子女" and m.relation not in ("租户",)
            m.name = self.name(pool, m, surname, father if child else "")
            if pool == "uyghur" and i == 0 and m.sex == "M":
                father = m.name.split("·")[0]
            age = (TODAY - m.birth).days // 365
            has_id = age >= 16 or rng.random() < 0.6
            m.id_number = self.id_number(regions, m) if has_id else ""
            if not has_id:
                self.without_id += 1
            row = [None] * len(HEADER)
            row[COL["姓名"]] = self.messy_name(m.name)
            known_from_id = has_id and rng.random() < 0.06
            row[COL["性别"]] = "" if known_from_id else ("男" if m.sex == "M" else "女")
            row[COL["出生日期"]] = None if known_from_id else self.date_cell(m.birth)
            row[COL["身份证号"]] = self.id_cell(m.id_number, m) if has_id else ""
            row[COL["联系电话"]] = self.phone_cell(self.phone()) if age >= 16 and \
                rng.random() < 0.85 else ""
            row[COL["楼栋"]] = self.place(int(building), ("栋", "号楼", "幢"))
            row[COL["单元"]] = self.place(unit, ("单元",))
            row[COL["房号"]] = self.place(room, ("室",))
            row[COL["与户主关系"]] = m.relation
            row[COL["人员类别"]] = residency if i == 0 or rng.random() < 0.3 else ""
            row[COL["民族"]] = self.ethnic_cell(group)
            row[COL["户籍地"]] = origin if rng.random() < 0.9 else ""
            if residency != "户籍" and age >= 16:
                row[COL["居住证号"]] = f"{regions[0][:4]}{TODAY.year - rng.randint(0, 4)}" \
                                      f"{rng.randrange(10**8):08d}"
                row[COL["居住证有效期"]] = self.date_cell(TODAY + timedelta(
                    days=rng.randint(-60, 3 * 365)))
            if 18 <= age < 65:
                row[COL["职业"]] = rng.choice(JOBS)
            elif age >= 65:
                row[COL["职业"]] = "退休"
            rows.append(row)
        return rows

    def spoil(self, row: list, kind: str, m_birth: date | None) -> None:
        """Make one row wrong in one way."""
        rng = self.rng
        self.bad[kind] += 1
        if kind == "check_digit":
            number = row[COL["身份证号"]] or make_id_number("320505", m_birth or TODAY, 11)
            number = number.translate({ord(a): b for a, b in zip("０１２３４５６７８９", "0123456789",
                                                                 strict=True)})
            if len(number) == 15:
                number = number[:6] + "19" + number[6:] + "0"
            right = check_digit(number[:17])
            row[COL["身份证号"]] = number[:17] + ("0" if right != "0" else "1")
        elif kind == "phone":
            row[COL["联系电话"]] = self.phone()[:10]
        elif kind == "no_name":
            row[COL["姓名"]] = ""
        elif kind == "birth_mismatch":
            if not row[COL["身份证号"]]:
                row[COL["身份证号"]] = make_id_number("320505", m_birth or TODAY, 21)
            row[COL["出生日期"]] = f"{(m_birth or TODAY).year - 1}-03-01"
        elif kind == "relation":
            row[COL["与户主关系"]] = "其他"
        elif kind == "date":
            row[COL["出生日期"]] = f"{(m_birth or TODAY).year}-13-{rng.randint(32, 40)}"
            row[COL["身份证号"]] = ""
        elif kind == "building":
            row[COL["楼栋"]] = UNKNOWN_BUILDING


def _layout(rng: random.Random):
    """Dwellings building by building: (building, unit, room), some left empty."""
    building = 0
    while True:
        building += 1
        if str(building) == UNKNOWN_BUILDING:
            continue
        units, floors, per_floor = rng.choice((2, 3, 4)), rng.choice((6, 11, 18)), \
            rng.choice((2, 4))
        for unit in range(1, units + 1):
            for floor in range(1, floors + 1):
                for r in range(1, per_floor + 1):
                    if rng.random() < 0.9:
                        yield str(building), unit, floor * 100 + r


def generate(path: str | Path, rows: int = 100_000, seed: int = 1,
             bad_rate: float = 0.01) -> Roster:
    """Write the roster to `path`; deterministic for (rows, seed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    g = _Generator(seed)
    rng = g.rng
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("花名册")
    title = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 3, 11)
    sheet.set_column(4, 5, 20)
    sheet.set_column(12, 15, 14)
    sheet.merge_range(0, 0, 0, len(HEADER) - 1, TITLE, title)
    sheet.write_row(1, 0, HEADER, bold)
    r = 2
    written = households = bad_rows = expected_rejected = 0
    buildings: set[str] = set()
    dwellings = _layout(rng)
    sizes, weights = list(SIZE_WEIGHTS), list(SIZE_WEIGHTS.values())
    while written < rows:
        building, unit, room = next(dwellings)
        size = min(rng.choices(sizes, weights)[0], rows - written)
        family = g.household_rows(size, building, unit, room)
        buildings.add(building)
        households += 1
        head_bad = False
        for i, row in enumerate(family):
            if rng.random() < bad_rate * (0.5 if i == 0 else 1.2):
                kind = rng.choice(BAD_KINDS)
                g.spoil(row, kind, _birth_of(row))
                bad_rows += 1
                expected_rejected += 1
                head_bad = head_bad or i == 0
            elif head_bad:
                expected_rejected += 1
        for row in family:
            written += 1
            row[0] = written
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, date):
                    sheet.write_datetime(r, c, value, day)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, value)
            r += 1
    sheet.write_string(r, 0, "合计")
    sheet.write_string(r, 1, f"{written}人")
    workbook.close()
    return Roster(path=str(path), rows=written, households=households,
                  buildings=sorted(buildings, key=int), seed=seed, bad_rows=bad_rows,
                  expected_rejected=expected_rejected, messy_cells=g.messy,
                  without_id=g.without_id, bad={k: v for k, v in g.bad.items() if v})


def _birth_of(row: list) -> date | None:
    """The person's birth date, from the ID number in the row (for spoiling)."""
    number = str(row[COL["身份证号"]] or "").translate(
        {ord(a): b for a, b in zip("０１２３４５６７８９", "0123456789", strict=True)})
    if len(number) == 18:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    if len(number) == 15:
        return date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    return None


def cached(directory: str | Path, rows: int = 100_000, seed: int = 1) -> Roster:
    """The roster for (rows, seed) under `directory`, generated on first use."""
    path = Path(directory).resolve() / f"roster-{rows}-{seed}.xlsx"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        roster = Roster(**json.loads(meta.read_text()))
        if roster.path == str(path):
            return roster
    roster = generate(path, rows, seed)
    meta.write_text(json.dumps(asdict(roster), ensure_ascii=False))
    return roster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="var/bench/roster.xlsx")
    args = parser.parse_args()
    roster = generate(args.out, args.rows, args.seed)
    info = asdict(roster)
    info["buildings"] = f"{len(roster.buildings)} ({roster.buildings[0]}…{roster.buildings[-1]})"
    print(json.dumps(info, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
