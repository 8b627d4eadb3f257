"""Participation's sections of other apps' pages (registered in
EngageConfig.ready): a resident's file shows their volunteering."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from jiayuan.engage.volunteers import selectors as volunteers


def person_volunteer(actor: Any, person: Any, query: Any) -> tuple[str, dict[str, Any]] | None:
    """Volunteer: roles and this year's hours (for accounts that see
    volunteers; nothing for others, or for a resident who does not volunteer)."""
    v = volunteers.volunteer_of_person(actor, person)
    if v is None:
        return None
    year = timezone.localdate().year
    hours = volunteers.hours_total(v, year)
    return "engage/_volunteer_person.html", {
        "volunteer": v, "roles": list(v.roles.all()), "year": year, "year_hours": hours,
        "tier": volunteers.tier_label(volunteers.tier_for(hours))}
