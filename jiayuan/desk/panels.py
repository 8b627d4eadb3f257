"""The service desk's sections of the registry's household and person pages
(registered in DeskConfig.ready through jiayuan.registry.panels)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from jiayuan.desk.selectors import household_cases_flagged
from jiayuan.desk.selectors import person_cases as _person_cases


def household_cases(actor: Any, household: Any, query: Any) -> tuple[str, dict[str, Any]]:
    cases, flags = household_cases_flagged(actor, household)
    return "desk/_household_cases.html", {
        "cases": cases, "now": timezone.now(), "repeat_flags": flags}


def person_cases(actor: Any, person: Any, query: Any) -> tuple[str, dict[str, Any]]:
    return "desk/_person_cases.html", {"cases": _person_cases(actor, person),
                                       "now": timezone.now()}
