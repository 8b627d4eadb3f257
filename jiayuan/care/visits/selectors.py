"""Reading visits: in scope when their grid is."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jiayuan.care.models import Visit
from jiayuan.core import audit
from jiayuan.core.access import Perms, get_for
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import filter_by_grid
from jiayuan.core.staff import staff_with


def _allowed(actor: User, perm: Perm) -> bool:
    return actor.is_authenticated and actor.has(perm)


def visits_for(actor: User) -> QuerySet[Visit]:
    if not _allowed(actor, Perm.VIEW_VISITS):
        return Visit.objects.none()
    return filter_by_grid(Visit.objects.all(), actor)


def get_visit_for(actor: User, pk: Any, *, perm: Perms = Perm.VIEW_VISITS) -> Visit:
    return get_for(actor, perm, visits_for(actor).select_related(
        "business", "created_by", "grid"), pk)


def show_sensitive_note(actor: User, visit: Visit) -> bool:
    """Whether the visit page shows the sensitive note to `actor`; when it
    shows one, the reading is recorded (the audit log says who read it)."""
    shown = _allowed(actor, Perm.VIEW_SENSITIVE)
    if shown and visit.sensitive_note:
        audit.record(AuditAction.VIEW_SENSITIVE, actor=actor, obj=visit,
                     changes={"shown": ["sensitive_note"]})
    return shown


def visit_staff(actor: User) -> QuerySet[User]:
    """Accounts that may go on a visit (or help a household as staff): active,
    allowed to log visits, same community. The forms offer these; the services
    accept no other."""
    return staff_with(actor, Perm.LOG_VISITS)
