"""Activities and festivals: sessions with a place and a capacity, sign-ups
with a waiting list, attendance (roll-call or a QR check-in at the door), the
volunteers who served, and each participant's photo consent."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.engage.choices import ActivityKind, SignUpSource, SignUpStatus


def new_token() -> str:
    return secrets.token_urlsafe(16)


class Activity(models.Model):
    ref = models.CharField(_("reference"), max_length=24, unique=True, editable=False)
    community = models.ForeignKey("places.Community", models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    grid = models.ForeignKey("places.Grid", models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("grid"))
    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                  verbose_name=_("organiser"))
    # On the portal, open to sign-ups there.
    published = models.BooleanField(_("published on the portal"), default=False)
    # The edition of a yearly festival (the 7th culture festival), if any.
    edition = models.PositiveSmallIntegerField(_("edition"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    AUDIT_FIELDS = ("grid_id", "kind", "title", "description", "organiser_id", "published",
                    "edition")

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.ref


class ActivitySession(models.Model):
    activity = models.ForeignKey(Activity, models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=120)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True,
                                           help_text=_("Empty: no limit."))
    # The door's QR code: a check-in page for staff at the door.
    checkin_token = models.CharField(max_length=32, default=new_token, unique=True,
                                     editable=False)
    cancelled = models.BooleanField(_("cancelled"), default=False)

    AUDIT_FIELDS = ("starts_at", "ends_at", "place", "capacity", "cancelled")

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["starts_at"])]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def hours(self) -> Decimal:
        seconds = (self.ends_at - self.starts_at).total_seconds()
        return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.25"))


class SignUp(models.Model):
    """A resident's place at a session (or on its waiting list). A registered
    resident is a `person`; one signed up on the portal without a match has a
    name and a masked phone. Promotion from the waiting list goes by
    `created_at`, then pk."""

    session = models.ForeignKey(ActivitySession, models.CASCADE, related_name="signups")
    person = models.ForeignKey("registry.Person", models.PROTECT, null=True, blank=True,
                               related_name="activity_signups", verbose_name=_("resident"))
    name = models.CharField(pgettext_lazy("of a person", "name"), max_length=60, blank=True)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_mask = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    grid = models.ForeignKey("places.Grid", models.PROTECT, null=True, blank=True,
                             related_name="+", editable=False)
    source = models.CharField(_("source"), max_length=8, choices=SignUpSource.choices)
    status = models.CharField(_("status"), max_length=10, choices=SignUpStatus.choices)
    photo_consent = models.BooleanField(_("agrees to be photographed"), default=False)
    attended_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    # The resident's own link to see or cancel the sign-up (portal).
    token = models.CharField(max_length=32, default=new_token, unique=True, editable=False)
    portal_source = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    promoted_at = models.DateTimeField(null=True, blank=True)

    AUDIT_FIELDS = ("person_id", "name", "source", "status", "photo_consent", "attended_at")
    SENSITIVE_FIELDS = ("name",)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["session", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"],
                                    condition=Q(person__isnull=False) & ~Q(status="cancelled"),
                                    name="signup_person_once"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.pk}"


class SessionVolunteer(models.Model):
    """A volunteer serving at a session; serving credits the session's hours
    to the ledger (once) when attendance is taken."""

    session = models.ForeignKey(ActivitySession, models.CASCADE, related_name="volunteers")
    volunteer = models.ForeignKey("engage.Volunteer", models.PROTECT, related_name="sessions")
    served = models.BooleanField(_("served"), default=False)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=2, null=True,
                                blank=True, help_text=_("Empty: the session's length."))

    class Meta:
        verbose_name = _("volunteer at a session")
        verbose_name_plural = _("volunteers at sessions")
        constraints = [models.UniqueConstraint(fields=["session", "volunteer"],
                                               name="sessionvolunteer_once")]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.volunteer_id}"
