"""Template helpers of visits and care.

`{% load care_tags %}{% duty_reason duty request.user %}` says why a household
is owed a visit, in words the user may read: the very name of some rules
discloses health, hardship or (through a festival) religion, so a role that may
not see sensitive data reads only "Must-visit duty".
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from jiayuan.care.choices import REOPENED_MARK, SENSITIVE_RULES, DutyRule, DutyStatus
from jiayuan.core.roles import Perm
from jiayuan.lib.festivals import festival_label

register = template.Library()


def may_see_sensitive(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.has(Perm.VIEW_SENSITIVE))


def _count(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _festival(detail: dict[str, Any]) -> str:
    code = str(detail.get("festival") or "")
    day = str(detail.get("date") or "")
    if not code:
        return ""
    if not day:
        return festival_label(code)
    return _("%(festival)s on %(date)s") % {"festival": festival_label(code), "date": day}


def _repeat(detail: dict[str, Any]) -> str:
    n, repeats = _count(detail.get("open")), _count(detail.get("repeats"))
    if not n:
        return ""
    if repeats:
        return ngettext("%(n)d unresolved request, the same request again",
                        "%(n)d unresolved requests, including the same request again",
                        n) % {"n": n}
    return ngettext("%(n)d unresolved request", "%(n)d unresolved requests", n) % {"n": n}


@register.simple_tag
def duty_reason(duty: Any, user: Any) -> str:
    """Why the household is owed this visit, in the user's language."""
    if duty.rule in SENSITIVE_RULES and not may_see_sensitive(user):
        return _("Must-visit duty")
    detail = duty.detail if isinstance(duty.detail, dict) else {}
    text = ""
    if duty.rule == DutyRule.DISPUTE:
        refs = [str(r) for r in detail.get("refs") or () if r]
        # The references are for those who may open the disputes.
        if refs and getattr(user, "is_authenticated", False) and user.has(Perm.VIEW_DISPUTES):
            text = _("Open dispute %(refs)s") % {"refs": ", ".join(refs)}
    elif duty.rule == DutyRule.REPEAT:
        text = _repeat(detail)
    elif duty.rule == DutyRule.FESTIVAL:
        text = _festival(detail)
    return text or str(duty.get_rule_display())


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
