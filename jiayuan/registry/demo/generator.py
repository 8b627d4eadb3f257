"""Generate one community of demo data as unsaved model instances.

Everything is drawn from a ``random.Random`` seeded with the scale's seed and
the community's index, so the same seed gives the same residents. Dates are
computed from REFERENCE_DATE, not from today, so ages and expiries are stable;
the one exception is a handful of residence permits per community that expire
within 30 days of the ``today`` passed in by the caller (so the reminder
screens always have something to show).

Primary keys are assigned here (from ``Ids``) so rows can point at each other
without re-querying; the loader writes them with bulk inserts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from jiayuan.lib.idcard import make_id_number
from jiayuan.lib.text import display_pinyin
from jiayuan.places.models import Building, Community, Dwelling, Grid, dwelling_code
from jiayuan.registry import services
from jiayuan.registry.demo import profiles as P
from jiayuan.registry.identifiers import set_id_number
from jiayuan.registry.models import (
    Business,
    Circumstance,
    Consent,
    Household,
    HouseholdAddress,
    Membership,
    Person,
)

REFERENCE_DATE = date(2026, 11, 1)
LATEST_BIRTH = date(2026, 9, 1)  # no one is born after this, whatever today is
STATION = ("邹家角", "社区", "ZJJ")
ANCHOR_DWELLING = dwelling_code("3", "2", "302")  # 郑容哲's flat, in grid 1 of the station


@dataclass(frozen=True)
class Scale:
    name: str
    communities: int
    grids: int  # of the station community
    households: int  # of the station community
    buildings_per_grid: int
    businesses: int  # of the station community
    # The share of a station's year of meetings, activities and volunteers
    # (written through the services, the slow part) the station gets: the tiny
    # scale, for tests, keeps every kind and state with a third of the rows.
    year_size: float = 1.0


SCALES = {
    "tiny": Scale("tiny", 1, 2, 60, 3, 4, year_size=1 / 3),
    "station": Scale("station", 1, 6, 1500, 10, 80),
    "district": Scale("district", 60, 6, 1500, 10, 80),
}
UNITS, FLOORS, ROOMS_PER_FLOOR = 3, 6, 2


class Ids:
    """Next primary key per model, starting above what the database holds."""

    def __init__(self, start: dict[str, int]) -> None:
        self._next = dict(start)

    def peek(self, key: str) -> int:
        return self._next[key]

    def take(self, key: str) -> int:
        value = self._next[key]
        self._next[key] = value + 1
        return value


@dataclass
class Context:
    """State shared by all communities of one load."""

    seed: int
    scale: Scale
    ids: Ids
    today: date
    recorder_id: int  # the caseworker who recorded consents
    recorder_name: str
    id_numbers: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    permit_seq: int = 0


@dataclass
class Batch:
    communities: list[Community] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)
    dwellings: list[Dwelling] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    addresses: list[HouseholdAddress] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    circumstances: list[Circumstance] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)
    businesses: list[Business] = field(default_factory=list)
    search_keys: list[tuple[int, int, int, int, str]] = field(default_factory=list)


# --- small helpers -----------------------------------------------------------

def between(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randint(0, (end - start).days))


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def birth_for_age(rng: random.Random, age: int) -> date:
    end = min(years_before(REFERENCE_DATE, age), LATEST_BIRTH)
    start = min(years_before(REFERENCE_DATE, age + 1) + timedelta(days=1), end)
    return between(rng, start, end)


def pick(rng: random.Random, weighted: dict | tuple) -> object:
    if isinstance(weighted, dict):
        return rng.choices(list(weighted), list(weighted.values()))[0]
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


@lru_cache(maxsize=200_000)
def _pinyin(name: str) -> str:
    return display_pinyin(name)


@lru_cache(maxsize=200_000)
def _key_template(name: str) -> tuple[tuple[int, int, str], ...]:
    """search_keys_for() of a person with this name, minus person and grid."""
    proto = Person(pk=0, grid_id=0, name=name)
    return tuple((k.kind, k.pos, k.key) for k in services.search_keys_for(proto))


def county_of(rng: random.Random, origin: str) -> str:
    """A county-level code inside `origin` (a prefecture, or already a county)."""
    if origin[4:] != "00":
        return origin
    if origin == "500100":  # Chongqing's districts
        return origin[:4] + rng.choice(("01", "02", "03", "12"))
    if int(origin[2:4]) >= 21:  # autonomous prefectures, 地区 and 盟: 01 is the seat
        return origin[:4] + rng.choice(("01", "21", "22", "23"))
    return origin[:4] + rng.choice(("02", "03", "21", "22"))


MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "157", "158", "159", "166", "173", "176", "177", "180", "181", "182", "183", "185",
    "186", "187", "188", "189", "191", "198", "199",
)


# --- the community builder --------------------------------------------------

class CommunityBuilder:
    def __init__(self, ctx: Context, index: int) -> None:
        self.ctx = ctx
        self.index = index
        self.rng = random.Random(f"jiayuan-demo/{ctx.seed}/{index}")
        self.batch = Batch()
        self.vacant: dict[int, list[Dwelling]] = {}
        self.dwelling_at: dict[str, Dwelling] = {}
        self.group_of: dict[int, P.Group] = {}  # person pk -> group
        self.is_station = index == 0

    # places
    def build_places(self) -> None:
        rng, ids, scale = self.rng, self.ctx.ids, self.ctx.scale
        if self.is_station:
            base, second, code = STATION
            n_grids, self.n_households = scale.grids, scale.households
            self.n_businesses = scale.businesses
        else:  # invented names, all different for indexes 1..107
            first = len(P.COMMUNITY_FIRST)
            base = P.COMMUNITY_FIRST[(self.index * 7) % first]
            second = P.COMMUNITY_SECOND[(self.index // first) % len(P.COMMUNITY_SECOND)] + "社区"
            code = f"C{self.index + 1:02d}"
            n_grids = rng.randint(4, 8)
            self.n_households = sum(rng.randint(250, 310) for _ in range(n_grids))
            self.n_businesses = round(self.n_households * scale.businesses / scale.households)
        self.base = base  # 邹家角: names the estates, the street and the market
        self.road = base + P.ROAD_SUFFIXES[self.index % len(P.ROAD_SUFFIXES)]
        community = Community(pk=ids.take("community"), name=base + second, code=code)
        self.community = community
        self.batch.communities.append(community)
        number = 0
        for g in range(n_grids):
            grid = Grid(pk=ids.take("grid"), community_id=community.pk,
                        name=f"第{P.GRID_NUMERALS[g]}网格", code=f"G{g + 1}")
            self.batch.grids.append(grid)
            estate = base + P.ESTATE_SUFFIXES[(self.index + g // 2) % len(P.ESTATE_SUFFIXES)]
            grid.estate = estate
            pool = []
            for _ in range(scale.buildings_per_grid):
                number += 1
                building = Building(pk=ids.take("building"), grid_id=grid.pk,
                                    number=str(number), name=estate)
                self.batch.buildings.append(building)
                for unit in range(1, UNITS + 1):
                    for floor in range(1, FLOORS + 1):
                        for r in range(1, ROOMS_PER_FLOOR + 1):
                            room = f"{floor}{r:02d}"
                            code_ = dwelling_code(building.number, str(unit), room)
                            d = Dwelling(pk=ids.take("dwelling"), building_id=building.pk,
                                         unit=str(unit), room=room, code=code_,
                                         grid_id=grid.pk)
                            self.batch.dwellings.append(d)
                            self.dwelling_at[code_] = d
                            pool.append(d)
            rng.shuffle(pool)
            self.vacant[grid.pk] = pool

    def take_dwelling(self, grid: Grid, ground: bool = False) -> Dwelling:
        pool = self.vacant[grid.pk]
        if ground:
            for i in range(len(pool) - 1, -1, -1):
                if pool[i].room.startswith("1"):
                    return pool.pop(i)
        return pool.pop()

    # people
    def new_person(self, household: Household, group: P.Group, relation: str, sex: str,
                   birth: date, name: str) -> Person:
        person = Person(pk=self.ctx.ids.take("person"), household_id=household.pk,
                        grid_id=household.grid_id, name=name, pinyin=_pinyin(name), sex=sex,
                        birth_date=birth, relation=relation)
        self.group_of[person.pk] = group
        return person

    def id_number(self, region: str, birth: date, sex: str) -> str:
        while True:
            seq = self.rng.randrange(1 if sex == "M" else 0, 1000, 2)
            number = make_id_number(region, birth, seq)
            if number not in self.ctx.id_numbers:
                self.ctx.id_numbers.add(number)
                return number

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10 ** 8):08d}"
            if number not in self.ctx.phones:
                self.ctx.phones.add(number)
                return number

    def landline(self) -> str:
        return f"0512-5767{self.rng.randrange(10 ** 4):04d}"

    def permit(self, expiry: date) -> tuple[str, date]:
        self.ctx.permit_seq += 1
        year = min(expiry.year - 1, REFERENCE_DATE.year)
        return f"JZ{year}320583{self.ctx.permit_seq:07d}", expiry

    def finish_person(self, person: Person, region: str, has_id: float) -> None:
        """Give `person` an ID number with probability `has_id` (encrypted now)."""
        if self.rng.random() < has_id:
            set_id_number(person, self.id_number(region, person.birth_date, person.sex))
        else:
            person.id_number_hash = None

    def build(self) -> Batch:
        from jiayuan.registry.demo.extras import add_businesses, add_care_and_consents
        from jiayuan.registry.demo.families import populate

        self.build_places()
        populate(self)
        add_care_and_consents(self)
        add_businesses(self)
        keys = self.batch.search_keys
        for person in self.batch.people:
            keys.extend((person.pk, person.grid_id, kind, pos, key)
                        for kind, pos, key in _key_template(person.name))
        return self.batch


def build_community(ctx: Context, index: int) -> Batch:
    return CommunityBuilder(ctx, index).build()
