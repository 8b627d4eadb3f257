"""Writing activities: the activity and its sessions, sign-ups by staff and on
the portal, the waiting list and its automatic promotion, and matching a
portal sign-up to the resident it names in the registry.

The waiting list's rule lives in `_place` and `_promote`, both run with the
session's row locked (select_for_update), so two sign-ups for the last place,
or two cancellations at once, count the confirmed places in turn: a freed
place goes to exactly one waiting sign-up (the earliest, by created_at then
pk)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.core import audit, locks
from jiayuan.core.access import require
from jiayuan.core.crypto import decrypt, encrypt, lookup_hash
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.core.unique import unique_or
from jiayuan.core.versioning import claim
from jiayuan.desk.services import (
    Limit,
    next_ref,
    portal_pow_redeem,
    portal_submissions_limit,
    portal_throttled,
)
from jiayuan.engage.activities.models import Activity, ActivitySession, SignUp
from jiayuan.engage.activities.selectors import activities_for, sessions_for
from jiayuan.engage.choices import ActivityKind, SignUpSource, SignUpStatus
from jiayuan.lib.phone import PhoneError, mask_phone, normalize_phone
from jiayuan.places.models import Community, Grid
from jiayuan.registry.models import Person
from jiayuan.registry.selectors import people_for
from jiayuan.registry.services.common import check_not_erased

MAX_PORTAL_NAMES = 6  # one household signing up its members at once
ACTIVE = (SignUpStatus.CONFIRMED, SignUpStatus.WAITING)


def _created(actor: User | None, obj: Activity | ActivitySession | SignUp) -> None:
    # Without an account the resident acted on the portal: the entry says so.
    audit.record(AuditAction.CREATE, actor=actor, obj=obj, username="" if actor else "portal",
                 changes=audit.created(audit.snapshot(obj, type(obj).AUDIT_FIELDS),
                                       getattr(type(obj), "SENSITIVE_FIELDS", ())))


def _changed(actor: User | None, obj: ActivitySession | SignUp,
             before: dict[str, object]) -> None:
    audit.record(AuditAction.UPDATE, actor=actor, obj=obj, username="" if actor else "portal",
                 changes=audit.diff(before, audit.snapshot(obj, type(obj).AUDIT_FIELDS)))


# --- activities and sessions -------------------------------------------------------

def _grid_and_community(actor: User, grid: Grid | None) -> tuple[Grid | None, Community]:
    if grid is not None:
        if not in_scope(actor, grid.pk):
            raise ValidationError({"grid": _("Grid %(g)s is not in your grids.")
                                   % {"g": grid.code}})
        return grid, Community.objects.get(pk=grid.community_id)
    # A community-wide account may run an activity for the whole community;
    # a grid worker's belongs to one of their grids.
    if actor.community_id is None or actor.grids.exists():
        raise ValidationError({"grid": _("Choose the grid the activity belongs to.")})
    return None, Community.objects.get(pk=actor.community_id)


def _check_edition(kind: str, edition: int | None) -> int | None:
    if kind not in ActivityKind.values:
        raise ValidationError({"kind": _("Choose the kind of activity.")})
    if edition is not None and edition < 1:
        raise ValidationError({"edition": _("The edition is a number from 1.")})
    return edition


@audit.audited
def activity_create(*, actor: User, kind: str, title: str, description: str = "",
                    grid: Grid | None = None, published: bool = False,
                    edition: int | None = None, now: datetime | None = None) -> Activity:
    """A new activity of a grid in scope, or of the actor's whole community
    (no grid); the actor organises it."""
    require(actor, Perm.RUN_ACTIVITIES)
    now = now or timezone.now()
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the activity a title.")})
    edition = _check_edition(kind, edition)
    grid, community = _grid_and_community(actor, grid)
    activity = Activity.objects.create(
        ref=next_ref(f"{community.code}-H", timezone.localtime(now).year),
        community=community, grid=grid, kind=kind, title=title[:120],
        description=(description or "").strip(), organiser=actor, published=published,
        edition=edition, created_by=actor, created_at=now)
    _created(actor, activity)
    return activity


@audit.audited
def activity_update(*, actor: User, activity: Activity, version: object, kind: str,
                    title: str, description: str, published: bool,
                    edition: int | None) -> Activity:
    require(actor, Perm.RUN_ACTIVITIES)
    if not activities_for(actor).filter(pk=activity.pk).exists():
        raise ValidationError(_("That activity is not one of yours."))
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the activity a title.")})
    edition = _check_edition(kind, edition)
    locked = claim(activity, version, _("this activity (%(ref)s)") % {"ref": activity.ref})
    before = audit.snapshot(locked, Activity.AUDIT_FIELDS)
    locked.kind, locked.title, locked.description = kind, title[:120], description.strip()
    locked.published, locked.edition = published, edition
    locked.save(update_fields=["kind", "title", "description", "published", "edition"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=locked,
                 changes=audit.diff(before, audit.snapshot(locked, Activity.AUDIT_FIELDS)))
    return locked


def check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The session ends before it starts.")})
    if ends_at - starts_at > timedelta(days=3):
        raise ValidationError({"ends_at": _("A session lasts at most three days: add "
                                            "several sessions instead.")})


@audit.audited
def session_add(*, actor: User, activity: Activity, starts_at: datetime, ends_at: datetime,
                place: str, capacity: int | None = None) -> ActivitySession:
    require(actor, Perm.RUN_ACTIVITIES)
    if not activities_for(actor).filter(pk=activity.pk).exists():
        raise ValidationError(_("That activity is not one of yours."))
    check_times(starts_at, ends_at)
    place = (place or "").strip()
    if not place:
        raise ValidationError({"place": _("Say where the session takes place.")})
    if capacity is not None and capacity < 1:
        raise ValidationError({"capacity": _("Give at least one place, or leave it empty "
                                             "for no limit.")})
    session = ActivitySession.objects.create(activity=activity, starts_at=starts_at,
                                             ends_at=ends_at, place=place[:120],
                                             capacity=capacity)
    _created(actor, session)
    return session


@audit.audited
def session_cancel(*, actor: User, session: ActivitySession) -> ActivitySession:
    """Cancel a session: its sign-ups stay (the station calls the people)."""
    require(actor, Perm.RUN_ACTIVITIES)
    locked = _lock(actor, session)
    if locked.cancelled:
        return locked
    before = audit.snapshot(locked, ActivitySession.AUDIT_FIELDS)
    locked.cancelled = True
    locked.save(update_fields=["cancelled"])
    _changed(actor, locked, before)
    return locked


# --- sign-ups and the waiting list --------------------------------------------------

def _lock(actor: User | None, session: ActivitySession) -> ActivitySession:
    """The session's row, locked for the rest of the transaction (staff: only
    a session in scope)."""
    qs = ActivitySession.objects.all() if actor is None else sessions_for(actor)
    locked = qs.select_for_update().filter(pk=session.pk).first()
    if locked is None:
        raise ValidationError(_("That session is not one of yours."))
    return locked


def _open(session: ActivitySession, now: datetime) -> None:
    if session.cancelled:
        raise ValidationError(_("This session is cancelled: no more sign-ups."))
    if session.ends_at <= now:
        raise ValidationError(_("This session is over: no more sign-ups."))


def _place(session: ActivitySession) -> str:
    """Confirmed while places are left (counted with the session locked),
    else on the waiting list."""
    if session.capacity is None:
        return SignUpStatus.CONFIRMED
    taken = SignUp.objects.filter(session=session, status=SignUpStatus.CONFIRMED).count()
    return SignUpStatus.CONFIRMED if taken < session.capacity else SignUpStatus.WAITING


def _promote(actor: User | None, session: ActivitySession, now: datetime) -> list[SignUp]:
    """Fill freed places from the waiting list, earliest first (the caller
    holds the session's lock)."""
    promoted: list[SignUp] = []
    confirmed = SignUp.objects.filter(session=session, status=SignUpStatus.CONFIRMED).count()
    waiting = SignUp.objects.filter(session=session, status=SignUpStatus.WAITING).order_by(
        "created_at", "pk")
    free = None if session.capacity is None else session.capacity - confirmed
    for signup in waiting if free is None else waiting[:max(free, 0)]:
        before = audit.snapshot(signup, SignUp.AUDIT_FIELDS)
        signup.status, signup.promoted_at = SignUpStatus.CONFIRMED, now
        signup.save(update_fields=["status", "promoted_at"])
        _changed(actor, signup, before)
        promoted.append(signup)
    return promoted


@audit.audited
def signup_staff(*, actor: User, session: ActivitySession, person: Person,
                 photo_consent: bool = False, now: datetime | None = None) -> SignUp:
    """Sign a resident in scope up (confirmed, or on the waiting list when
    the session is full: the returned sign-up's status says which)."""
    require(actor, Perm.RUN_ACTIVITIES)
    now = now or timezone.now()
    check_not_erased(person)
    found = (people_for(actor).filter(pk=person.pk, left_on__isnull=True)
             .select_related("household").first())
    if found is None:
        raise ValidationError({"person": _("That resident is not in your grids. Choose "
                                           "them again from the search.")})
    locked = _lock(actor, session)
    _open(locked, now)
    if SignUp.objects.filter(session=locked, person=found, status__in=ACTIVE).exists():
        raise ValidationError({"person": _("%(name)s is already signed up for this "
                                           "session.") % {"name": found.name}})
    signup = SignUp.objects.create(
        session=locked, person=found, name=found.name, grid_id=found.household.grid_id,
        source=SignUpSource.STAFF, status=_place(locked), photo_consent=photo_consent,
        created_at=now)
    _created(actor, signup)
    return signup


def portal_signups_limit(source: str, now: datetime | None = None) -> Limit:
    """The desk's portal limits, counted on portal sign-ups (one submission
    may sign up several people: counted once, by distinct created_at). Past
    the form's hourly ceiling (Limit.GLOBAL) a proof of work still opens it."""
    return portal_submissions_limit(source, lambda since: SignUp.objects.filter(
        source=SignUpSource.PORTAL, created_at__gte=since), now=now,
        sent_together="created_at")


def portal_signups_allowed(source: str, now: datetime | None = None) -> bool:
    """Whether a sign-up is accepted without a proof of work."""
    return portal_signups_limit(source, now) is Limit.OPEN


def _names(names: list[str]) -> list[str]:
    clean = [" ".join(n.split())[:60] for n in names if n and n.strip()]
    if not clean:
        raise ValidationError({"names": _("Write the name of at least one person.")})
    if len(clean) > MAX_PORTAL_NAMES:
        raise ValidationError({"names": _("Sign up at most %(n)d people at once.")
                               % {"n": MAX_PORTAL_NAMES}})
    if len({n.casefold() for n in clean}) != len(clean):
        raise ValidationError({"names": _("A name is written twice.")})
    return clean


@audit.audited
def signup_portal(*, session: ActivitySession, names: list[str], phone: str,
                  photo_consent: bool, source: str, proof: str = "", nonce: str = "",
                  now: datetime | None = None) -> list[SignUp]:
    """Sign-ups from the portal for a published activity: one per name, one
    phone for all (stored encrypted, shown masked). Each gets its own token
    link. A name already signed up with that phone is refused. Past the
    form's hourly ceiling, `proof` and `nonce` (a proof of work) open it once."""
    now = now or timezone.now()
    clean = _names(names)
    try:
        number = normalize_phone(phone)
    except PhoneError as err:
        raise ValidationError({"phone": err.message}) from err
    # Counted under the form's own lock: concurrent submissions count in turn,
    # so the hourly limit is not overshot (core.locks).
    locks.hold(locks.PORTAL_SIGNUPS)
    limit = portal_signups_limit(source, now)
    if limit is Limit.SOURCE or (
            limit is Limit.GLOBAL and not portal_pow_redeem(token=proof, nonce=nonce, now=now)):
        raise portal_throttled()
    locked = ActivitySession.objects.select_for_update().select_related("activity").filter(
        pk=session.pk, activity__published=True).first()
    if locked is None:
        raise ValidationError(_("This activity is not open for sign-ups on the portal."))
    _open(locked, now)
    phone_hash = lookup_hash("phone", number)
    already = {n.casefold() for n in SignUp.objects.filter(
        session=locked, phone_hash=phone_hash, status__in=ACTIVE).values_list("name", flat=True)}
    twice = [n for n in clean if n.casefold() in already]
    if twice:
        raise ValidationError({"names": _("Already signed up for this session: %(names)s.")
                               % {"names": "、".join(twice)}})
    made = []
    for name in clean:
        signup = SignUp.objects.create(
            session=locked, name=name, phone_enc=encrypt(number), phone_hash=phone_hash,
            phone_mask=mask_phone(number), grid_id=locked.activity.grid_id,
            source=SignUpSource.PORTAL, status=_place(locked), photo_consent=photo_consent,
            portal_source=source, created_at=now)
        _created(None, signup)
        made.append(signup)
    return made


@audit.audited
def signup_cancel(*, actor: User | None, signup: SignUp,
                  now: datetime | None = None) -> list[SignUp]:
    """Cancel a sign-up (staff with the actor; the resident by token with
    actor None, the caller having found it by its token). A freed place
    promotes the first waiting sign-up; returns those promoted."""
    if actor is not None:
        require(actor, Perm.RUN_ACTIVITIES)
    now = now or timezone.now()
    session = _lock(actor, ActivitySession(pk=signup.session_id))
    current = SignUp.objects.select_for_update().get(pk=signup.pk)
    if current.status == SignUpStatus.CANCELLED:
        raise ValidationError(_("This sign-up is cancelled already."))
    if current.attended_at is not None:
        raise ValidationError(_("This person has come already: the sign-up cannot be "
                                "cancelled."))
    before = audit.snapshot(current, SignUp.AUDIT_FIELDS)
    current.status, current.cancelled_at = SignUpStatus.CANCELLED, now
    current.save(update_fields=["status", "cancelled_at"])
    _changed(actor, current, before)
    signup.status, signup.cancelled_at = current.status, now
    if session.cancelled or session.ends_at <= now:
        return []
    return _promote(actor, session, now)


def signup_phone_reveal(*, actor: User, signup: SignUp) -> str:
    """The whole phone number a resident gave on the portal (to call them,
    say when the session is cancelled), for roles that may see phones and
    the session's roll; recorded in the audit log like any reveal. The
    roll shows it masked."""
    require(actor, Perm.VIEW_ENGAGE)
    require(actor, Perm.REVEAL_PHONE)
    if not sessions_for(actor).filter(pk=signup.session_id).exists():
        raise Http404
    phone = decrypt(signup.phone_enc) if signup.phone_enc else ""
    audit.record(AuditAction.REVEAL, actor=actor, obj=signup, changes={"field": "phone"})
    return phone


# --- matching portal sign-ups to the registry ---------------------------------------

def _signup_locked(actor: User, signup: SignUp) -> tuple[ActivitySession, SignUp]:
    """The sign-up's session (in the actor's scope) and the sign-up itself,
    both locked: a match and a staff sign-up of the same resident take the
    session's lock in turn."""
    session = _lock(actor, ActivitySession(pk=signup.session_id))
    current = SignUp.objects.select_for_update().filter(pk=signup.pk, session=session).first()
    if current is None:
        raise ValidationError(_("That sign-up is not one of this session."))
    return session, current


@audit.audited
def signup_match(*, actor: User, signup: SignUp, person: Person) -> SignUp:
    """Link a portal sign-up to the resident it names, a current one in the
    actor's scope: the roll then shows the person, and the participation
    figures count their household. The name the resident wrote is kept. A
    resident signed up for the session already (by staff, or matched to
    another sign-up) is refused; the same match twice is one."""
    require(actor, Perm.RUN_ACTIVITIES)
    check_not_erased(person)
    found = (people_for(actor).filter(pk=person.pk, left_on__isnull=True)
             .select_related("household").first())
    if found is None:
        raise ValidationError({"person": _("That resident is not in your grids. Choose "
                                           "them again from the search.")})
    session, current = _signup_locked(actor, signup)
    if current.person_id == found.pk:
        return current
    if current.person_id is not None:
        raise ValidationError(_("This sign-up is matched to a resident already: undo that "
                                "match first."))
    if current.status == SignUpStatus.CANCELLED:
        raise ValidationError(_("This sign-up is cancelled: there is nothing to match."))
    twice = _("%(name)s is already signed up for this session.") % {"name": found.name}
    if SignUp.objects.filter(session=session, person=found, status__in=ACTIVE).exists():
        raise ValidationError({"person": twice})
    before = audit.snapshot(current, SignUp.AUDIT_FIELDS)
    current.person, current.grid_id = found, found.household.grid_id
    # signup_person_once: the lock makes this a last resort.
    with unique_or(ValidationError({"person": twice})):
        current.save(update_fields=["person", "grid"])
    _changed(actor, current, before)
    signup.person, signup.grid_id = current.person, current.grid_id
    return current


@audit.audited
def signup_unmatch(*, actor: User, signup: SignUp) -> SignUp:
    """Undo a wrong match of a portal sign-up (a staff sign-up names its
    resident from the start: cancel it instead)."""
    require(actor, Perm.RUN_ACTIVITIES)
    session, current = _signup_locked(actor, signup)
    if current.source != SignUpSource.PORTAL:
        raise ValidationError(_("A sign-up made by staff names its resident: cancel it "
                                "instead."))
    if current.person_id is None:
        return current
    before = audit.snapshot(current, SignUp.AUDIT_FIELDS)
    current.person = None
    current.grid_id = ActivitySession.objects.filter(pk=session.pk).values_list(
        "activity__grid_id", flat=True).get()
    current.save(update_fields=["person", "grid"])
    _changed(actor, current, before)
    signup.person, signup.grid_id = None, current.grid_id
    return current
