"""Meetings and hearings (议事会、听证会…): who was invited and who came,
the minutes in versions, and the decisions with what carries each out."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.civic.choices import (
    Attendance,
    DecisionStatus,
    MeetingKind,
    MeetingStatus,
    MinutesState,
    ParticipantKind,
)


class Meeting(models.Model):
    """One meeting of any kind. `grid` empty: the whole community's."""

    ref = models.CharField(_("reference"), max_length=24, unique=True, editable=False)
    community = models.ForeignKey("places.Community", models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    grid = models.ForeignKey("places.Grid", models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("grid"))
    kind = models.CharField(_("kind"), max_length=14, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=120)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=120, blank=True)
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                  verbose_name=_("organiser"))
    # Origin-place liaison and the joint meeting: the office or department met.
    partner = models.ForeignKey("directory.Department", models.PROTECT, null=True, blank=True,
                                related_name="+",
                                verbose_name=_("department or partner organisation"))
    status = models.CharField(_("status"), max_length=10, choices=MeetingStatus.choices,
                              default=MeetingStatus.PLANNED)
    # Residents present needed for the meeting's decisions (None: no quorum).
    quorum = models.PositiveSmallIntegerField(_("quorum"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    AUDIT_FIELDS = ("grid_id", "kind", "title", "starts_at", "ends_at", "place",
                    "organiser_id", "partner_id", "status", "quorum")

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["community", "starts_at"])]

    def __str__(self) -> str:
        return self.ref


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="agenda")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("agenda item"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)

    AUDIT_FIELDS = ("order", "title", "notes")

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class Participant(models.Model):
    """Someone invited to a meeting, or who came uninvited (`invited` False),
    and whether they came. A resident is a registry person; staff an account;
    a representative a department or partner with a name."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="participants")
    kind = models.CharField(_("kind"), max_length=10, choices=ParticipantKind.choices)
    person = models.ForeignKey("registry.Person", models.PROTECT, null=True, blank=True,
                               related_name="meeting_participations",
                               verbose_name=_("resident"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("staff"))
    department = models.ForeignKey("directory.Department", models.PROTECT, null=True,
                                   blank=True, related_name="+",
                                   verbose_name=_("department or partner"))
    name = models.CharField(pgettext_lazy("of a person", "name"), max_length=60, blank=True)
    # Denormalised from the resident's household, for scope (None: not a resident).
    grid = models.ForeignKey("places.Grid", models.PROTECT, null=True, blank=True,
                             related_name="+", editable=False)
    invited = models.BooleanField(_("invited"), default=True)
    attendance = models.CharField(_("attendance"), max_length=8, choices=Attendance.choices,
                                  default=Attendance.UNKNOWN)
    marked_at = models.DateTimeField(_("marked"), null=True, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                  blank=True, related_name="+")

    AUDIT_FIELDS = ("kind", "person_id", "user_id", "department_id", "name", "invited",
                    "attendance")

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["meeting", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], condition=Q(person__isnull=False),
                                    name="participant_person_once"),
            models.UniqueConstraint(fields=["meeting", "user"], condition=Q(user__isnull=False),
                                    name="participant_user_once"),
        ]

    def __str__(self) -> str:
        return self.name or str(self.person or self.user or self.department or "")


class MinutesVersion(models.Model):
    """One version of a meeting's minutes. Versions are never edited: saving
    the minutes adds the next number; the state moves draft → circulated →
    approved on the newest version only."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="minutes")
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("minutes"))
    state = models.CharField(_("state"), max_length=10, choices=MinutesState.choices,
                             default=MinutesState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    circulated_at = models.DateTimeField(_("circulated"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+")

    AUDIT_FIELDS = ("number", "state")

    class Meta:
        verbose_name = _("minutes version")
        verbose_name_plural = _("minutes versions")
        ordering = ["meeting", "-number"]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"],
                                               name="minutes_number_once")]

    def __str__(self) -> str:
        return f"{self.meeting} v{self.number}"


class Decision(models.Model):
    """What a meeting decided, who answers for it, by when, and what carries
    it out: a desk case, an improvement project or a referral (at most one of
    each; the case's page and the project's page show the decision)."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="decisions")
    number = models.PositiveSmallIntegerField(_("number"))
    agenda_item = models.ForeignKey(AgendaItem, models.SET_NULL, null=True, blank=True,
                                    related_name="decisions",
                                    verbose_name=_("agenda item"))
    text = models.TextField(_("decision"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                              verbose_name=pgettext_lazy("decision", "owner"))
    due = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=8, choices=DecisionStatus.choices,
                              default=DecisionStatus.OPEN)
    done_on = models.DateField(_("carried out"), null=True, blank=True)
    case = models.ForeignKey("desk.Case", models.PROTECT, null=True, blank=True,
                             related_name="decisions", verbose_name=_("case"))
    project = models.ForeignKey("civic.Project", models.PROTECT, null=True, blank=True,
                                related_name="decisions", verbose_name=_("project"))
    referral = models.ForeignKey("desk.Referral", models.PROTECT, null=True, blank=True,
                                 related_name="decisions", verbose_name=_("referral"))
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    AUDIT_FIELDS = ("number", "agenda_item_id", "text", "owner_id", "due", "status",
                    "done_on", "case_id", "project_id", "referral_id")

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["meeting", "number"]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"],
                                               name="decision_number_once")]

    def __str__(self) -> str:
        return f"{self.meeting.ref}/{self.number}"
