"""Reading activities (scope: core.scope.by_grid_or_community): sessions,
sign-ups, participation figures, and what the portal shows."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jiayuan.core import audit
from jiayuan.core.access import Perms, as_id, get_for, require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import by_grid_or_community
from jiayuan.engage.activities.models import Activity, ActivitySession, SignUp
from jiayuan.engage.choices import SignUpStatus
from jiayuan.registry.choices import Residency


def activities_for(actor: User) -> QuerySet[Activity]:
    if not (actor.is_authenticated and actor.has(Perm.VIEW_ENGAGE)):
        return Activity.objects.none()
    return by_grid_or_community(Activity.objects.all(), actor)


def get_activity_for(actor: User, pk: Any, *, perm: Perms = Perm.VIEW_ENGAGE) -> Activity:
    return get_for(actor, perm, activities_for(actor).select_related(
        "community", "grid", "organiser"), pk)


def sessions_for(actor: User) -> QuerySet[ActivitySession]:
    return ActivitySession.objects.filter(activity__in=activities_for(actor))


def get_session_for(actor: User, pk: Any, *,
                    perm: Perms = Perm.VIEW_ENGAGE) -> ActivitySession:
    return get_for(actor, perm, sessions_for(actor).select_related("activity"), pk)


def get_session_by_checkin(actor: User, token: str, *,
                           perm: Perms = Perm.RUN_ACTIVITIES) -> ActivitySession:
    """The session whose door QR holds `token` (permission first, then
    scope: another's or an unknown token is the same 404)."""
    for one in perm if isinstance(perm, tuple) else (perm,):
        require(actor, one)
    token = str(token)[:32]
    found = sessions_for(actor).select_related("activity").filter(checkin_token=token).first()
    if found is None:
        other = ActivitySession.objects.filter(checkin_token=token).values_list(
            "pk", flat=True).first()
        if other is not None:
            audit.record(AuditAction.DENIED, actor=actor, object_type="engage.activitysession",
                         object_id=other, object_repr="")
        raise Http404
    return found


def activity_list(actor: User, *, kind: str = "", q: str = "",
                  upcoming: bool = False) -> QuerySet[Activity]:
    qs = activities_for(actor).select_related("grid")
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(title__icontains=q)
    if upcoming:
        qs = qs.filter(sessions__ends_at__gte=timezone.now()).distinct()
    return qs.annotate(
        n_sessions=Count("sessions", distinct=True),
        n_confirmed=Count("sessions__signups", distinct=True,
                          filter=Q(sessions__signups__status=SignUpStatus.CONFIRMED))
    ).order_by("-created_at", "-pk")


def sessions_with_counts(activity: Activity) -> list[ActivitySession]:
    # Ordered here: a grouped query drops the model's default ordering (on
    # PostgreSQL the sessions came back in any order).
    return list(activity.sessions.annotate(
        n_confirmed=Count("signups", filter=Q(signups__status=SignUpStatus.CONFIRMED)),
        n_waiting=Count("signups", filter=Q(signups__status=SignUpStatus.WAITING)),
        n_attended=Count("signups", filter=Q(signups__attended_at__isnull=False)),
    ).order_by("starts_at", "pk"))


def signups_of(session: ActivitySession) -> list[SignUp]:
    """The roll-call: confirmed first, then the waiting list in its order,
    then the cancelled."""
    order: dict[str, int] = {SignUpStatus.CONFIRMED: 0, SignUpStatus.WAITING: 1,
                             SignUpStatus.CANCELLED: 2}
    rows = list(session.signups.select_related("person").order_by("created_at", "pk"))
    return sorted(rows, key=lambda s: order.get(s.status, 3))


def residency_figures(activity: Activity) -> list[tuple[str, int]]:
    """Confirmed participants by the residency category of their household
    (registry); portal sign-ups without a registry match count as "not in
    the registry". No other attribute is counted."""
    rows = (SignUp.objects.filter(session__activity=activity, status=SignUpStatus.CONFIRMED)
            .values("person__household__residency").annotate(n=Count("pk")))
    counts = {r["person__household__residency"]: r["n"] for r in rows}
    labels = dict(Residency.choices)
    out = [(str(labels[key]), counts.get(key, 0)) for key in Residency.values]
    out.append((str(_not_registered()), counts.get(None, 0)))
    return out


def _not_registered() -> str:
    from django.utils.translation import gettext

    return gettext("Not in the registry")


# --- the portal ----------------------------------------------------------------------

def public_activities() -> QuerySet[Activity]:
    """Published activities with a session still to come."""
    return (Activity.objects.filter(published=True, sessions__ends_at__gte=timezone.now(),
                                    sessions__cancelled=False)
            .distinct().order_by("pk"))


def public_activity(pk: Any) -> Activity:
    found = Activity.objects.filter(published=True, pk=as_id(pk) or 0).first()
    if found is None:
        raise Http404
    return found


def public_sessions(activity: Activity) -> list[ActivitySession]:
    """The sessions still to come, not cancelled, each with `left`: places
    left (None: no limit; 0: full, sign-ups go to the waiting list)."""
    now = timezone.now()
    rows = [s for s in sessions_with_counts(activity) if not s.cancelled and s.ends_at > now]
    for s in rows:
        s.left = None if s.capacity is None else max(s.capacity - s.n_confirmed, 0)  # type: ignore[attr-defined]
    return rows


def public_signup(token: str) -> SignUp | None:
    return (SignUp.objects.select_related("session__activity")
            .filter(token=str(token)[:32]).first())


def waiting_position(signup: SignUp) -> int | None:
    if signup.status != SignUpStatus.WAITING:
        return None
    return SignUp.objects.filter(session_id=signup.session_id, status=SignUpStatus.WAITING).filter(
        Q(created_at__lt=signup.created_at) | Q(created_at=signup.created_at, pk__lt=signup.pk)
    ).count() + 1
