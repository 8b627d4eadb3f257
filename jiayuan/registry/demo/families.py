"""Households and their members: composition, names, dates, identifiers.

Called by CommunityBuilder.build(); appends to the builder's batch. Family
members share the family's origin code; children born here to a registered
family carry the local county in their ID number.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from jiayuan.registry.choices import Relation
from jiayuan.registry.demo import names as N
from jiayuan.registry.demo import profiles as P
from jiayuan.registry.demo.generator import (
    ANCHOR_DWELLING,
    REFERENCE_DATE,
    age_on,
    between,
    birth_for_age,
    county_of,
    pick,
    years_before,
)
from jiayuan.registry.identifiers import set_id_number, set_phone
from jiayuan.registry.models import Household, HouseholdAddress, Membership, Person

if TYPE_CHECKING:
    from jiayuan.places.models import Grid
    from jiayuan.registry.demo.generator import CommunityBuilder

SIZE_WEIGHTS = {
    "registered": {1: 14, 2: 27, 3: 28, 4: 18, 5: 9, 6: 4},
    "resident": {1: 17, 2: 27, 3: 27, 4: 17, 5: 8, 6: 4},
    "floating": {1: 30, 2: 30, 3: 25, 4: 11, 5: 3, 6: 1},
}
LEFT_REASONS = ("外出务工", "迁往外地", "结婚迁出", "入学住校")
MOVED_OUT_REASONS = ("全户迁出", "搬离本社区", "回原籍")
HAN = P.GROUP_BY_KEY["han"]


@dataclass
class Member:
    role: str  # head spouse child father mother cil grandchild sibling lodger
    sex: str
    age: int
    parent: int = 0  # index of the member whose child this is (grandchildren)
    name: str = ""
    group: P.Group = HAN


def _other(sex: str) -> str:
    return "F" if sex == "M" else "M"


def _couple(rng: random.Random, head_age: int, male_head: float = 0.75) -> list[Member]:
    sex = "M" if rng.random() < male_head else "F"
    gap = rng.randint(0, 4)
    spouse_age = head_age - gap if sex == "M" else head_age + gap
    return [Member("head", sex, head_age), Member("spouse", _other(sex), max(18, spouse_age))]


def _children(rng: random.Random, parents: list[Member], n: int, parent: int = 0) -> list[Member]:
    youngest_parent = min(m.age for m in parents)
    if youngest_parent < 22:
        return []
    oldest = youngest_parent - 20
    age = rng.randint(max(0, youngest_parent - 36), youngest_parent - 22)
    ages = [age]
    for _ in range(n - 1):
        gap = rng.randint(2, 7)
        if ages[-1] - gap >= 0:
            ages.append(ages[-1] - gap)
        elif ages[0] + gap <= oldest:
            ages.insert(0, ages[0] + gap)
    return [Member("child" if parent == 0 else "grandchild", rng.choice("MF"), a, parent=parent)
            for a in ages]


def _parents(rng: random.Random, head_age: int, n: int) -> list[Member]:
    father = min(97, head_age + rng.randint(22, 34))
    mother = max(head_age + 19, father - rng.randint(0, 4))
    both = [Member("father", "M", father), Member("mother", "F", mother)]
    return both if n == 2 else [rng.choice(both)]


def _three_generations(rng: random.Random, grandchildren: int) -> list[Member]:
    members = _couple(rng, rng.randint(52, 72), 0.8)
    pmin = min(m.age for m in members)
    child = Member("child", rng.choice("MF"), rng.randint(max(24, pmin - 36), pmin - 22))
    cil = Member("cil", _other(child.sex), max(21, child.age + rng.randint(-3, 3)))
    members += [child, cil]
    members += _children(rng, [child, cil], grandchildren, parent=2)
    return members


def compose(rng: random.Random, residency: str) -> list[Member]:
    size = pick(rng, SIZE_WEIGHTS[residency])
    floating = residency == "floating"
    if size == 1:
        kind = pick(rng, {"young": 70 if floating else 30, "middle": 30,
                          "elder": 2 if floating else (45 if residency == "registered" else 20)})
        if kind == "elder":
            return [Member("head", "F" if rng.random() < 0.65 else "M", rng.randint(66, 92))]
        age = rng.randint(19, 38) if kind == "young" else rng.randint(39, 65)
        return [Member("head", rng.choice("MF"), age)]
    if size == 2:
        kind = pick(rng, {"young": 30, "old": 35 if residency == "registered" else 10,
                          "single_parent": 20, "mates": 25 if floating else 3})
        if kind == "young":
            return _couple(rng, rng.randint(22, 40))
        if kind == "old":
            return _couple(rng, rng.randint(55, 85))
        if kind == "single_parent":
            head = Member("head", "F" if rng.random() < 0.7 else "M", rng.randint(30, 55))
            return [head, *_children(rng, [head], 1)]
        head = Member("head", rng.choice("MF"), rng.randint(18, 35))
        role = "sibling" if rng.random() < 0.4 else "lodger"
        return [head, Member(role, rng.choice("MF"), max(17, head.age + rng.randint(-5, 5)))]
    if size == 3:
        kind = pick(rng, {"family": 65, "with_parent": 15, "grandparents": 8,
                          "mates": 12 if floating else 0})
        if kind == "family":
            couple = _couple(rng, rng.randint(25, 50))
            return couple + _children(rng, couple, 1)
        if kind == "with_parent":
            couple = _couple(rng, rng.randint(28, 52))
            return couple + _parents(rng, couple[0].age, 1)
        if kind == "grandparents":
            couple = _couple(rng, rng.randint(55, 72), 0.8)
            return couple + [Member("grandchild", rng.choice("MF"), rng.randint(3, 13), parent=-1)]
        head = Member("head", rng.choice("MF"), rng.randint(18, 40))
        return [head] + [Member("lodger", head.sex, rng.randint(18, 45)) for _ in range(2)]
    if size == 4:
        kind = pick(rng, {"two_kids": 55, "with_parent": 30, "grown_child": 15})
        if kind == "grown_child":
            return _three_generations(rng, 0)
        couple = _couple(rng, rng.randint(28, 50))
        if kind == "two_kids":
            return couple + _children(rng, couple, 2)
        return couple + _children(rng, couple, 1) + _parents(rng, couple[0].age, 1)
    if size == 5:
        kind = pick(rng, {"two_kids_parent": 40, "kid_parents": 25, "three_gen": 35})
        if kind == "three_gen":
            return _three_generations(rng, 1)
        couple = _couple(rng, rng.randint(28, 48))
        if kind == "two_kids_parent":
            return couple + _children(rng, couple, 2) + _parents(rng, couple[0].age, 1)
        return couple + _children(rng, couple, 1) + _parents(rng, couple[0].age, 2)
    if rng.random() < 0.6:
        return _three_generations(rng, 2)
    couple = _couple(rng, rng.randint(28, 46))
    return couple + _children(rng, couple, 2) + _parents(rng, couple[0].age, 2)


RELATIONS = {"head": Relation.HEAD, "spouse": Relation.SPOUSE, "child": Relation.CHILD,
             "father": Relation.PARENT, "mother": Relation.PARENT, "cil": Relation.CHILD_IN_LAW,
             "grandchild": Relation.GRANDCHILD, "sibling": Relation.SIBLING,
             "lodger": Relation.LODGER}


# --- names -------------------------------------------------------------------

def _given(rng: random.Random, group: P.Group, sex: str, year: int) -> str:
    if group.key == "korean":
        return N.korean_given(rng, sex)
    if group.key == "hui":
        return N.han_given(rng, sex, year, N.HUI_GIVEN_EXTRA[sex])
    return N.han_given(rng, sex, year)


def _father_of(members: list[Member], i: int) -> Member | None:
    """The member whose name line a child follows (its father if present)."""
    m = members[i]
    if m.role == "child" or (m.role == "grandchild" and m.parent == -1):
        parents = [x for x in members if x.role in ("head", "spouse")]
    elif m.role == "grandchild":
        parents = [x for x in members if x.role in ("child", "cil")][:2]
    else:
        return None
    males = [x for x in parents if x.sex == "M"]
    return males[0] if males else (parents[0] if parents else None)


def name_members(rng: random.Random, members: list[Member], origin: str, local: bool) -> None:
    group = members[0].group
    style = group.naming
    if style == "mongol" and rng.random() < 0.5:
        style = "han"
    if style == "yi" and (origin != "513400" or rng.random() < 0.2):
        style = "han"
    head_father = ""  # the given name of the head's father (Uyghur names)
    surnames: dict[int, str] = {}
    clans: dict[int, str] = {}
    for i, m in enumerate(members):
        year = REFERENCE_DATE.year - m.age
        own = style if m.group is group else "han"
        father = _father_of(members, i)
        if own == "uyghur":
            given = N.uyghur_given(rng, m.sex)
            if m.role in ("head", "sibling"):
                head_father = head_father or N.uyghur_given(rng, "M")
                line = head_father
            elif m.role == "father":
                given, line = head_father or N.uyghur_given(rng, "M"), N.uyghur_given(rng, "M")
                head_father = given
            elif father is not None and father.name:
                line = father.name.split("·")[0]
            else:
                line = N.uyghur_given(rng, "M")
            m.name = N.uyghur_name(given, line)
        elif own == "tibetan":
            m.name = N.tibetan_name(rng, m.sex)
        elif own == "mongol":
            m.name = N.mongol_given(rng, m.sex)
        elif own == "yi":
            if m.role in ("head", "sibling", "father"):
                clan = clans.setdefault(0, N.yi_clan(rng))
            elif father is not None and id(father) in clans:
                clan = clans[id(father)]
            else:
                clan = N.yi_clan(rng)
            clans[id(m)] = clan
            m.name = clan + N.yi_given(rng, m.sex)
        else:
            pool = "suzhou" if local and m.group is HAN else m.group.surnames or "han"
            if m.role in ("head", "sibling", "father"):
                sur = surnames.setdefault(0, N.surname(rng, pool))
            elif father is not None and id(father) in surnames and rng.random() < 0.93:
                sur = surnames[id(father)]
            else:
                sur = N.surname(rng, pool)
            surnames[id(m)] = sur
            given = _given(rng, m.group, m.sex, year)
            m.name = sur + given


# --- households --------------------------------------------------------------

def _occupation(rng: random.Random, m: Member, residency: str, local: bool,
                young: bool) -> str:
    age = m.age
    if age < 3:
        return ""
    if age < 6:
        return "幼儿园"
    if age < 18 or (age < 22 and rng.random() < (0.6 if residency != "floating" else 0.3)):
        return "学生"
    if age >= 60 or (m.sex == "F" and age >= 55 and rng.random() < 0.6):
        jobs = P.ELDER_JOBS if local or residency == "registered" else P.MIGRANT_ELDER_JOBS
        if not young or age >= 75:  # nobody to look after, or too old to
            jobs = tuple(j for j in jobs if j[0] not in ("照看孙辈", "保洁"))
        return str(pick(rng, jobs))
    if rng.random() < 0.05:
        return ""
    if m.group.jobs and rng.random() < 0.45:
        return rng.choice(m.group.jobs)
    return str(pick(rng, P.JOBS_LOCAL if local else P.JOBS_GENERAL))


def _languages(rng: random.Random, m: Member, home: bool, local: bool) -> list[str]:
    if rng.random() < 0.08:
        return []  # not recorded
    langs = {"zh"}
    if home and m.group.languages:
        langs.update(m.group.languages)
        if m.age >= 60 and m.group.key in ("uyghur", "tibetan") and rng.random() < 0.5:
            langs.discard("zh")
    if local and (m.age >= 40 and rng.random() < 0.7 or rng.random() < 0.2):
        langs.add("wuu")
    if 16 <= m.age <= 40 and rng.random() < 0.12:
        langs.add("en")
    return sorted(langs)


def _permit_expiry(rng: random.Random) -> date:
    offset = pick(rng, {(-400, -1): 12, (0, 45): 8, (46, 400): 80})
    return REFERENCE_DATE + timedelta(days=rng.randint(*offset))


def make_household(b: CommunityBuilder, grid: Grid, *, moved_out: bool = False,
                   members: list[Member] | None = None, group: P.Group | None = None,
                   residency: str = "", origin: str = "", moved_in: date | None = None,
                   dwelling=None, festivals: list[str] | None = None,
                   declared: bool | None = None, births: list[date] | None = None,
                   ) -> tuple[Household, list[Person]]:
    rng, ids = b.rng, b.ctx.ids
    group = group or rng.choices(P.GROUPS, [g.share for g in P.GROUPS])[0]
    residency = residency or rng.choices(("registered", "resident", "floating"),
                                         group.residency)[0]
    local = group is HAN and residency == "registered" and rng.random() < 0.85
    origin = origin or str(pick(rng, P.SUZHOU_ORIGINS if local else group.origins))
    region = county_of(rng, origin)
    if members is None:
        members = compose(rng, residency)
        for m in members:
            spouse_like = m.role in ("spouse", "cil")
            m.group = HAN if spouse_like and rng.random() < group.mixed_spouse else group
        name_members(rng, members, origin, local)
    scripted = births is not None  # the anchor family: no one has left
    births = births or [birth_for_age(rng, m.age) for m in members]
    head_birth = births[0]
    if moved_in is None:
        earliest = {"registered": date(1988, 1, 1), "resident": date(2008, 1, 1)}.get(
            residency, years_before(REFERENCE_DATE, 4))
        latest = REFERENCE_DATE - timedelta(days=400 if moved_out else 30)
        earliest = min(max(earliest, years_before(head_birth, -19)), latest)
        moved_in = between(rng, earliest, latest)
    dwelling = dwelling or b.take_dwelling(grid)
    if festivals is None:
        festivals = (sorted(pick(rng, group.festivals)) if rng.random() < group.declares_festivals
                     else [])
    household = Household(pk=ids.take("household"), dwelling_id=dwelling.pk, grid_id=grid.pk,
                          residency=residency, moved_in=moved_in, festivals=festivals,
                          note="合租" if any(m.role == "lodger" for m in members) else "")
    household.dwelling_obj = dwelling
    out_on = None
    if moved_out:
        first_out = max(moved_in + timedelta(days=180), max(births) + timedelta(days=30))
        out_on = between(rng, first_out, REFERENCE_DATE - timedelta(days=20))
        household.moved_out = out_on
    _addresses(b, household, grid, dwelling, moved_in, out_on)
    declared = rng.random() < 0.5 if declared is None else declared
    home = rng.random() < group.home_language_share
    landline = b.landline() if residency == "registered" and rng.random() < 0.3 else ""
    young = any(m.age < 12 for m in members)
    people = []
    for i, m in enumerate(members):
        birth = births[i]
        person = b.new_person(household, m.group, RELATIONS[m.role], m.sex, birth, m.name)
        person.origin_code = origin
        if declared and rng.random() < 0.95:
            person.ethnicity = m.group.ethnicity
        person.languages = _languages(rng, m, home, local)
        person.occupation = _occupation(rng, m, residency, local, young)
        age = age_on(birth, REFERENCE_DATE)
        joined = moved_in if m.role in ("head", "spouse", "sibling") else max(moved_in, birth)
        last_join = (out_on or REFERENCE_DATE) - timedelta(days=30)
        if m.role in ("cil", "lodger", "father", "mother") and rng.random() < 0.5:
            joined = between(rng, joined, last_join)
            if m.role == "cil":
                joined = max(joined, min(years_before(birth, -20), last_join))
        left = out_on
        if (left is None and i > 0 and not scripted and rng.random() < 0.012
                and (REFERENCE_DATE - joined).days > 250):
            left = between(rng, joined + timedelta(days=200), REFERENCE_DATE - timedelta(days=10))
        person.left_on = left
        reason = ""
        if left:
            reason = rng.choice(MOVED_OUT_REASONS if out_on else LEFT_REASONS)
        b.batch.memberships.append(Membership(
            pk=ids.take("membership"), person_id=person.pk, household_id=household.pk,
            relation=person.relation, joined=min(joined, left or joined), left=left,
            reason=reason))
        if age >= 16:
            if landline and age >= 60 and rng.random() < 0.7:
                set_phone(person, landline)
            elif rng.random() < 0.88:
                set_phone(person, b.mobile())
            if residency != "registered" and rng.random() < 0.85:
                person.permit_number, person.permit_expiry = b.permit(_permit_expiry(rng))
        elif age >= 12 and rng.random() < 0.1:
            set_phone(person, b.mobile())
        born_here = residency == "registered" and birth >= moved_in
        b.finish_person(person, "320583" if born_here and not local else region,
                        0.9 if age >= 16 else 0.72)
        person.member = m
        people.append(person)
    household.head_id = people[0].pk
    household.members_list = people
    b.batch.households.append(household)
    b.batch.people.extend(people)
    return household, people


def _addresses(b: CommunityBuilder, household: Household, grid: Grid, dwelling,
               moved_in: date, out_on: date | None) -> None:
    rng, ids = b.rng, b.ctx.ids
    end = out_on or REFERENCE_DATE
    if rng.random() < (0.3 if out_on else 0.03) and (end - moved_in).days > 500:
        other_grid = rng.choice(b.batch.grids)
        if b.vacant[other_grid.pk]:
            old = b.take_dwelling(other_grid)
            move = between(rng, moved_in + timedelta(days=365), end - timedelta(days=60))
            b.batch.addresses.append(HouseholdAddress(
                pk=ids.take("address"), household_id=household.pk, dwelling_id=old.pk,
                moved_in=moved_in, moved_out=move))
            moved_in = move
    b.batch.addresses.append(HouseholdAddress(
        pk=ids.take("address"), household_id=household.pk, dwelling_id=dwelling.pk,
        moved_in=moved_in, moved_out=out_on))


def anchor(b: CommunityBuilder, grid: Grid) -> None:
    """郑容哲 (b. 1958, Yanbian), his wife, their son's family: flat 3-2-302."""
    korean = P.GROUP_BY_KEY["korean"]
    members = [Member("head", "M", 68, name="郑容哲", group=korean),
               Member("spouse", "F", 66, name="金顺姬", group=korean),
               Member("child", "M", 42, name="郑成浩", group=korean),
               Member("cil", "F", 38, name="朴美善", group=korean),
               Member("grandchild", "F", 12, parent=2, name="郑智媛", group=korean)]
    births = [date(1958, 8, 16), date(1960, 2, 3), date(1984, 6, 12), date(1987, 11, 20),
              date(2014, 3, 9)]
    dwelling = b.dwelling_at[ANCHOR_DWELLING]
    b.vacant[grid.pk].remove(dwelling)
    household, people = make_household(
        b, grid, members=members, group=korean, residency="resident", origin="222400",
        moved_in=date(2009, 4, 18), dwelling=dwelling, declared=True, births=births,
        festivals=["chuseok", "seollal", "spring_festival"])
    for person, job in zip(people, ["退休", "退休", "冷面馆经营", "冷面馆经营", "学生"],
                           strict=True):
        person.occupation, person.ethnicity, person.languages = job, "10", ["ko", "zh"]
    head = people[0]
    if not head.id_number_enc:
        set_id_number(head, b.id_number("222401", head.birth_date, head.sex))
    b.anchor_household = household


def populate(b: CommunityBuilder) -> None:
    grids = b.batch.grids
    base, extra = divmod(b.n_households, len(grids))
    for gi, grid in enumerate(grids):
        count = base + (1 if gi < extra else 0)
        if b.is_station and gi == 0:
            anchor(b, grid)
            count -= 1
        for _ in range(count):
            make_household(b, grid, moved_out=b.rng.random() < 0.02)
