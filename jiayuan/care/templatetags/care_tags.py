"""Template helpers of visits and care.

`{% load care_tags %}{% duty_reason duty request.user %}` says why a household
is owed a visit, in words the user may read (jiayuan.care.duties.selectors
decides which: the very name of some rules discloses health, hardship or,
through a festival, religion).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import pgettext

from jiayuan.care.choices import REOPENED_MARK, DutyStatus
from jiayuan.care.duties import selectors

register = template.Library()


@register.simple_tag
def duty_reason(duty: Any, user: Any) -> str:
    """Why the household is owed this visit, in the user's language (the
    duties' selector decides what the user may read)."""
    return selectors.duty_reason(duty, user)


@register.filter
def days_late(duty: Any, today: date | None = None) -> int:
    """Days an open duty is past its due date (0 when it is not)."""
    if duty.status != DutyStatus.OPEN:
        return 0
    today = today or timezone.localdate()
    return max((today - duty.due).days, 0)


@register.filter
def dispute_note(note: str) -> str:
    """A dispute's outcome note with its reopening lines in the reader's language."""
    return "\n".join(
        f"{pgettext('dispute', 'Reopened')}: {line[len(REOPENED_MARK):]}"
        if line.startswith(REOPENED_MARK) else line for line in (note or "").split("\n"))
