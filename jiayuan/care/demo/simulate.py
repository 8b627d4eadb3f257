"""The must-visit engine (jiayuan.care.duties) replayed over the demo's year for
one household, in memory.

`duties.run(now)` reads the *current* state (a dispute's status today, the
cases open today), so it cannot be run for a day in the past of generated data.
The demo instead knows each condition's history — when a dispute was opened and
closed, a circumstance's dates, when each desk case was open, the festival
calendar — and applies the same rules as if the tick had run every day of the
year: a duty is raised on the first day its rule holds, due `<rule>_due` days
later (a festival: on the day), closed by the first face-to-face visit on or
after that day, lapsed on the first day the rule no longer holds (a festival:
`FESTIVAL_GRACE_DAYS` after the day), and raised again `<rule>_every` days
after the last one while the rule holds. The loader then runs the real engine
once for today; a faithful replay leaves it nothing to write (tested).

Only days on which something can change are visited (condition boundaries,
visits, the days a duty may come round again), so a household costs a few
dozen steps, not 365.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from jiayuan.care.choices import DutyRule, DutyStatus
from jiayuan.care.duties import FESTIVAL_GRACE_DAYS

RULES = list(DutyRule.values)
SPAN_RULES = (DutyRule.ILLNESS, DutyRule.HARDSHIP, DutyRule.DISABILITY)


@dataclass
class Conditions:
    """What makes a household owed a visit, with dates. Intervals are [from, to):
    `to` is the first day the condition no longer holds (None: still holds)."""

    spans: dict[str, list[tuple[date, date | None]]] = field(default_factory=dict)
    disputes: list[tuple[date, date | None, str]] = field(default_factory=list)  # ref
    cases: list[tuple[date, date | None, bool]] = field(default_factory=list)  # is_repeat
    festivals: list[tuple[str, date]] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.spans or self.disputes or self.cases or self.festivals)


@dataclass
class SimDuty:
    rule: str
    key: str
    detail: dict[str, Any]
    raised: date
    due: date
    status: str = DutyStatus.OPEN
    closed: date | None = None
    visit: Any = None
    respond: date | None = None  # the day the worker means to go (None: no plan)


def _within(day: date, start: date, end: date | None) -> bool:
    return start <= day and (end is None or day < end)


class Household:
    """One household's year: call `run()` once."""

    def __init__(self, cond: Conditions, *, present_from: date, gone: date | None,
                 start: date, today: date, params: Any, repeat_open: int,
                 visits: list[tuple[date, bool, Any]],
                 respond: Callable[[SimDuty], date | None],
                 make_visit: Callable[[date, SimDuty], Any]) -> None:
        self.c = cond
        self.present_from, self.gone = present_from, gone
        self.start, self.today, self.p = start, today, params
        self.repeat_open = repeat_open  # the desk's threshold (selectors.repeat_threshold)
        self.visits = visits  # (day, qualifying, visit), days before today
        self.respond, self.make_visit = respond, make_visit
        self.duties: list[SimDuty] = []
        self.open: dict[tuple[str, str], SimDuty] = {}
        self.last: dict[str, date] = {}
        self.raised_keys: set[str] = set()
        self.days: list[date] = []

    def present(self, day: date) -> bool:
        return self.present_from <= day and (self.gone is None or day < self.gone)

    def holds(self, rule: str, day: date) -> dict[str, Any] | None:
        if not self.present(day):
            return None
        c = self.c
        if rule == DutyRule.DISPUTE:
            refs = sorted({ref for a, b, ref in c.disputes if _within(day, a, b)})
            return {"refs": refs} if refs else None
        if rule in SPAN_RULES:
            spans = c.spans.get(rule, ())
            return {} if any(_within(day, a, b) for a, b in spans) else None
        if rule == DutyRule.REPEAT:
            n = repeats = 0
            for a, b, is_repeat in c.cases:
                if _within(day, a, b):
                    n += 1
                    repeats += is_repeat
            if n and (n >= self.repeat_open or repeats):
                return {"open": n, "repeats": repeats}
        return None

    def _push(self, day: date | None) -> None:
        if day is not None and self.start <= day <= self.today:
            heapq.heappush(self.days, day)

    def _raise(self, rule: str, key: str, detail: dict[str, Any], day: date, due: date) -> None:
        duty = SimDuty(rule=rule, key=key, detail=detail, raised=day, due=due)
        self.duties.append(duty)
        self.open[(rule, key)] = duty
        self.last[rule] = day
        duty.respond = self.respond(duty)
        if duty.respond is not None and duty.respond < self.today:
            self._push(max(duty.respond, day))
        if rule != DutyRule.FESTIVAL:
            self._push(day + timedelta(days=self.p.every_days(rule)))

    def _end(self, duty: SimDuty, status: str, day: date, visit: Any = None) -> None:
        duty.status, duty.closed, duty.visit = status, day, visit
        del self.open[(duty.rule, duty.key)]

    def tick(self, day: date) -> None:
        p = self.p
        for rule in RULES:
            if rule == DutyRule.FESTIVAL:
                for duty in [d for (r, _k), d in self.open.items() if r == rule]:
                    if not self.present(day) or duty.due < day - timedelta(
                            days=FESTIVAL_GRACE_DAYS):
                        self._end(duty, DutyStatus.LAPSED, day)
                if not self.present(day):
                    continue
                for code, when in self.c.festivals:
                    key = f"{code}:{when.isoformat()}"
                    if day <= when <= day + timedelta(days=p.festival_lead) and (
                            key not in self.raised_keys):
                        self.raised_keys.add(key)
                        self._raise(rule, key, {"festival": code, "date": when.isoformat()},
                                    day, when)
                continue
            detail = self.holds(rule, day)
            duty = self.open.get((rule, ""))
            if duty is not None:
                if detail is None:
                    self._end(duty, DutyStatus.LAPSED, day)
                elif detail != duty.detail and rule == DutyRule.DISPUTE:
                    duty.detail = detail
            if detail is not None and (rule, "") not in self.open:
                last = self.last.get(rule)
                if last is None or last <= day - timedelta(days=p.every_days(rule)):
                    self._raise(rule, "", detail, day, day + timedelta(days=p.due_days(rule)))

    def visit(self, day: date, visit: Any) -> None:
        for duty in [d for d in self.open.values() if d.raised <= day]:
            self._end(duty, DutyStatus.DONE, day, visit)

    def run(self) -> list[SimDuty]:
        c, lead = self.c, timedelta(days=self.p.festival_lead)
        self._push(self.start)
        for day in (self.present_from, self.gone):
            self._push(day)
        for spans in c.spans.values():
            for a, b in spans:
                self._push(max(a, self.start))
                self._push(b)
        for a, b, _x in [*c.disputes, *c.cases]:
            self._push(max(a, self.start))
            self._push(b)
        for _code, when in c.festivals:
            self._push(max(when - lead, self.start))
            self._push(when + timedelta(days=FESTIVAL_GRACE_DAYS + 1))
        by_day: dict[date, list[tuple[bool, Any]]] = {}
        for day, qualifying, visit in self.visits:
            by_day.setdefault(day, []).append((qualifying, visit))
            self._push(day)
        seen = None
        while self.days:
            day = heapq.heappop(self.days)
            if day == seen:
                continue
            seen = day
            self.tick(day)
            if day >= self.today:
                continue
            before = len(self.open)
            for qualifying, visit in by_day.get(day, ()):
                if qualifying:
                    self.visit(day, visit)
            for duty in [d for d in self.open.values() if d.respond == day]:
                if duty.status == DutyStatus.OPEN:
                    self.visit(day, self.make_visit(day, duty))
            if len(self.open) < before:
                # The tick runs every few minutes: the one after the visit raises
                # the next duty at once if its time has come.
                self.tick(day)
        return self.duties
