"""A year of visits, must-visit duties, disputes and pairings for each demo community.

Called by the registry demo loader after a community's registry rows and desk
cases are written (`write_community`), then once at the end (`finish`). It reads
the community back from the database (households, circumstances, businesses,
cases), so it can also top up a database loaded before the visits app existed
(`top_up`, used by bench/run.py --reuse).

Everything is drawn from a ``random.Random`` seeded with the demo seed and the
community's index, and dated back from the start of the demo's ``today``: the
same seed on the same day gives the same year.

* Visits: grid workers call on their households a few times a year (most at
  home; some by phone or video, some at the station), with a follow-up when
  they planned one; a visit that opened a desk request is linked to it;
  businesses get merchant contact visits.
* Disputes (about one per 60 households a year): parties from the registry —
  two households of one building for neighbours, one household for a family
  quarrel, a business for a commercial dispute — sessions, agreements,
  outcomes, a few escalations, the 30-day follow-up check.
* Pairings (about one per 40 households), from households the registry
  already records as in hardship, with a disability or an illness, elderly
  living alone, left-behind children — or very old — never chosen by anyone's
  ethnicity; check-ins, some of them visits by a paired staff member.
* Must-visit duties: the engine's rules replayed over the year
  (jiayuan.care.demo.simulate); most duties are met by a visit before they are
  due, some late, some never, some lapse. Then `finish` runs the real engine
  for today, which finds nothing to add.

The station community (the first) has the demo staff. Every other community
of the district scale gets its own accounts — one grid worker per grid and a
mediator (usernames ``c02-grid1`` … ``c02-mediator``) — so that every visit is
made by someone whose grids include the household, as the services require;
they get fewer routine visits (`ROUTINE_RATE`) to keep the district load
quick. Rows are written in bulk with explicit ids (COPY on PostgreSQL).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone, translation

from jiayuan.care.choices import (
    QUALIFYING_MODES,
    DisputeKind,
    DisputeOutcome,
    DisputeSource,
    DisputeStatus,
    DutyRule,
    DutyStatus,
    HelperKind,
    PairingStatus,
    PartyRole,
    VisitMode,
    VisitPurpose,
)
from jiayuan.care.demo import texts as T
from jiayuan.care.demo.simulate import Conditions, Household, SimDuty
from jiayuan.care.duties import engine
from jiayuan.care.models import (
    CareSettings,
    CheckIn,
    Dispute,
    DisputeParty,
    Duty,
    FestivalDate,
    MediationSession,
    Pairing,
    Visit,
)
from jiayuan.core.models import User
from jiayuan.core.roles import Perm, Role, role_has
from jiayuan.desk.choices import OPEN_STATUSES, Channel
from jiayuan.desk.models import Case, RefCounter
from jiayuan.desk.selectors import repeat_threshold
from jiayuan.lib.festivals import festival_label
from jiayuan.places.models import Building, Community, Grid
from jiayuan.registry.demo import names as N
from jiayuan.registry.demo.generator import pick as _pick
from jiayuan.registry.models import Business, Circumstance, Person
from jiayuan.registry.models import Household as HouseholdRow

DAYS = 365
# Routine visits per household a year: station grids with their own grid
# worker, the station's other grids (the caseworker covers them), the other
# communities of the district (lighter, to keep the district load quick).
ROUTINE_RATE = {"worker": 2.5, "station": 1.5, "other": 0.8}
MERCHANT_RATE = {"station": 3.0, "other": 1.2}
HOUSEHOLDS_PER_DISPUTE = 60
HOUSEHOLDS_PER_PAIRING = 40
WEEKDAY_WEIGHT = (1.0, 1.0, 1.0, 1.0, 1.0, 0.6, 0.35)
ROUTINE_MODES = ((VisitMode.HOME, 70), (VisitMode.PHONE, 15), (VisitMode.OFFICE, 7),
                 (VisitMode.VIDEO, 8))
HOURS = {
    VisitMode.HOME: (9, 9, 10, 10, 11, 14, 15, 15, 16, 16, 17, 19),
    VisitMode.PHONE: (9, 10, 11, 14, 15, 16, 17, 19, 20),
    VisitMode.OFFICE: (9, 10, 11, 14, 15, 16),
    VisitMode.SHOP: (9, 10, 14, 15, 16),
    VisitMode.VIDEO: (10, 15, 19, 20),
}
KINDS = ((DisputeKind.NEIGHBOURS, 38), (DisputeKind.FAMILY, 15), (DisputeKind.TENANCY, 14),
         (DisputeKind.PROPERTY, 11), (DisputeKind.COMMERCIAL, 9), (DisputeKind.LABOUR, 8),
         (DisputeKind.OTHER, 5))
SOURCES = ((DisputeSource.WALK_IN, 34), (DisputeSource.HOTLINE, 14), (DisputeSource.VISIT, 16),
           (DisputeSource.CASE, 16), (DisputeSource.POLICE, 10),
           (DisputeSource.DEPARTMENT, 5), (DisputeSource.OTHER, 5))
OUTCOMES = ((DisputeOutcome.RESOLVED, 62), (DisputeOutcome.PARTLY, 15),
            (DisputeOutcome.REFERRED, 13), (DisputeOutcome.WITHDRAWN, 10))
# Disputes still open however old (the others opened lately are open because
# their end has not come yet).
STALLED = 0.04
CASE_ITEMS = {DisputeKind.NEIGHBOURS: "neighbour-dispute", DisputeKind.FAMILY: "family-dispute",
              DisputeKind.TENANCY: "tenancy-dispute", DisputeKind.COMMERCIAL: "shop-dispute",
              DisputeKind.LABOUR: "labour-dispute"}
PAIRING_KINDS = ("elderly_alone", "disability", "serious_illness", "hardship", "minimum_income",
                 "left_behind_child", "special_care")
HELPERS = ((HelperKind.STAFF, 30), (HelperKind.VOLUNTEER, 35), (HelperKind.PARTY_MEMBER, 20),
           (HelperKind.BUSINESS_OWNER, 15))
SENSITIVE_KINDS = frozenset({"serious_illness", "hardship", "minimum_income", "disability"})
DISTRICT_ACCOUNT = re.compile(r"^c\d{2,3}-(grid\d+|mediator)$")
# Each state a duty can be in, and the dispute that shows it when the draws
# left it out (tiny scale): days ago opened, days ago closed, outcome,
# sessions held, when the worker goes ("none", "early", "late").
COVER = {
    "open": (2, None, "", 0, "none"),
    "overdue": (20, None, "", 1, "none"),
    "done_late": (120, 80, DisputeOutcome.RESOLVED, 2, "late"),
    "lapsed": (200, 197, DisputeOutcome.WITHDRAWN, 0, "none"),
    "done_on_time": (150, 120, DisputeOutcome.RESOLVED, 2, "early"),
}


def _tz() -> Any:
    return timezone.get_default_timezone()


def _aware(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute)).replace(tzinfo=_tz()).astimezone(UTC)


def _local_day(t: datetime) -> date:
    return t.astimezone(_tz()).date()


def district_account(username: str) -> bool:
    return bool(DISTRICT_ACCOUNT.match(username))


# --- shared state of one load -------------------------------------------------------

@dataclass
class CareContext:
    seed: int
    today: date
    now: datetime  # start of today: everything in the demo happened before
    start: date  # the first day of the year shown
    staff: dict[str, Any]  # username -> User (station)
    station_id: int | None
    festival_dates: dict[str, list[date]]
    festival_names: dict[str, str]
    password: str | None
    next_id: dict[str, int] = field(default_factory=dict)
    refs: dict[tuple[str, int], int] = field(default_factory=dict)

    def take(self, key: str) -> int:
        value = self.next_id[key]
        self.next_id[key] = value + 1
        return value


def make_context(*, seed: int, today: date, staff: dict[str, Any]) -> CareContext:
    station_id = next((u.community_id for u in staff.values()
                       if not u.is_superuser and u.community_id), None)
    festival_dates: dict[str, list[date]] = {}
    for code, day in FestivalDate.objects.order_by("date", "festival").values_list(
            "festival", "date"):
        festival_dates.setdefault(code, []).append(day)
    with translation.override(settings.LANGUAGE_CODE):
        names = {code: str(festival_label(code)) for code in festival_dates}
    next_id = {key: (model._base_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
               for key, model in (("visit", Visit), ("dispute", Dispute),
                                  ("pairing", Pairing))}
    refs = {(prefix, year): last for prefix, year, last in
            RefCounter.objects.filter(prefix__endswith="-T").values_list(
                "prefix", "year", "last")}
    return CareContext(
        seed=seed, today=today, now=_aware(today, 0, 0), start=today - timedelta(days=DAYS),
        staff=staff, station_id=station_id, festival_dates=festival_dates,
        festival_names=names,
        password=make_password("jiayuan-demo") if settings.DEMO_MODE else None,
        next_id=next_id, refs=refs)


# --- one community ------------------------------------------------------------------

@dataclass
class HH:
    id: int
    grid_id: int
    building_id: int
    residency: str
    moved_in: date
    gone: date | None
    festivals: list[str]
    members: list[tuple[int, str, str, date | None]] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)  # current circumstances
    cond: Conditions = field(default_factory=Conditions)
    visits: list[V] = field(default_factory=list)
    duties: list[SimDuty] = field(default_factory=list)
    quiet_from: date | None = None  # no visits from this day (coverage)
    force: str = ""  # how the worker answers its duties (coverage)

    def present(self, day: date) -> bool:
        return self.moved_in <= day and (self.gone is None or day < self.gone)


@dataclass
class V:
    at: datetime
    grid_id: int
    mode: str
    purpose: str
    visitors: list[int]
    found: str
    needs: str = ""
    households: tuple[int, ...] = ()
    business_id: int | None = None
    next_visit: date | None = None
    sensitive: str = ""
    volunteers: str = ""
    case_id: int | None = None
    created_at: datetime | None = None
    id: int = 0

    @property
    def day(self) -> date:
        return _local_day(self.at)

    @property
    def qualifying(self) -> bool:
        return self.mode in QUALIFYING_MODES


@dataclass
class DisputePlan:
    id: int
    ref: str
    kind: str
    source: str
    grid_id: int
    opened: date
    created_by: int
    mediators: list[int]
    parties: list[tuple[str, int | None, int | None, int | None, str]]
    summary: str
    details: str = ""
    case_id: int | None = None
    close: date | None = None
    outcome: str = ""
    sessions: list[tuple[datetime, str, str, str, int]] = field(default_factory=list)


class CommunityCare:
    def __init__(self, ctx: CareContext, community: Community, index: int) -> None:
        self.ctx = ctx
        self.community = community
        self.index = index
        self.rng = random.Random(f"jiayuan-demo-care/{ctx.seed}/{index}")
        self.today, self.start = ctx.today, ctx.start
        self.params = CareSettings.for_community(community.pk)
        self.repeat_open = repeat_threshold(community.pk).open
        self.is_station = community.pk == ctx.station_id
        self.grids = list(Grid.objects.filter(community=community).order_by("pk"))
        self.disputes: list[DisputePlan] = []
        self.pairings: list[dict[str, Any]] = []
        self.checkins: list[tuple] = []
        self.business_visits: list[V] = []
        self._read()
        self._accounts()

    # -- reading the community back --------------------------------------------------
    def _read(self) -> None:
        grid_ids = [g.pk for g in self.grids]
        self.households: dict[int, HH] = {}
        for pk, grid_id, building_id, residency, moved_in, moved_out, festivals in (
                HouseholdRow.objects.filter(grid_id__in=grid_ids).order_by("pk").values_list(
                    "pk", "grid_id", "dwelling__building_id", "residency", "moved_in",
                    "moved_out", "festivals")):
            gone = min(moved_out, self.today) if moved_out is not None else None
            self.households[pk] = HH(pk, grid_id, building_id, residency, moved_in, gone,
                                     list(festivals or ()))
        self.people: dict[int, tuple[int, str, str, date | None]] = {}
        for pk, household_id, name, sex, birth, left_on in (
                Person.objects.filter(grid_id__in=grid_ids).order_by("pk").values_list(
                    "pk", "household_id", "name", "sex", "birth_date", "left_on")):
            self.people[pk] = (household_id, name, sex, birth)
            if left_on is None and household_id in self.households:
                self.households[household_id].members.append((pk, name, sex, birth))
        rule_of = {kind: rule for rule, kinds in engine.CIRCUMSTANCE_RULES.items()
                   for kind in kinds}
        for household_id, kind, started, ended in (
                Circumstance.objects.filter(household__grid_id__in=grid_ids).order_by("pk")
                .values_list("household_id", "kind", "started", "ended")):
            hh = self.households[household_id]
            if started <= self.today and (ended is None or ended >= self.today):
                hh.kinds.add(kind)
            rule = rule_of.get(kind)
            if rule is not None:
                hh.cond.spans.setdefault(rule, []).append(
                    (started, ended + timedelta(days=1) if ended else None))
        self.estates = dict(Building.objects.filter(grid_id__in=grid_ids).values_list(
            "pk", "name"))
        self.businesses = list(Business.objects.filter(grid_id__in=grid_ids).order_by("pk")
                               .values_list("pk", "grid_id", "name", "owner_id"))
        self.cases_by_household: dict[int, list[tuple[date, date | None, bool]]] = {}
        self.home_visit_cases: list[tuple[int, int, datetime, str]] = []
        self.dispute_cases: dict[str, list[tuple[int, int, date]]] = {}
        items = {code: kind for kind, code in CASE_ITEMS.items()}
        for pk, household_id, opened, resolved, updated, status, is_repeat, channel, summary, \
                item in (Case.objects.filter(community=self.community, household__isnull=False)
                         .order_by("pk").values_list(
                             "pk", "household_id", "opened_at", "resolved_at", "updated_at",
                             "status", "is_repeat", "channel", "summary", "item__code")):
            end = None if status in OPEN_STATUSES else _local_day(resolved or updated)
            self.cases_by_household.setdefault(household_id, []).append(
                (_local_day(opened), end, is_repeat))
            if channel == Channel.HOME_VISIT and opened < self.ctx.now:
                self.home_visit_cases.append((pk, household_id, opened, summary))
            if item in items:
                self.dispute_cases.setdefault(items[item], []).append(
                    (pk, household_id, _local_day(opened)))
        for household_id, cases in self.cases_by_household.items():
            if household_id in self.households and self._may_repeat(cases):
                self.households[household_id].cond.cases = cases
        for hh in self.households.values():
            for code in hh.festivals:
                hh.cond.festivals.extend((code, day) for day in self.ctx.festival_dates.get(
                    code, ()) if self.start <= day <= self.today + timedelta(days=31))
        self.present = [h for h in self.households.values() if h.gone is None]

    def _may_repeat(self, cases: list[tuple[date, date | None, bool]]) -> bool:
        """Whether the repeat rule can ever hold (skip the rest: most households)."""
        if any(r for _a, _b, r in cases):
            return True
        if len(cases) < self.repeat_open:
            return False
        for a, _b, _r in cases:
            if sum(1 for x, y, _r in cases if x <= a and (y is None or a < y)) >= (
                    self.repeat_open):
                return True
        return False

    # -- accounts -------------------------------------------------------------------
    def _accounts(self) -> None:
        """Who may visit each grid, and who mediates (as the services require)."""
        self.names: dict[int, str] = {}
        self.roles: dict[int, str] = {}
        self.by_grid: dict[int, list[tuple[int, float]]] = {}  # routine visitors
        self.worker: dict[int, int] = {}  # grid -> its grid worker
        self.mediators: list[int] = []
        if self.is_station:
            staff = {u: user for u, user in self.ctx.staff.items()
                     if not user.is_superuser and user.is_active}
            scoped = dict(User.grids.through.objects.filter(
                user_id__in=[u.pk for u in staff.values()]).values_list("user_id", "grid_id"))
            for user in staff.values():
                self.names[user.pk] = user.display_name
                self.roles[user.pk] = user.role
            ids = {u: user.pk for u, user in staff.items()}
            self.mediators = [ids[u] for u in ("mediator", "caseworker", "head") if u in ids]
            self.coordinator = ids.get("coordinator") or ids.get("caseworker")
            self.caseworker = ids.get("caseworker") or ids.get("head")
            for grid in self.grids:
                workers = [pk for pk, g in scoped.items() if g == grid.pk
                           and self.roles[pk] == Role.GRIDWORKER]
                if workers:
                    self.worker[grid.pk] = workers[0]
                    self.by_grid[grid.pk] = [(workers[0], 1.0)]
                else:
                    self.by_grid[grid.pk] = [
                        (pk, w) for pk, w in ((ids.get("caseworker"), 0.7),
                                              (ids.get("head"), 0.1),
                                              (ids.get("coordinator"), 0.2)) if pk]
            return
        code = self.community.code.lower()
        wanted = [(f"{code}-grid{n + 1}", Role.GRIDWORKER, grid)
                  for n, grid in enumerate(self.grids)]
        wanted.append((f"{code}-mediator", Role.MEDIATOR, None))
        existing = {u.username: u for u in User.objects.filter(
            username__in=[w[0] for w in wanted])}
        rng = random.Random(f"jiayuan-demo-care-staff/{self.ctx.seed}/{self.index}")
        for username, role, grid in wanted:
            user = existing.get(username) or User(username=username)
            if user.is_superuser:
                continue
            sex = rng.choice("MF")
            user.last_name = N.surname(rng, "han")
            user.first_name = N.han_given(rng, sex, rng.randint(1968, 1998))
            user.role, user.community_id, user.is_active = role, self.community.pk, True
            if self.ctx.password:
                user.password = self.ctx.password
            else:
                user.set_unusable_password()
            user.save()
            user.grids.set([grid] if grid is not None else [])
            self.names[user.pk] = user.display_name
            self.roles[user.pk] = role
            if grid is not None:
                self.worker[grid.pk] = user.pk
                self.by_grid[grid.pk] = [(user.pk, 1.0)]
            else:
                self.mediators = [user.pk]
        self.coordinator = self.caseworker = None

    def _visitor(self, grid_id: int) -> int | None:
        choices = self.by_grid.get(grid_id)
        if not choices:
            return None
        return self.rng.choices([c[0] for c in choices], [c[1] for c in choices])[0]

    def _may_note(self, user_id: int) -> bool:
        return role_has(self.roles.get(user_id, ""), Perm.VIEW_SENSITIVE)

    # -- drawing ------------------------------------------------------------------
    def _day(self, lo: date, hi: date) -> date:
        """A day in [lo, hi], weekends less likely."""
        rng = self.rng
        span = (hi - lo).days
        day = lo
        for _attempt in range(3):
            day = lo + timedelta(days=rng.randint(0, max(span, 0)))
            if rng.random() < WEEKDAY_WEIGHT[day.weekday()]:
                break
        return day

    def _at(self, day: date, mode: str) -> datetime:
        return _aware(day, self.rng.choice(HOURS[mode]), self.rng.randrange(0, 60, 5))

    def _who(self, hh: HH) -> str:
        """How a worker writes the person they met: 王阿姨, 小李, 金春花."""
        if not hh.members:
            return "居民"
        _pk, name, sex, birth = hh.members[0] if self.rng.random() < 0.7 else (
            self.rng.choice(hh.members))
        if "·" in name:
            return name.split("·")[0]
        surname = name[:2] if name[:2] in N.ALL_SURNAMES and len(name) > 2 else name[0]
        if surname not in N.ALL_SURNAMES:
            return name
        age = (self.today - birth).days // 365 if birth else 40
        if age >= 55:
            return surname + ("阿姨" if sex == "F" else "叔叔")
        if age < 35:
            return "小" + surname
        return surname + ("女士" if sex == "F" else "先生")

    def _volunteers(self) -> str:
        rng = self.rng
        pool = self.present
        names = []
        for _n in range(2):
            hh = rng.choice(pool)
            if hh.members:
                names.append(rng.choice(hh.members)[1])
        if not names:
            return ""
        template = rng.choice(T.VOLUNTEERS)
        return template.format(a=names[0], b=names[-1])

    # -- visits -------------------------------------------------------------------
    def _routine_rate(self, grid_id: int) -> float:
        if not self.is_station:
            return ROUTINE_RATE["other"]
        return ROUTINE_RATE["worker"] if grid_id in self.worker else ROUTINE_RATE["station"]

    def _visit(self, hh: HH, day: date, mode: str, purpose: str, found: str,
               needs: str = "", visitor: int | None = None) -> V | None:
        visitor = visitor or self._visitor(hh.grid_id)
        if visitor is None:
            return None
        visit = V(at=self._at(day, mode), grid_id=hh.grid_id, mode=mode, purpose=purpose,
                  visitors=[visitor], found=found, needs=needs, households=(hh.id,))
        if self.roles.get(visitor) == Role.COORDINATOR or (
                mode == VisitMode.HOME and self.rng.random() < 0.06):
            visit.volunteers = self._volunteers()
        if mode == VisitMode.HOME and self.rng.random() < 0.08 and self.caseworker and (
                visitor != self.caseworker):
            visit.visitors.append(self.caseworker)
        if hh.kinds & SENSITIVE_KINDS and self._may_note(visitor) and self.rng.random() < 0.04:
            visit.sensitive = self.rng.choice(T.SENSITIVE)
        hh.visits.append(visit)
        return visit

    def plan_visits(self) -> None:
        rng = self.rng
        last = self.today - timedelta(days=1)
        for hh in self.households.values():
            lo = max(self.start, hh.moved_in)
            hi = min(hh.gone - timedelta(days=1) if hh.gone else last, last)
            if lo > hi:
                continue
            rate = self._routine_rate(hh.grid_id) * ((hi - lo).days + 1) / DAYS
            n = int(rate) + (rng.random() < rate - int(rate))
            for _n in range(n):
                day = self._day(lo, hi)
                mode = _pick(rng, ROUTINE_MODES)
                if mode in (VisitMode.PHONE, VisitMode.VIDEO):
                    found = rng.choice(T.REMOTE_FOUND[mode])
                elif mode == VisitMode.OFFICE:
                    found = rng.choice(T.OFFICE_FOUND)
                else:
                    found = rng.choice(T.ROUTINE_FOUND)
                visit = self._visit(hh, day, mode, VisitPurpose.ROUTINE,
                                    found.format(who=self._who(hh)), rng.choice(T.ROUTINE_NEEDS))
                if visit is None or mode not in (VisitMode.HOME, VisitMode.OFFICE):
                    continue
                if rng.random() < 0.15:
                    visit.next_visit = day + timedelta(days=rng.randint(14, 45))
                    again = visit.next_visit + timedelta(days=rng.randint(-3, 5))
                    if rng.random() < 0.65 and again <= hi and hh.present(again):
                        mode = VisitMode.HOME if rng.random() < 0.6 else VisitMode.PHONE
                        self._visit(hh, again, mode, VisitPurpose.FOLLOW_UP,
                                    rng.choice(T.FOLLOW_UP_FOUND[mode]).format(
                                        who=self._who(hh)),
                                    visitor=visit.visitors[0])
        for case_id, household_id, opened, summary in self.home_visit_cases:
            hh = self.households.get(household_id)
            if hh is None:
                continue
            visitor = self.worker.get(hh.grid_id) or self._visitor(hh.grid_id)
            if visitor is None:
                continue
            at = opened - timedelta(minutes=rng.randint(5, 40))
            visit = V(at=at, grid_id=hh.grid_id, mode=VisitMode.HOME,
                      purpose=VisitPurpose.ROUTINE, visitors=[visitor],
                      found=T.CASE_FOUND.format(summary=summary), needs=summary,
                      households=(hh.id,), case_id=case_id)
            hh.visits.append(visit)
        rate = MERCHANT_RATE["station" if self.is_station else "other"]
        for pk, grid_id, _name, _owner in self.businesses:
            visitor = self.worker.get(grid_id) or self.caseworker
            if visitor is None:
                continue
            n = int(rate) + (rng.random() < rate - int(rate))
            for _n in range(n):
                day = self._day(self.start, last)
                self.business_visits.append(V(
                    at=self._at(day, VisitMode.SHOP), grid_id=grid_id, mode=VisitMode.SHOP,
                    purpose=VisitPurpose.MERCHANT, visitors=[visitor],
                    found=rng.choice(T.MERCHANT_FOUND), needs=rng.choice(T.MERCHANT_NEEDS),
                    business_id=pk))

    def _duty_visit(self, hh: HH, day: date, duty: SimDuty) -> V:
        rng = self.rng
        rule = duty.rule
        visitor = self.worker.get(hh.grid_id)
        if rule == DutyRule.DISPUTE and (visitor is None or rng.random() < 0.25):
            visitor = self.mediators[0] if self.mediators else visitor
        visitor = visitor or self._visitor(hh.grid_id)
        mode = VisitMode.HOME if rng.random() < 0.9 else VisitMode.OFFICE
        festival = self.ctx.festival_names.get(duty.detail.get("festival", ""), "节日")
        found = rng.choice(T.DUTY_FOUND[rule]).format(who=self._who(hh), festival=festival)
        visit = V(at=self._at(day, mode), grid_id=hh.grid_id, mode=mode,
                  purpose=VisitPurpose.FESTIVAL if rule == DutyRule.FESTIVAL
                  else VisitPurpose.DUTY, visitors=[visitor], found=found,
                  needs=rng.choice(T.DUTY_NEEDS[rule]), households=(hh.id,))
        if rule == DutyRule.DISPUTE and self.mediators and self.mediators[0] != visitor and (
                rng.random() < 0.4):
            visit.visitors.append(self.mediators[0])
        if rule in (DutyRule.ILLNESS, DutyRule.HARDSHIP, DutyRule.DISABILITY):
            if self._may_note(visitor) and rng.random() < 0.12:
                visit.sensitive = rng.choice(T.SENSITIVE)
            if rng.random() < 0.2:
                visit.next_visit = day + timedelta(days=30)
        if self.roles.get(visitor) == Role.COORDINATOR:
            visit.volunteers = self._volunteers()
        hh.visits.append(visit)
        return visit

    def _respond(self, hh: HH, duty: SimDuty) -> date | None:
        rng = self.rng
        if hh.force:
            return {"none": None, "early": duty.raised + timedelta(days=2),
                    "late": duty.due + timedelta(days=4)}[hh.force]
        if not self.by_grid.get(hh.grid_id):
            return None
        roll = rng.random()
        span = (duty.due - duty.raised).days
        if duty.rule == DutyRule.FESTIVAL:
            if roll < 0.8:
                return max(duty.raised, duty.due - timedelta(days=rng.randint(0, 6)))
            return duty.due + timedelta(days=rng.randint(1, 6)) if roll < 0.9 else None
        if roll < 0.76:
            return duty.raised + timedelta(days=int(span * rng.random() ** 1.5))
        return duty.due + timedelta(days=rng.randint(1, 25)) if roll < 0.88 else None

    # -- disputes -----------------------------------------------------------------
    def _person(self, hh: HH, adult: bool = True) -> tuple[int, str] | None:
        people = [m for m in hh.members
                  if not adult or m[3] is None or (self.today - m[3]).days >= 18 * 365]
        if not people:
            return None
        pk, name, _sex, _birth = people[0]
        return pk, name

    def _household_in(self, pool: list[HH], day: date, exclude: set[int] = frozenset()
                      ) -> HH | None:
        rng = self.rng
        for _attempt in range(8):
            hh = rng.choice(pool)
            if hh.id not in exclude and hh.present(day) and hh.gone is None and hh.members:
                return hh
        return None

    def plan_disputes(self) -> None:
        n = max(1, round(len(self.present) / HOUSEHOLDS_PER_DISPUTE))
        last = self.today - timedelta(days=1)
        days = sorted(self._day(self.start, last) for _n in range(n))
        for opened in days:
            self._dispute(opened)

    def _dispute(self, opened: date, cover: tuple | None = None,
                 household: HH | None = None) -> DisputePlan | None:
        rng, t = self.rng, T
        if not self.mediators:
            return None
        kind = DisputeKind.FAMILY if cover else _pick(rng, KINDS)
        source = DisputeSource.WALK_IN if cover else _pick(rng, SOURCES)
        case_id = None
        applicant = household
        if source == DisputeSource.CASE:
            pool = [c for c in self.dispute_cases.get(kind, ()) if c[2] < self.today]
            if pool:
                case_id, household_id, day = rng.choice(pool)
                self.dispute_cases[kind].remove((case_id, household_id, day))
                applicant = self.households.get(household_id)
                opened = min(day + timedelta(days=rng.randint(0, 3)),
                             self.today - timedelta(days=1))
            else:
                source = DisputeSource.WALK_IN
        if applicant is None or not applicant.present(opened) or applicant.gone is not None:
            applicant = self._household_in(self.present, opened)
            case_id = None if source != DisputeSource.CASE else case_id
            if source == DisputeSource.CASE:
                source, case_id = DisputeSource.WALK_IN, None
        if applicant is None:
            return None
        person = self._person(applicant)
        if person is None:
            return None
        parties: list[tuple[str, int | None, int | None, int | None, str]] = [
            (PartyRole.APPLICANT, person[0], applicant.id, None, "")]
        names = [person[1]]
        respondent = None
        surname = N.surname(rng, "han")
        if kind == DisputeKind.FAMILY:
            surname = person[1][:2] if person[1][:2] in N.ALL_SURNAMES else person[1][0]
        if kind in (DisputeKind.NEIGHBOURS, DisputeKind.OTHER) or (
                kind == DisputeKind.TENANCY and rng.random() < 0.3):
            pool = [h for h in self.present if h.building_id == applicant.building_id]
            respondent = self._household_in(pool, opened, {applicant.id})
        elif kind == DisputeKind.FAMILY:
            adults = [m for m in applicant.members[1:]
                      if m[3] is None or (self.today - m[3]).days >= 18 * 365]
            if adults and not cover:
                pk, name, _s, _b = rng.choice(adults)
                parties.append((PartyRole.RESPONDENT, pk, applicant.id, None, ""))
                names.append(name)
        elif kind in (DisputeKind.COMMERCIAL, DisputeKind.LABOUR):
            shops = [b for b in self.businesses if b[1] == applicant.grid_id] or self.businesses
            if shops and (kind == DisputeKind.COMMERCIAL or rng.random() < 0.4):
                pk, _grid, name, _owner = rng.choice(shops)
                parties.append((PartyRole.RESPONDENT, None, None, pk, ""))
                names.append(name)
        if respondent is not None:
            other = self._person(respondent)
            if other is not None:
                parties.append((PartyRole.RESPONDENT, other[0], respondent.id, None, ""))
                names.append(other[1])
        if len(parties) == 1:
            options = T.OUTSIDE_PARTIES.get(kind) or T.OUTSIDE_PARTIES["other"]
            estate = self.estates.get(applicant.building_id) or self.community.name
            name = rng.choice(options).format(s=surname, estate=estate)
            parties.append((PartyRole.RESPONDENT, None, None, None, name[:100]))
            names.append(name)
        mediators = [self.mediators[0]]
        if len(self.mediators) > 1 and rng.random() < 0.3:
            mediators.append(self.mediators[1])
        worker = self.worker.get(applicant.grid_id)
        if worker and rng.random() < 0.5:  # the grid worker sits in, without mediating
            names.append(self.names[worker])
        created_by = mediators[0]
        if self.is_station and len(self.mediators) > 1 and rng.random() < 0.25:
            created_by = rng.choice(self.mediators[1:])
        plan = DisputePlan(
            id=self.ctx.take("dispute"), ref="", kind=kind, source=source,
            grid_id=applicant.grid_id, opened=opened, created_by=created_by,
            mediators=mediators, parties=parties, case_id=case_id,
            summary=rng.choice(t.DISPUTE_SUMMARIES[kind]), details=rng.choice(t.DISPUTE_DETAILS))
        prefix = f"{self.community.code}-T"
        key = (prefix, opened.year)
        self.ctx.refs[key] = self.ctx.refs.get(key, 0) + 1
        plan.ref = f"{prefix}-{opened.year}-{self.ctx.refs[key]:05d}"
        self._timeline(plan, names, cover)
        self.disputes.append(plan)
        close = plan.close if plan.close is not None and plan.close < self.today else None
        for _role, _person, household_id, _b, _n in parties:
            if household_id is not None:
                self.households[household_id].cond.disputes.append((opened, close, plan.ref))
        return plan

    def _timeline(self, plan: DisputePlan, names: list[str], cover: tuple | None) -> None:
        rng = self.rng
        if cover:
            _ago, closed_ago, outcome, n_sessions, _how = cover
            plan.outcome = outcome
            plan.close = self.today - timedelta(days=closed_ago) if closed_ago else None
        else:
            outcome = "" if rng.random() < STALLED else _pick(rng, OUTCOMES)
            plan.outcome = outcome
            n_sessions = rng.choices((0, 1, 2, 3, 4), (3, 42, 33, 16, 6))[0]
            if outcome == DisputeOutcome.WITHDRAWN and rng.random() < 0.4:
                n_sessions = 0
            n_sessions = max(n_sessions, 1) if outcome in (
                DisputeOutcome.RESOLVED, DisputeOutcome.PARTLY) else n_sessions
        day = plan.opened
        held: list[date] = []
        for n in range(n_sessions):
            day += timedelta(days=rng.randint(1, 8) if n == 0 else rng.randint(5, 18))
            if cover and plan.close is not None:
                day = min(day, plan.close)
            held.append(day)
        if not cover:
            if outcome == "":
                plan.close = None
            else:
                end = held[-1] if held else plan.opened + timedelta(days=rng.randint(1, 6))
                plan.close = end + timedelta(days=rng.randint(0, 6) if held else 0)
        staff = ", ".join(self.names.get(m, "") for m in plan.mediators)
        for day in held:
            at = _aware(day, rng.choice((9, 10, 14, 15, 19)), rng.choice((0, 30)))
            if at >= self.ctx.now:
                continue
            attendees = "、".join([*names, staff.replace(", ", "、")])
            if rng.random() < 0.3:
                attendees += "、" + rng.choice(T.EXTRA_ATTENDEES)
            plan.sessions.append((at, rng.choice(T.PLACES), attendees[:300],
                                  rng.choice(T.SESSION_NOTES), plan.mediators[0]))

    def _dispute_rows(self, plan: DisputePlan) -> tuple[tuple, list[tuple], list[tuple]]:
        rng, today = self.rng, self.today
        closed = plan.close is not None and plan.close < today and plan.outcome != ""
        version = 1
        status = DisputeStatus.OPEN
        if plan.sessions:
            status = DisputeStatus.MEDIATING
            version += 1
        agreement_text, agreement_on = "", None
        outcome, outcome_note, closed_on = "", "", None
        followup_due = followup_on = followup_holding = None
        followup_note = ""
        if closed:
            status, outcome, closed_on = DisputeStatus.CLOSED, plan.outcome, plan.close
            outcome_note = rng.choice(T.OUTCOME_NOTES[outcome])
            version += 1
            if outcome in (DisputeOutcome.RESOLVED, DisputeOutcome.PARTLY):
                agreement_text = rng.choice(T.AGREEMENTS[plan.kind]).format(
                    n=rng.randint(2, 9))
                agreement_on = plan.sessions[-1][0].astimezone(_tz()).date() if (
                    plan.sessions) else closed_on
                version += 1
                followup_due = closed_on + timedelta(days=self.params.dispute_followup)
                done = followup_due + timedelta(days=rng.randint(-10, 4))
                done = max(done, closed_on + timedelta(days=7))
                if done < today and rng.random() < 0.85:
                    followup_on = done
                    followup_holding = rng.random() < 0.85
                    followup_note = rng.choice(T.FOLLOWUP_HOLDING if followup_holding
                                               else T.FOLLOWUP_BROKEN)
                    version += 1
        escalated_on, escalation = None, ""
        end = closed_on or today - timedelta(days=1)
        if rng.random() < 0.06 and end > plan.opened:
            escalated_on = plan.opened + timedelta(days=rng.randint(1, (end - plan.opened).days))
            escalation = f"{escalated_on:%Y-%m-%d} {rng.choice(T.ESCALATIONS)}"
            version += 1
        created_at = _aware(plan.opened, rng.choice((9, 10, 11, 14, 15, 16)),
                            rng.randrange(0, 60, 5))
        created_at = min(created_at, self.ctx.now - timedelta(minutes=5))
        row = (plan.id, plan.ref, self.community.pk, plan.grid_id, plan.kind, plan.source,
               plan.case_id, plan.summary, plan.details, status, plan.opened, closed_on,
               outcome, outcome_note, escalated_on, escalation, agreement_text, agreement_on,
               followup_due, followup_on, followup_holding, followup_note, plan.created_by,
               created_at, version)
        parties = [(plan.id, role, person, household, business, name)
                   for role, person, household, business, name in plan.parties]
        sessions = [(plan.id, at, place, attendees, notes, by, at + timedelta(hours=2))
                    for at, place, attendees, notes, by in plan.sessions]
        return row, parties, sessions

    # -- pairings -----------------------------------------------------------------
    def plan_pairings(self) -> None:
        rng = self.rng
        n = max(1, round(len(self.present) / HOUSEHOLDS_PER_PAIRING))
        needy = [h for h in self.present if h.kinds & set(PAIRING_KINDS) and h.members]
        needy_ids = {h.id for h in needy}
        old = [h for h in self.present if h.id not in needy_ids and 0 < len(h.members) <= 2
               and all(m[3] is not None and (self.today - m[3]).days >= 75 * 365
                       for m in h.members)]
        chosen = rng.sample(needy, min(len(needy), round(n * 0.8)))
        chosen += rng.sample(old, min(len(old), n - len(chosen)))
        if len(chosen) < n:
            taken = {h.id for h in chosen}
            rest = [h for h in needy if h.id not in taken]
            chosen += rng.sample(rest, min(len(rest), n - len(chosen)))
        for hh in sorted(chosen, key=lambda h: h.id):
            self._pairing(hh)

    def _helper_person(self, hh: HH, kind: str) -> int | None:
        rng = self.rng
        if kind == HelperKind.BUSINESS_OWNER:
            owners = [b[3] for b in self.businesses if b[1] == hh.grid_id and b[3]
                      and self.people.get(b[3], (hh.id,))[0] != hh.id]
            return rng.choice(owners) if owners else None
        for _attempt in range(10):
            other = rng.choice(self.present)
            if other.id == hh.id or other.grid_id != hh.grid_id:
                continue
            adults = [m for m in other.members if m[3] is not None
                      and 25 * 365 <= (self.today - m[3]).days <= 68 * 365]
            if adults:
                return rng.choice(adults)[0]
        return None

    def _pairing(self, hh: HH) -> None:
        rng = self.rng
        kind = _pick(rng, HELPERS)
        helper_user = helper_person = None
        worker = self.worker.get(hh.grid_id)
        if kind == HelperKind.STAFF:
            helper_user = worker or self.caseworker
        else:
            helper_person = self._helper_person(hh, kind)
            if helper_person is None and kind == HelperKind.BUSINESS_OWNER:
                kind = HelperKind.VOLUNTEER
                helper_person = self._helper_person(hh, kind)
        if helper_user is None and helper_person is None:
            kind, helper_user = HelperKind.STAFF, worker or self.caseworker
        if helper_user is None and helper_person is None:
            return
        created_by = (self.caseworker if helper_user else self.coordinator) or worker
        if created_by is None:
            return
        started = max(hh.moved_in, self.today - timedelta(days=rng.randint(20, 500)))
        if started >= self.today:
            return
        status, ended, stop = PairingStatus.ACTIVE, None, self.today
        roll = rng.random()
        if roll < 0.12 and (self.today - started).days > 120:
            ended = started + timedelta(days=rng.randint(90, (self.today - started).days - 1))
            status, stop = PairingStatus.ENDED, ended + timedelta(days=1)
        elif roll < 0.18 and (self.today - started).days > 60:
            status = PairingStatus.PAUSED
            stop = started + timedelta(days=rng.randint(30, (self.today - started).days - 1))
        circumstance = next((k for k in PAIRING_KINDS if k in hh.kinds), "elder")
        pairing = {"id": self.ctx.take("pairing"), "hh": hh, "kind": kind,
                   "helper_user": helper_user, "helper_person": helper_person,
                   "goals": rng.choice(T.GOALS[circumstance]), "started": started,
                   "ended": ended, "status": status, "stop": stop, "created_by": created_by,
                   "contacts": []}
        self.pairings.append(pairing)
        recorder = helper_user or created_by
        gap = (35, 70) if helper_user else (18, 40)
        day = max(started, self.start) + timedelta(days=rng.randint(0, 14))
        while day < min(stop, self.today):
            mode = _pick(rng, ((VisitMode.PHONE, 45), (VisitMode.HOME, 45),
                               (VisitMode.VIDEO, 10)))
            self.checkins.append((pairing["id"], day, mode, rng.choice(T.CHECKIN_NOTES), None,
                                  recorder))
            pairing["contacts"].append(day)
            day += timedelta(days=rng.randint(*gap))

    def _visit_checkins(self, visits: list[V]) -> None:
        """A visit the paired staff member makes to their household is a check-in
        (as jiayuan.care.services does when the visit is logged)."""
        staffed = {}
        for p in self.pairings:
            if p["helper_user"]:
                staffed.setdefault(p["hh"].id, []).append(p)
        if not staffed:
            return
        for visit in visits:
            for household_id in visit.households:
                for p in staffed.get(household_id, ()):
                    if p["helper_user"] in visit.visitors and (
                            p["started"] <= visit.day < p["stop"]):
                        self.checkins.append((p["id"], visit.day, visit.mode, "", visit.id,
                                              visit.visitors[0]))
                        p["contacts"].append(visit.day)

    # -- the year of duties ---------------------------------------------------------------
    def simulate(self, hh: HH) -> None:
        if hh.cond.empty():
            return
        visits = [(v.day, v.qualifying, v) for v in sorted(hh.visits, key=lambda v: v.at)
                  if hh.quiet_from is None or v.day < hh.quiet_from]
        hh.visits = [v for _d, _q, v in visits]
        sim = Household(hh.cond, present_from=hh.moved_in, gone=hh.gone, start=self.start,
                        today=self.today, params=self.params,
                        repeat_open=self.repeat_open, visits=visits,
                        respond=lambda duty: self._respond(hh, duty),
                        make_visit=lambda day, duty: self._duty_visit(hh, day, duty))
        hh.duties = sim.run()

    def _states(self) -> set[str]:
        found = set()
        for hh in self.households.values():
            for d in hh.duties:
                found.add(_state(d, self.today))
        return found

    def cover(self) -> None:
        """However the draws fell, show every state of a duty (the tiny scale has
        few duties), and disputes both open and closed: each missing one gets a
        family dispute in a quiet household."""
        missing = [s for s in COVER if s not in self._states()]
        # ...and at least one dispute still open (on some days the draws close them all).
        if "open" not in missing and not any(
                p.close is None or p.close >= self.today for p in self.disputes):
            missing.insert(0, "open")
        # ...and at least one closed (on some days the draws leave them all open).
        closing = {state for state, spec in COVER.items() if spec[1] is not None}
        if not closing & set(missing) and not any(
                p.close is not None and p.close < self.today and p.outcome
                for p in self.disputes):
            missing.append("done_on_time")
        if not missing:
            return
        spare = [h for h in self.present if not h.duties and not h.cond.disputes
                 and not h.cond.spans and not h.cond.cases and not h.festivals
                 and h.moved_in <= self.start and h.members]
        for state, hh in zip(missing, spare, strict=False):
            spec = COVER[state]
            opened = self.today - timedelta(days=spec[0])
            hh.quiet_from, hh.force = opened, spec[4]
            self._dispute(opened, cover=spec, household=hh)
            self.simulate(hh)

    # -- everything, then the rows ------------------------------------------------
    def build(self) -> dict[str, list[tuple]]:
        self.plan_visits()
        self.plan_disputes()
        self.plan_pairings()
        for hh in self.households.values():
            self.simulate(hh)
        self.cover()
        visits = [v for hh in self.households.values() for v in hh.visits]
        visits += self.business_visits
        visits = [v for v in visits if v.at < self.ctx.now]
        visits.sort(key=lambda v: (v.at, v.households, v.business_id or 0))
        for visit in visits:
            visit.id = self.ctx.take("visit")
            visit.created_at = min(visit.at + timedelta(minutes=self.rng.randint(5, 240)),
                                   self.ctx.now - timedelta(minutes=1))
        self._visit_checkins(visits)
        return self.rows(visits)

    def rows(self, visits: list[V]) -> dict[str, list[tuple]]:
        out: dict[str, list[tuple]] = {k: [] for k in (
            "visit", "visit_household", "visit_visitor", "visit_case", "duty", "dispute",
            "party", "session", "mediator", "pairing", "checkin")}
        cid = self.community.pk
        for v in visits:
            out["visit"].append((v.id, cid, v.grid_id, v.business_id, v.at, v.volunteers,
                                 v.mode, v.purpose, v.found, v.needs, v.next_visit,
                                 v.sensitive, v.visitors[0], v.created_at, None))
            out["visit_household"].extend((v.id, h) for h in v.households)
            out["visit_visitor"].extend((v.id, u) for u in dict.fromkeys(v.visitors))
            if v.case_id:
                out["visit_case"].append((v.id, v.case_id))
        for hh in self.households.values():
            for d in hh.duties:
                out["duty"].append((hh.id, hh.grid_id, d.rule, d.key, d.detail, d.raised,
                                    d.due, d.status, d.closed,
                                    d.visit.id if d.visit is not None else None,
                                    self.assignee.get(hh.grid_id)))
        for plan in self.disputes:
            row, parties, sessions = self._dispute_rows(plan)
            out["dispute"].append(row)
            out["party"].extend(parties)
            out["session"].extend(sessions)
            out["mediator"].extend((plan.id, m) for m in dict.fromkeys(plan.mediators))
        for p in self.pairings:
            hh = p["hh"]
            out["pairing"].append((
                p["id"], cid, hh.grid_id, hh.id, p["kind"], p["helper_user"],
                p["helper_person"], p["goals"], p["started"], p["ended"], p["status"],
                max(p["contacts"]) if p["contacts"] else None, p["created_by"],
                _aware(p["started"], 10, 0),
                # Every other pairing agreed a four-month term (no random draw, so
                # the rest of the seeded year stays as it was).
                p["started"] + timedelta(days=120) if p["id"] % 2 == 0 else None))
        out["checkin"] = self.checkins
        return out


def _state(duty: SimDuty, today: date) -> str:
    if duty.status == DutyStatus.OPEN:
        return "open" if duty.due >= today else "overdue"
    if duty.status == DutyStatus.LAPSED:
        return "lapsed"
    return "done_on_time" if duty.closed <= duty.due else "done_late"


# --- writing ------------------------------------------------------------------------

def _through(field_name: str, model: type[models.Model]) -> tuple[type[models.Model], list[str]]:
    through = model._meta.get_field(field_name).remote_field.through
    names = [f.column for f in through._meta.concrete_fields if not f.primary_key]
    return through, names


def _columns(model: type[models.Model], names: list[str]) -> tuple[str, list[str], list[Any]]:
    fields = [model._meta.get_field(n) for n in names]
    return model._meta.db_table, [f.column for f in fields], fields


def _adapters(fields: list[Any]) -> list[Callable[[Any], Any]]:
    """Python values as the database takes them in a bulk insert."""
    pg = connection.vendor == "postgresql"

    def same(value: Any) -> Any:
        return value

    def as_json(value: Any) -> Any:
        return json.dumps(value, ensure_ascii=False)

    def sqlite_dt(value: Any) -> Any:
        return None if value is None else str(value.astimezone(UTC).replace(tzinfo=None))

    def sqlite_date(value: Any) -> Any:
        return None if value is None else value.isoformat()

    out = []
    for f in fields:
        kind = f.get_internal_type() if f is not None else ""
        if kind == "JSONField":
            out.append(as_json)
        elif pg:
            out.append(same)
        elif kind == "DateTimeField":
            out.append(sqlite_dt)
        elif kind == "DateField":
            out.append(sqlite_date)
        else:
            out.append(same)
    return out


TABLES: dict[str, tuple[Any, list[str]]] = {
    "visit": (Visit, ["id", "community", "grid", "business", "visited_at", "volunteers", "mode",
                      "purpose", "found", "needs", "next_visit", "sensitive_note",
                      "created_by", "created_at", "idempotency_key"]),
    "duty": (Duty, ["household", "grid", "rule", "key", "detail", "raised_on", "due", "status",
                    "closed_on", "visit", "assignee"]),
    "dispute": (Dispute, ["id", "ref", "community", "grid", "kind", "source", "case", "summary",
                          "details", "status", "opened_on", "closed_on", "outcome",
                          "outcome_note", "escalated_on", "escalation", "agreement_text",
                          "agreement_on", "followup_due", "followup_on", "followup_holding",
                          "followup_note", "created_by", "created_at", "version"]),
    "party": (DisputeParty, ["dispute", "role", "person", "household", "business", "name"]),
    "session": (MediationSession, ["dispute", "held_at", "place", "attendees", "notes",
                                   "recorded_by", "created_at"]),
    "pairing": (Pairing, ["id", "community", "grid", "household", "helper_kind", "helper_user",
                          "helper_person", "goals", "started", "ended", "status",
                          "last_contact", "created_by", "created_at", "planned_end"]),
    "checkin": (CheckIn, ["pairing", "on", "mode", "note", "visit", "recorded_by"]),
}
THROUGH = {"visit_household": ("households", Visit), "visit_visitor": ("visitors", Visit),
           "visit_case": ("cases", Visit), "mediator": ("mediators", Dispute)}
# Written in this order (rows point at earlier ones); deleted in the reverse.
ORDER = ["visit", "visit_household", "visit_visitor", "visit_case", "duty", "dispute",
         "mediator", "party", "session", "pairing", "checkin"]
COUNT_NAMES = {"visit": "visit", "duty": "duty", "dispute": "dispute", "party": "dispute_party",
               "session": "mediation_session", "pairing": "pairing", "checkin": "checkin"}


def _write(rows: dict[str, list[tuple]], counts: dict[str, int]) -> None:
    from jiayuan.core.bulk import insert_rows

    for key in ORDER:
        data = rows[key]
        if not data:
            continue
        if key in THROUGH:
            through, columns = _through(*THROUGH[key])
            table, adapt = through._meta.db_table, None
        else:
            model, names = TABLES[key]
            table, columns, fields = _columns(model, names)
            adapt = _adapters(fields)
        if adapt is not None:
            data = [tuple(a(v) for a, v in zip(adapt, row, strict=True)) for row in data]
        for start in range(0, len(data), 20000):
            insert_rows(table, columns, data[start:start + 20000])
        if key in COUNT_NAMES:
            counts[COUNT_NAMES[key]] = counts.get(COUNT_NAMES[key], 0) + len(data)


def write_community(ctx: CareContext, community: Community | int, index: int,
                    counts: dict[str, int]) -> None:
    """Plan and write one community's year of care (after its desk cases)."""
    if not isinstance(community, Community):
        community = Community.objects.get(pk=community)
    builder = CommunityCare(ctx, community, index)
    workers = engine.grid_workers()
    builder.assignee = {g.pk: workers.get(g.pk) for g in builder.grids}
    rows = builder.build()
    _write(rows, counts)
    counts["care_account"] = counts.get("care_account", 0) + (
        0 if builder.is_station else len(builder.grids) + 1)


def finish(ctx: CareContext, counts: dict[str, int]) -> None:
    """Reference counters, fresh id sequences, then the real engine for today:
    the replay left it nothing to do (counts["duty_reconciled"] says if it did)."""
    for (prefix, year), last in ctx.refs.items():
        RefCounter.objects.update_or_create(prefix=prefix, year=year, defaults={"last": last})
    sql = connection.ops.sequence_reset_sql(no_style(), [Visit, Dispute, Pairing, Duty,
                                                         DisputeParty, MediationSession,
                                                         CheckIn])
    if sql:
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)
    counts["duty_reconciled"] = engine.run(ctx.now)


# --- reset and top-up -----------------------------------------------------------------

CARE_MODELS = [CheckIn, Pairing, MediationSession, DisputeParty, Dispute, Duty, Visit]


def reset() -> dict[str, int]:
    """Delete every visit, duty, dispute and pairing, and the district's care
    accounts (the festival calendar and the settings stay)."""
    counts = {"visit": Visit.objects.count(), "duty": Duty.objects.count(),
              "dispute": Dispute.objects.count(), "pairing": Pairing.objects.count()}
    quote = connection.ops.quote_name
    tables = [THROUGH[k] for k in ("visit_household", "visit_visitor", "visit_case",
                                   "mediator")]
    with connection.cursor() as cursor:
        for name, model in tables:
            through = model._meta.get_field(name).remote_field.through
            cursor.execute(f"DELETE FROM {quote(through._meta.db_table)}")  # noqa: S608
        for model in CARE_MODELS:
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608
    RefCounter.objects.filter(prefix__endswith="-T").delete()
    accounts = [u.pk for u in User.objects.filter(is_superuser=False, username__regex=r"^c\d")
                if district_account(u.username)]
    if accounts:
        User.grids.through.objects.filter(user_id__in=accounts).delete()
        counts["care_account"] = User.objects.filter(pk__in=accounts).delete()[1].get(
            User._meta.label, 0)
    return counts


def top_up(seed: int, today: date, progress: Callable[[str], None] | None = None
           ) -> dict[str, int]:
    """Add the year of care to a demo database loaded without it (an older bench
    database): communities in id order, the first being the station."""
    from jiayuan.registry.demo.names import STAFF_USERNAMES

    if Visit.objects.exists() or Dispute.objects.exists():
        raise ValueError("The database already holds visits or disputes.")
    staff = {u.username: u for u in User.objects.filter(username__in=STAFF_USERNAMES)}
    ctx = make_context(seed=seed, today=today, staff=staff)
    counts: dict[str, int] = {}
    communities = list(Community.objects.order_by("pk"))
    for index, community in enumerate(communities):
        write_community(ctx, community, index, counts)
        if progress and (index + 1) % 10 == 0:
            progress(f"  care: {index + 1}/{len(communities)} communities, "
                     f"{counts.get('visit', 0):,} visits")
    finish(ctx, counts)
    return counts
