"""The wall chart's colour of a project (挂图作战): its milestones' planned
dates against the dates they were reached, not its percent alone.

`health(project, today)` is the one rule, read in this order:

1. DONE      the project is done. A cancelled one is closed too (nothing more
             is due): it counts as DONE, and the wall chart leaves it out.
2. LATE      a milestone's planned date has passed unreached
             (planned_on < today, no done_on), or the planned end has passed
             with the project unfinished (ends_on < today). Due *today* is not
             yet late: a milestone planned for today turns late tomorrow.
3. AT_RISK   either the schedule slipped (a milestone was reached after its
             planned date, even by a day), or the next date due — the next
             unreached milestone, else the planned end — falls within
             RISK_DAYS days (today … today + 7, both ends included) while the
             progress is behind schedule (below `expected_progress`).
4. ON_TRACK  otherwise.

A project with sub-projects is also as bad as its worst open sub-project
(LATE beats AT_RISK beats ON_TRACK; done and cancelled children add nothing).

Reads `project.milestones.all()` and `project.children.all()` (with their
milestones): prefetch them (selectors.board does) and this makes no query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from jiayuan.civic.choices import Health, ProjectStatus

#: How close the next date due must be for a project behind schedule to be at risk.
RISK_DAYS = 7

#: The wall chart's words for its colours ("Late" alone is taken elsewhere for
#: a visit done after its date).
LABELS = {Health(value): label for value, label in Health.choices}


@dataclass(frozen=True)
class Colour:
    """A health for templates: `{{ c }}` is its value (a CSS class), and
    `{{ c.label }}` its word on the wall chart."""

    health: Health

    @property
    def label(self) -> str:
        return str(LABELS[self.health])

    def __str__(self) -> str:
        return str(self.health.value)


_RANK = {Health.DONE: 0, Health.ON_TRACK: 1, Health.AT_RISK: 2, Health.LATE: 3}


def expected_progress(project: Any, today: date) -> int:
    """The percent the project should show by `today` if work went evenly from
    its start to its planned end (0 before the start, 100 from the end on)."""
    if today < project.starts_on:
        return 0
    span = (project.ends_on - project.starts_on).days
    if span <= 0 or today >= project.ends_on:
        return 100
    return (today - project.starts_on).days * 100 // span


def next_due(project: Any, milestones: list[Any]) -> date:
    """The next date the project answers to: its first unreached milestone,
    else its planned end."""
    open_dates = [m.planned_on for m in milestones if m.done_on is None]
    return min(open_dates) if open_dates else project.ends_on


def own_health(project: Any, today: date) -> Health:
    """The colour from the project's own milestones and dates (rules 1–4)."""
    if project.status in (ProjectStatus.DONE, ProjectStatus.CANCELLED):
        return Health.DONE
    milestones = list(project.milestones.all())
    if project.ends_on < today or any(
            m.done_on is None and m.planned_on < today for m in milestones):
        return Health.LATE
    if any(m.done_on is not None and m.done_on > m.planned_on for m in milestones):
        return Health.AT_RISK
    due = next_due(project, milestones)
    if due <= today + timedelta(days=RISK_DAYS) and (
            project.progress < expected_progress(project, today)):
        return Health.AT_RISK
    return Health.ON_TRACK


def worst(colours: list[Health]) -> Health:
    return max(colours, key=lambda h: _RANK[h]) if colours else Health.ON_TRACK


def health(project: Any, today: date) -> Health:
    """The wall chart's colour of `project` on `today` (see the module's rule)."""
    mine = own_health(project, today)
    if mine == Health.DONE:
        return mine
    children = [own_health(child, today) for child in project.children.all()]
    return worst([mine, *[c for c in children if c != Health.DONE]])
