"""The six must-visit duties (六必访): which households are owed a visit, raised
and lapsed by `manage.py tick` (`run`, care's scheduled job; importable as
`jiayuan.care.duties.run`).

A rule *holds* for a household on a day:

1. dispute     — it is a party to a dispute that is open or in mediation;
2. illness     — a member has a current "serious illness" circumstance;
3. repeat      — it has at least the community's repeat threshold of unresolved
                 requests at the desk, or an unresolved request that repeats
                 one made within the desk's repeat window (both from
                 desk.selectors.repeat_threshold);
4. hardship    — a current "hardship" or "minimum-income subsidy" circumstance;
5. disability  — a member has a current "disability" circumstance;
6. festival    — a festival the household itself declared falls within
                 `festival_lead` days, by the station's festival calendar.
                 Never inferred from anyone's ethnicity.

While a rule holds, the household has one duty of it: raised with a due date
`<rule>_due` days later, closed by a face-to-face visit (QUALIFYING_MODES) on or
after the day it was raised, and raised again `<rule>_every` days after the
last visited one while the rule still holds (a lapsed duty blocks nothing). A festival duty is due on the festival
day, one per occurrence. When a rule stops holding (the dispute closed, the
illness ended, the household moved away), its open duty lapses; a festival duty
lapses `FESTIVAL_GRACE_DAYS` after the day.

Idempotent: a second run on the same day writes nothing, because what a run
would write is computed from the duties already there. Killed mid-way, a run
leaves whole batches (one transaction each) and the next run completes the
rest; the partial unique constraints on Duty refuse a duplicate even if two
runs ever overlapped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Case as DbCase
from django.db.models import Count, IntegerField, Max, Q, Sum, Value, When
from django.utils import timezone

from jiayuan.care.choices import OPEN_DISPUTE_STATUSES, DutyRule, DutyStatus
from jiayuan.care.models import CareSettings, DisputeParty, Duty, FestivalDate
from jiayuan.core import audit
from jiayuan.core.models import AuditAction
from jiayuan.core.roles import Role
from jiayuan.desk.choices import OPEN_STATUSES
from jiayuan.desk.models import Case
from jiayuan.desk.selectors import repeat_threshold, repeat_thresholds
from jiayuan.places.models import Grid
from jiayuan.registry.choices import CircumstanceKind
from jiayuan.registry.models import Circumstance, Household

# Rows per transaction; module-level so tests can shrink it to simulate a kill.
BATCH = 2000
# Days after the festival that an unvisited festival duty stays open.
FESTIVAL_GRACE_DAYS = 7

CIRCUMSTANCE_RULES: dict[str, tuple[str, ...]] = {
    DutyRule.ILLNESS: (CircumstanceKind.SERIOUS_ILLNESS,),
    DutyRule.HARDSHIP: (CircumstanceKind.HARDSHIP, CircumstanceKind.MINIMUM_INCOME),
    DutyRule.DISABILITY: (CircumstanceKind.DISABILITY,),
}

# household id -> (grid id, detail, key)
Holding = dict[int, list[tuple[int, dict[str, Any], str]]]


class Params:
    """Each community's settings, looked up by grid."""

    def __init__(self) -> None:
        saved = {s.community_id: s for s in CareSettings.objects.all()}
        self.grid_community = dict(Grid.objects.values_list("id", "community_id"))
        self._by_community = saved
        self._repeat = repeat_thresholds()
        self._repeat_default = repeat_threshold(None)

    def repeat_open(self, grid_id: int) -> int:
        """The desk's repeat threshold of the grid's community."""
        community_id = self.grid_community.get(grid_id)
        found = self._repeat.get(community_id) if community_id is not None else None
        return (found or self._repeat_default).open

    def of_grid(self, grid_id: int) -> CareSettings:
        community_id = self.grid_community.get(grid_id)
        found = self._by_community.get(community_id)
        if found is None:
            found = self._by_community[community_id] = CareSettings(community_id=community_id)
        return found

    def max_of(self, attr: str) -> int:
        values = [getattr(s, attr) for s in self._by_community.values()]
        return max([getattr(CareSettings(), attr), *values])


def _current(today: date) -> Q:
    return Q(started__lte=today) & (Q(ended__isnull=True) | Q(ended__gte=today))


def holding(rule: str, today: date, params: Params) -> Holding:
    """Households for which `rule` holds today, with what the duty records."""
    found: Holding = defaultdict(list)
    active = Q(household__moved_out__isnull=True)
    if rule == DutyRule.DISPUTE:
        rows = (DisputeParty.objects.filter(active, household__isnull=False,
                                            dispute__status__in=OPEN_DISPUTE_STATUSES)
                .values_list("household_id", "household__grid_id", "dispute__ref")
                .order_by("dispute__ref").distinct())
        refs: dict[int, list[str]] = defaultdict(list)
        grids: dict[int, int] = {}
        for household_id, grid_id, ref in rows:
            refs[household_id].append(ref)
            grids[household_id] = grid_id
        for household_id, grid_id in grids.items():
            found[household_id].append((grid_id, {"refs": refs[household_id]}, ""))
    elif rule in CIRCUMSTANCE_RULES:
        rows = (Circumstance.objects.filter(active, _current(today),
                                            kind__in=CIRCUMSTANCE_RULES[rule])
                # A member who has left the community is no reason to visit.
                .exclude(person__left_on__lte=today)
                .values_list("household_id", "household__grid_id").distinct())
        for household_id, grid_id in rows:
            found[household_id] = [(grid_id, {}, "")]
    elif rule == DutyRule.REPEAT:
        rows = (Case.objects.filter(active, household__isnull=False, status__in=OPEN_STATUSES)
                .values("household_id", "household__grid_id")
                .annotate(n=Count("id"), repeats=Sum(DbCase(
                    When(is_repeat=True, then=Value(1)), default=Value(0),
                    output_field=IntegerField()))))
        for row in rows:
            grid_id = row["household__grid_id"]
            if row["n"] >= params.repeat_open(grid_id) or row["repeats"]:
                found[row["household_id"]] = [
                    (grid_id, {"open": row["n"], "repeats": row["repeats"]}, "")]
    elif rule == DutyRule.FESTIVAL:
        lead = params.max_of("festival_lead")
        upcoming: dict[str, list[date]] = defaultdict(list)
        for code, day in FestivalDate.objects.filter(
                date__gte=today, date__lte=today + timedelta(days=lead)).values_list(
                "festival", "date"):
            upcoming[code].append(day)
        if not upcoming:
            return found
        rows = (Household.objects.filter(moved_out__isnull=True).exclude(festivals=[])
                .values_list("id", "grid_id", "festivals").iterator(chunk_size=5000))
        for household_id, grid_id, festivals in rows:
            window = today + timedelta(days=params.of_grid(grid_id).festival_lead)
            for code in festivals or ():
                for day in upcoming.get(code, ()):
                    if day <= window:
                        found[household_id].append(
                            (grid_id, {"festival": code, "date": day.isoformat()},
                             f"{code}:{day.isoformat()}"))
    return found


def _blocked(rule: str, today: date, params: Params) -> dict[int, set[str] | date]:
    """Households that need no new duty of `rule`: keys (festival) or the day
    the last duty was raised (others: an open one, or a recent one)."""
    if rule == DutyRule.FESTIVAL:
        keys: dict[int, set[str]] = defaultdict(set)
        for household_id, key in (Duty.objects.filter(rule=rule, raised_on__gte=today - timedelta(
                days=366)).values_list("household_id", "key")):
            keys[household_id].add(key)
        return keys
    every = params.max_of(CareSettings.RULE_FIELDS[rule][1])
    rows = (Duty.objects.filter(rule=rule)
            # A lapsed duty (its reason ended) blocks nothing: a new dispute or a
            # new illness is owed a visit at once.
            .filter(Q(status=DutyStatus.OPEN)
                    | Q(status=DutyStatus.DONE, raised_on__gt=today - timedelta(days=every)))
            .values("household_id").annotate(last=Max("raised_on"), open=Sum(DbCase(
                When(status=DutyStatus.OPEN, then=Value(1)), default=Value(0),
                output_field=IntegerField()))))
    # An open duty blocks whatever its date: use a date far in the future.
    return {r["household_id"]: (date.max if r["open"] else r["last"]) for r in rows}


def grid_workers(grid_ids: list[int] | None = None) -> dict[int, int]:
    """Grid id -> the grid worker who answers for it (the first active grid
    worker account whose scope names that grid); `grid_ids` limits the look-up."""
    from jiayuan.core.models import User

    rows = (User.grids.through.objects.filter(user__role=Role.GRIDWORKER, user__is_active=True)
            .order_by("user_id").values_list("grid_id", "user_id"))
    if grid_ids is not None:
        rows = rows.filter(grid_id__in=grid_ids)
    workers: dict[int, int] = {}
    for grid_id, user_id in rows:
        workers.setdefault(grid_id, user_id)
    return workers


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def to_raise(rule: str, today: date, params: Params, workers: dict[int, int],
             holds: Holding) -> list[Duty]:
    blocked = _blocked(rule, today, params)
    new: list[Duty] = []
    for household_id, entries in holds.items():
        block = blocked.get(household_id)
        for grid_id, detail, key in entries:
            settings_ = params.of_grid(grid_id)
            if rule == DutyRule.FESTIVAL:
                if block and key in block:
                    continue
                due = date.fromisoformat(detail["date"])
            else:
                if block is not None and (
                        block == date.max
                        or block > today - timedelta(days=settings_.every_days(rule))):
                    continue
                due = today + timedelta(days=settings_.due_days(rule))
            new.append(Duty(household_id=household_id, grid_id=grid_id, rule=rule, key=key,
                            detail=detail, raised_on=today, due=due,
                            assignee_id=workers.get(grid_id)))
    return new


def to_lapse(rule: str, today: date, holds: Holding) -> list[int]:
    """Open duties of `rule` whose reason no longer holds."""
    open_duties = Duty.objects.filter(rule=rule, status=DutyStatus.OPEN)
    if rule == DutyRule.FESTIVAL:
        # Lapses a week after the day, or at once when the household no longer
        # declares the festival (or withdrew its consent) or the station took
        # that day off its calendar (a corrected date raises a new duty).
        last_day = (today - timedelta(days=FESTIVAL_GRACE_DAYS)).isoformat()
        rows = list(open_duties.values_list("id", "detail", "household__moved_out",
                                            "household__festivals"))
        on_calendar = {f"{code}:{day.isoformat()}" for code, day in FestivalDate.objects.filter(
            date__gte=today - timedelta(days=FESTIVAL_GRACE_DAYS + 1)).values_list(
            "festival", "date")} if rows else set()
        return [pk for pk, detail, moved_out, declared in rows
                if moved_out is not None or detail.get("date", "") < last_day
                or detail.get("festival") not in (declared or ())
                or f"{detail.get('festival')}:{detail.get('date')}" not in on_calendar]
    return [pk for pk, household_id in open_duties.values_list("id", "household_id")
            if household_id not in holds]


def _update_refs(rule: str, holds: Holding) -> int:
    """Keep an open dispute duty's list of disputes current (a second dispute
    opened while the first duty waits)."""
    if rule != DutyRule.DISPUTE:
        return 0
    changed = []
    for duty in Duty.objects.filter(rule=rule, status=DutyStatus.OPEN).only("id", "detail",
                                                                           "household_id"):
        entries = holds.get(duty.household_id)
        if entries and entries[0][1] != duty.detail:
            duty.detail = entries[0][1]
            changed.append(duty)
    for batch in _batches(changed, BATCH):
        with transaction.atomic():
            Duty.objects.bulk_update(batch, ["detail"])
    return len(changed)


def run(now: datetime, rules: Iterable[str] = DutyRule.values) -> int:
    """Lapse what no longer holds, then raise what is owed. Returns rows written.

    Each batch is audited with its rule and count only: the ids with the rule
    would tell the audit log's readers who is ill or in hardship."""
    today = timezone.localdate(now)
    params = Params()
    workers = grid_workers()
    written = 0
    for rule in rules:
        # Read once per rule: lapsing changes no reason, so raising sees the same.
        holds = holding(rule, today, params)
        for batch in _batches(to_lapse(rule, today, holds), BATCH):
            with transaction.atomic():
                n = Duty.objects.filter(pk__in=batch, status=DutyStatus.OPEN).update(
                    status=DutyStatus.LAPSED, closed_on=today)
                _audit("lapsed", rule, n)
                written += n
        written += _update_refs(rule, holds)
        for batch in _batches(to_raise(rule, today, params, workers, holds), BATCH):
            with transaction.atomic():
                Duty.objects.bulk_create(batch)
                _audit("raised", rule, len(batch))
                written += len(batch)
    return written


def _audit(what: str, rule: str, n: int) -> None:
    if n:
        audit.record(AuditAction.UPDATE if what == "lapsed" else AuditAction.CREATE,
                     username="tick", object_type="care.duty", object_id=what,
                     object_repr=f"{what} {n}", changes={"rule": rule, "count": n})


def close_by_visit(visit: Any, households: list[int], day: date) -> int:
    """Close the open duties of `households` raised on or before `day`."""
    return Duty.objects.filter(household_id__in=households, status=DutyStatus.OPEN,
                               raised_on__lte=day).update(status=DutyStatus.DONE,
                                                          closed_on=day, visit=visit)


