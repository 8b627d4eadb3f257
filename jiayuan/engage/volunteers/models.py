"""Volunteers, their roles and the places a liaison officer looks after,
the append-only hours ledger, claims awaiting approval, and certificates."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiayuan.engage.choices import ClaimStatus, HoursSource, VolunteerRole, VolunteerStatus


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Volunteer(models.Model):
    """A registered resident (`person`) or a staff member (`user`) who
    volunteers. `grid` comes from the resident's household (None for staff:
    the community's)."""

    community = models.ForeignKey("places.Community", models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    grid = models.ForeignKey("places.Grid", models.PROTECT, null=True, blank=True,
                             related_name="+", editable=False)
    person = models.OneToOneField("registry.Person", models.PROTECT, null=True, blank=True,
                                  related_name="volunteer", verbose_name=_("resident"))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                blank=True, related_name="volunteer",
                                verbose_name=_("staff member"))
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    languages = models.CharField(_("languages"), max_length=120, blank=True)
    availability = models.CharField(_("availability"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=VolunteerStatus.choices,
                              default=VolunteerStatus.ACTIVE)
    joined_on = models.DateField(_("joined"), default=timezone.localdate)
    # Recorded consent to be named publicly (portal "star volunteers"): the
    # day it was given and who recorded it; None: never shown publicly.
    public_consent_on = models.DateField(_("agreed to be shown publicly"), null=True,
                                         blank=True)
    public_consent_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL,
                                          null=True, blank=True, related_name="+")
    # The personal link for reporting hours on a phone (revocable: a new token).
    self_token = models.CharField(max_length=40, default=new_token, unique=True,
                                  editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    AUDIT_FIELDS = ("person_id", "user_id", "skills", "languages", "availability",
                    "status", "joined_on", "public_consent_on")

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["pk"]
        constraints = [models.CheckConstraint(
            condition=Q(person__isnull=False) | Q(user__isnull=False),
            name="volunteer_is_someone")]

    def __str__(self) -> str:
        return f"V{self.pk}"


class VolunteerRoleAssignment(models.Model):
    volunteer = models.ForeignKey(Volunteer, models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=12, choices=VolunteerRole.choices)
    since = models.DateField(_("since"), default=timezone.localdate)

    class Meta:
        verbose_name = _("volunteer role")
        verbose_name_plural = _("volunteer roles")
        ordering = ["volunteer", "role"]
        constraints = [models.UniqueConstraint(fields=["volunteer", "role"],
                                               name="volunteer_role_once")]

    def __str__(self) -> str:
        return self.get_role_display()


class LiaisonArea(models.Model):
    """A building or a household a liaison officer looks after (within the
    scope of the staff who assign it)."""

    volunteer = models.ForeignKey(Volunteer, models.CASCADE, related_name="areas")
    building = models.ForeignKey("places.Building", models.CASCADE, null=True, blank=True,
                                 related_name="+", verbose_name=_("building"))
    household = models.ForeignKey("registry.Household", models.CASCADE, null=True,
                                  blank=True, related_name="+", verbose_name=_("household"))
    grid = models.ForeignKey("places.Grid", models.PROTECT, related_name="+", editable=False)

    class Meta:
        verbose_name = _("area looked after")
        verbose_name_plural = _("areas looked after")
        constraints = [models.CheckConstraint(
            condition=Q(building__isnull=False) | Q(household__isnull=False),
            name="liaisonarea_is_somewhere")]

    def __str__(self) -> str:
        return str(self.building or self.household)


class HoursEntry(models.Model):
    """One line of the append-only hours ledger. Never updated or deleted: a
    correction is a REVERSAL entry (negative hours) naming the entry it
    reverses; a reversal itself cannot be reversed (enter the hours again)."""

    volunteer = models.ForeignKey(Volunteer, models.PROTECT, related_name="hours")
    on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    source = models.CharField(_("source"), max_length=10, choices=HoursSource.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    session = models.ForeignKey("engage.ActivitySession", models.PROTECT, null=True,
                                blank=True, related_name="hours_entries")
    claim = models.OneToOneField("engage.HoursClaim", models.PROTECT, null=True, blank=True,
                                 related_name="entry")
    reverses = models.OneToOneField("self", models.PROTECT, null=True, blank=True,
                                    related_name="reversed_by")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    AUDIT_FIELDS = ("volunteer_id", "on", "hours", "source", "note", "session_id",
                    "claim_id", "reverses_id")

    class Meta:
        verbose_name = _("hours entry")
        verbose_name_plural = _("hours entries")
        ordering = ["volunteer", "on", "pk"]
        # With `hours`: the year's sum per volunteer (selectors.with_year_hours)
        # reads the index alone (district list page 80 -> 38 ms on SQLite, bench/engage_district.py).
        indexes = [models.Index(fields=["volunteer", "on", "hours"],
                                name="hoursentry_volunteer_on_hours")]
        constraints = [
            # Hours credited for serving at a session: once per volunteer.
            models.UniqueConstraint(fields=["volunteer", "session"],
                                    condition=Q(session__isnull=False, reverses__isnull=True),
                                    name="hours_once_per_session"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.on} {self.hours}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("The hours ledger is append-only: add a reversal instead.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("The hours ledger is append-only: add a reversal instead.")


class HoursClaim(models.Model):
    """Hours a volunteer reports themselves (or a colleague reports for them):
    pending until a coordinator approves, which writes the ledger entry."""

    volunteer = models.ForeignKey(Volunteer, models.PROTECT, related_name="claims")
    on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0.25"))])
    what = models.CharField(_("what was done"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=ClaimStatus.choices,
                              default=ClaimStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    AUDIT_FIELDS = ("volunteer_id", "on", "hours", "what", "status", "reason")

    class Meta:
        verbose_name = _("hours claim")
        verbose_name_plural = _("hours claims")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.on} {self.hours}"


class Certificate(models.Model):
    """A year's recognition: the hours and tier at issue, verified by its
    token through a public page (the QR code on the PDF)."""

    volunteer = models.ForeignKey(Volunteer, models.PROTECT, related_name="certificates")
    year = models.PositiveSmallIntegerField(_("year"))
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=2)
    tier = models.CharField(_("tier"), max_length=12)
    token = models.CharField(max_length=40, default=new_token, unique=True, editable=False)
    issued_at = models.DateTimeField(default=timezone.now, editable=False)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                  blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    AUDIT_FIELDS = ("volunteer_id", "year", "hours", "tier", "revoked_at")

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-year", "-issued_at"]

    def __str__(self) -> str:
        return f"{self.volunteer_id}/{self.year}"
