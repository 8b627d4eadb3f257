"""Civic's sections of other apps' pages (registered in CivicConfig.ready)."""

from __future__ import annotations

from typing import Any

from jiayuan.civic.meetings import selectors as meetings


def person_meetings(actor: Any, person: Any, query: Any) -> tuple[str, dict[str, Any]] | None:
    """The meetings a resident attended: kind, title and date, nothing else."""
    attended = meetings.attended_by(actor, person)
    if not attended:
        return None
    return "civic/_person_meetings.html", {"attended": attended}


def case_decisions(actor: Any, case: Any, query: Any) -> tuple[str, dict[str, Any]] | None:
    """The meeting decisions a case carries out."""
    decisions = meetings.decisions_carried_by_case(actor, case)
    if not decisions:
        return None
    return "civic/_case_decisions.html", {"decisions": decisions}
