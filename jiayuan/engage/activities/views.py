"""Staff pages of activities, under /engage/activities/: the list, a new
activity, its page (sessions, participation figures), a session's page
(roll-call, sign-ups, the waiting list, matching a portal sign-up to the
registry, volunteers, the door QR), and the check-in page the door QR opens
(views_checkin).

Reading needs VIEW_ENGAGE, every write RUN_ACTIVITIES, showing a portal
sign-up's whole phone REVEAL_PHONE as well (audited); an activity or a
session outside the actor's scope is a 404 (selectors.get_*_for)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiayuan.core.access import as_id, require
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.core.urls_public import public_url
from jiayuan.core.views import form_status, submit
from jiayuan.engage.activities import selectors, services
from jiayuan.engage.activities import services_attendance as att
from jiayuan.engage.activities.forms import (
    ActivityForm,
    ServedForm,
    SessionForm,
    SignUpForm,
    VolunteerForm,
)
from jiayuan.engage.activities.models import (
    Activity,
    ActivitySession,
    SessionVolunteer,
    SignUp,
)
from jiayuan.engage.choices import ActivityKind, SignUpStatus
from jiayuan.registry.pickers import Picker, picker, picker_response
from jiayuan.registry.selectors import people_for

PAGE_SIZE = 30
PERSON_PICKER = picker("signup-person", "person", reverse_lazy("activity_person_search"))


@login_required
@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    user = require(request.user, Perm.VIEW_ENGAGE)
    kind = request.GET.get("kind", "")
    kind = kind if kind in ActivityKind.values else ""
    q = request.GET.get("q", "").strip()[:60]
    upcoming = request.GET.get("upcoming") == "1"
    page = Paginator(selectors.activity_list(user, kind=kind, q=q, upcoming=upcoming),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "engage/activity_list.html", {
        "page": page, "activities": list(page.object_list), "kind": kind, "q": q,
        "upcoming": upcoming, "kinds": ActivityKind.choices,
        "can_run": user.has(Perm.RUN_ACTIVITIES)})


@login_required
@require_http_methods(["GET", "POST"])
def activity_new(request: HttpRequest) -> HttpResponse:
    user = require(request.user, Perm.RUN_ACTIVITIES)
    form = ActivityForm(request.POST or None, actor=user)
    done = submit(request, form, lambda d: services.activity_create(
        actor=user, kind=d["kind"], title=d["title"], description=d["description"],
        grid=d.get("grid"), published=d["published"], edition=d["edition"]),
        lambda a: _("Activity %(ref)s created: now add its sessions.") % {"ref": a.ref},
        lambda a: redirect("activity_detail", pk=a.pk))
    if done:
        return done
    return render(request, "engage/activity_form.html", {"form": form},
                  status=400 if form.is_bound else 200)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = require(request.user, Perm.RUN_ACTIVITIES)
    activity = selectors.get_activity_for(user, pk, perm=Perm.RUN_ACTIVITIES)
    form = ActivityForm(request.POST or None, actor=user, editing=True, initial={
        "kind": activity.kind, "title": activity.title, "edition": activity.edition,
        "description": activity.description, "published": activity.published,
        "version": activity.version})
    done = submit(request, form, lambda d: services.activity_update(
        actor=user, activity=activity, version=d["version"], kind=d["kind"],
        title=d["title"], description=d["description"], published=d["published"],
        edition=d["edition"]), _("Activity saved."),
        lambda a: redirect("activity_detail", pk=a.pk), record=activity)
    if done:
        return done
    status = form_status(form) if form.is_bound and form.is_valid() else (
        400 if form.is_bound else 200)
    return render(request, "engage/activity_form.html", {"form": form, "activity": activity},
                  status=status)


def _activity_page(request: HttpRequest, activity: Activity, session_form: Form,
                   status: int = 200) -> HttpResponse:
    user = request.user
    return render(request, "engage/activity_detail.html", {
        "a": activity, "sessions": selectors.sessions_with_counts(activity),
        "figures": selectors.residency_figures(activity), "session_form": session_form,
        "can_run": user.has(Perm.RUN_ACTIVITIES)}, status=status)  # type: ignore[union-attr]


@login_required
@require_GET
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for(request.user, pk)  # type: ignore[arg-type]
    return _activity_page(request, activity, SessionForm())


@login_required
@require_POST
def session_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = require(request.user, Perm.RUN_ACTIVITIES)
    activity = selectors.get_activity_for(user, pk, perm=Perm.RUN_ACTIVITIES)
    form = SessionForm(request.POST)
    done = submit(request, form, lambda d: services.session_add(
        actor=user, activity=activity, starts_at=d["starts_at"], ends_at=d["ends_at"],
        place=d["place"], capacity=d["capacity"]), _("Session added."),
        lambda s: redirect("session_detail", pk=s.pk))
    return done or _activity_page(request, activity, form, status=400)


# --- a session ---------------------------------------------------------------------------

def door_url(session: ActivitySession) -> str:
    return public_url(reverse("checkin", kwargs={"token": session.checkin_token}))


def qr_svg(text: str) -> str:
    return segno.make(text, error="m").svg_inline(scale=4, border=2, omitsize=True)


def match_picker(session: ActivitySession, signup_id: int) -> Picker:
    """The resident picker of one portal sign-up on the roll (each row has
    its own, so several can be open at once)."""
    return picker(f"match-{signup_id}", "person",
                  reverse("session_match_search", args=[session.pk, signup_id]))


def _roll(user: Any, session: ActivitySession, failed: dict[str, Any]) -> list[SignUp]:
    """The sign-ups, each with `person_link` (the reader may open the
    matched resident's file) and, for an unmatched one staff may match,
    `match`: its picker, and the choice and errors of a failed attempt."""
    rows = selectors.signups_of(session)
    reads = user.has(Perm.VIEW_REGISTRY)
    runs = user.has(Perm.RUN_ACTIVITIES)
    for s in rows:
        s.person_link = bool(s.person_id and reads  # type: ignore[attr-defined]
                             and in_scope(user, s.person.grid_id))  # type: ignore[union-attr]
        s.match = None  # type: ignore[attr-defined]
        if runs and s.person_id is None and s.status != SignUpStatus.CANCELLED:
            mine = failed.get("signup") == s.pk
            s.match = {"picker": match_picker(session, s.pk),  # type: ignore[attr-defined]
                       "person": failed.get("person") if mine else None,
                       "errors": failed.get("errors", []) if mine else [], "open": mine}
    return rows


def _session_page(request: HttpRequest, session: ActivitySession,
                  forms: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    user: Any = request.user
    forms = forms or {}
    activity = session.activity
    rows = list(session.volunteers.select_related("volunteer__person", "volunteer__user"))
    return render(request, "engage/activity_session.html", {
        "session": session, "a": activity,
        "signups": _roll(user, session, forms.get("match") or {}),
        "volunteers": rows, "picker": PERSON_PICKER,
        "person": forms.get("person"),
        "signup_form": forms.get("signup_form") or SignUpForm(),
        "volunteer_form": forms.get("volunteer_form") or VolunteerForm(
            actor=user, community_id=activity.community_id),
        "can_run": user.has(Perm.RUN_ACTIVITIES), "can_reveal": user.has(Perm.REVEAL_PHONE),
        "door_url": door_url(session),
        "door_qr": qr_svg(door_url(session))}, status=status)


@login_required
@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_session_for(request.user, pk)  # type: ignore[arg-type]
    return _session_page(request, session)


@login_required
@require_http_methods(["GET", "POST"])  # POST: what was typed
def activity_person_search(request: HttpRequest) -> HttpResponse:
    """As-you-type picker of the resident signed up by staff."""
    require(request.user, Perm.RUN_ACTIVITIES)
    return picker_response(request, PERSON_PICKER)


@login_required
@require_POST
def session_signup(request: HttpRequest, pk: int) -> HttpResponse:
    user = require(request.user, Perm.RUN_ACTIVITIES)
    session = selectors.get_session_for(user, pk, perm=Perm.RUN_ACTIVITIES)
    form = SignUpForm(request.POST)
    pid = as_id(request.POST.get("person"))
    person = people_for(user).filter(pk=pid).first() if pid else None

    def save(d: dict[str, Any]) -> Any:
        if person is None:
            raise ValidationError({"person": _("That resident is not in your grids. Choose "
                                               "them again from the search.")})
        return services.signup_staff(actor=user, session=session, person=person,
                                     photo_consent=d["photo_consent"])

    def said(signup: Any) -> str:
        if signup.status == "waiting":
            return _("The session is full: %(name)s is on the waiting list.") % {
                "name": signup.name}
        return _("%(name)s is signed up.") % {"name": signup.name}

    done = submit(request, form, save, said,
                  lambda s: redirect(reverse("session_detail", args=[session.pk]) + "#signups"))
    return done or _session_page(request, session, {"signup_form": form, "person": person},
                                 status=400)


def _session_action(request: HttpRequest, pk: int, call: Callable[[Any, ActivitySession], Any],
                    said: str) -> HttpResponse:
    user = require(request.user, Perm.RUN_ACTIVITIES)
    session = selectors.get_session_for(user, pk, perm=Perm.RUN_ACTIVITIES)
    try:
        call(user, session)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _session_page(request, session, status=400)
    messages.success(request, said)
    return redirect("session_detail", pk=session.pk)


@login_required
@require_POST
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _session_action(request, pk, lambda u, s: services.session_cancel(
        actor=u, session=s), _("Session cancelled: call the people signed up."))


@login_required
@require_POST
def session_signup_cancel(request: HttpRequest, pk: int, signup: int) -> HttpResponse:
    def call(user: Any, session: ActivitySession) -> Any:
        found = session.signups.filter(pk=signup).first()
        if found is None:  # a forged id of another session's sign-up
            raise Http404
        return services.signup_cancel(actor=user, signup=found)
    return _session_action(request, pk, call, _("Sign-up cancelled; the waiting list moved "
                                                 "up if a place was free."))


@login_required
@require_POST
def session_volunteer_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = require(request.user, Perm.RUN_ACTIVITIES)
    session = selectors.get_session_for(user, pk, perm=Perm.RUN_ACTIVITIES)
    form = VolunteerForm(request.POST, actor=user, community_id=session.activity.community_id)
    done = submit(request, form, lambda d: att.session_volunteer_add(
        actor=user, session=session, volunteer=d["volunteer"]), _("Volunteer added."),
        lambda r: redirect(reverse("session_detail", args=[session.pk]) + "#volunteers"))
    return done or _session_page(request, session, {"volunteer_form": form}, status=400)


@login_required
@require_POST
def session_volunteer_served(request: HttpRequest, pk: int, row: int) -> HttpResponse:
    form = ServedForm(request.POST)

    def call(user: Any, session: ActivitySession) -> Any:
        found = SessionVolunteer.objects.filter(session=session, pk=row).first()
        if found is None:  # a forged id of another session's volunteer
            raise Http404
        if not form.is_valid():
            raise ValidationError(_("Give the hours as a number from 0.25 to 24."))
        return att.session_volunteer_served(actor=user, row=found,
                                            hours=form.cleaned_data["hours"])
    return _session_action(request, pk, call, _("Served: the hours are credited."))


# --- matching a portal sign-up to the registry ---------------------------------------

def _signup_of(session: ActivitySession, signup: int) -> SignUp:
    found = session.signups.filter(pk=signup).first()
    if found is None:  # a forged id of another session's sign-up
        raise Http404
    return found


@login_required
@require_http_methods(["GET", "POST"])  # POST: what was typed
def session_match_search(request: HttpRequest, pk: int, signup: int) -> HttpResponse:
    """As-you-type picker of the resident a portal sign-up names."""
    user = require(request.user, Perm.RUN_ACTIVITIES)
    session = selectors.get_session_for(user, pk, perm=Perm.RUN_ACTIVITIES)
    return picker_response(request, match_picker(session, _signup_of(session, signup).pk))


@login_required
@require_POST
def session_signup_match(request: HttpRequest, pk: int, signup: int) -> HttpResponse:
    user = require(request.user, Perm.RUN_ACTIVITIES)
    session = selectors.get_session_for(user, pk, perm=Perm.RUN_ACTIVITIES)
    found = _signup_of(session, signup)
    pid = as_id(request.POST.get("person"))
    person = people_for(user).filter(pk=pid).first() if pid else None
    try:
        if person is None:
            raise ValidationError(_("That resident is not in your grids. Choose them again "
                                    "from the search.") if request.POST.get("person")
                                  else _("Choose the resident from the search."))
        services.signup_match(actor=user, signup=found, person=person)
    except ValidationError as exc:
        return _session_page(request, session, {"match": {
            "signup": found.pk, "person": person, "errors": exc.messages}}, status=400)
    messages.success(request, _("%(name)s's sign-up is matched to the registry.")
                     % {"name": person.name})
    return redirect(reverse("session_detail", args=[session.pk]) + "#signups")


@login_required
@require_POST
def session_signup_phone(request: HttpRequest, pk: int, signup: int) -> HttpResponse:
    """The whole phone number a resident gave on the portal: audited like any reveal."""
    user: Any = request.user
    session = selectors.get_session_for(user, pk, perm=(Perm.VIEW_ENGAGE, Perm.REVEAL_PHONE))
    phone = services.signup_phone_reveal(actor=user, signup=_signup_of(session, signup))
    return render(request, "registry/_revealed.html", {"value": phone})


@login_required
@require_POST
def session_signup_unmatch(request: HttpRequest, pk: int, signup: int) -> HttpResponse:
    return _session_action(request, pk, lambda u, s: services.signup_unmatch(
        actor=u, signup=_signup_of(s, signup)), _("The match is undone."))
