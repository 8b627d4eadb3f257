"""The fixed vocabularies of participation: volunteer roles, the hours
ledger, activities and their sign-ups, the policy column."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class VolunteerRole(models.TextChoices):
    INFORMANT = "informant", _("Information officer (信息员)")
    LEGAL = "legal", _("Legal-education volunteer (普法员)")
    LIAISON = "liaison", _("Liaison officer (民族工作联络员)")
    INTERPRETER = "interpreter", _("Interpreter")
    CULTURE = "culture", _("Culture team")
    PUBLICITY = "publicity", _("Publicity")
    SERVICE = "service", _("Volunteer action team")


class VolunteerStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("volunteer", "Active")
    PAUSED = "paused", pgettext_lazy("volunteer", "Paused")
    LEFT = "left", pgettext_lazy("volunteer", "Left")


class HoursSource(models.TextChoices):
    ACTIVITY = "activity", _("Served at an activity")
    SELF = "self", _("Reported by the volunteer")
    STAFF = "staff", _("Recorded by staff")
    REVERSAL = "reversal", _("Correction")


class ClaimStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("hours", "Waiting for approval")
    APPROVED = "approved", pgettext_lazy("hours", "Approved")
    REJECTED = "rejected", pgettext_lazy("hours", "Not approved")


class ActivityKind(models.TextChoices):
    FESTIVAL = "festival", _("Culture festival")
    THEMED = "themed", _("Themed activity")
    LEGAL = "legal", _("Legal-education session")
    SERVICE = "service", _("Volunteer service")
    SPORTS = "sports", _("Sports")
    PUBLICITY = "publicity", _("Policy publicity")


class SignUpStatus(models.TextChoices):
    CONFIRMED = "confirmed", pgettext_lazy("sign-up", "Confirmed")
    WAITING = "waiting", pgettext_lazy("sign-up", "On the waiting list")
    CANCELLED = "cancelled", pgettext_lazy("sign-up", "Cancelled")


class SignUpSource(models.TextChoices):
    STAFF = "staff", _("At the station")
    PORTAL = "portal", _("Resident portal")


class PostCategory(models.TextChoices):
    LAW = "law", _("Laws")
    POLICY = "policy", _("Policies")
    CUSTOMS = "customs", _("Customs and festivals")
    SERVICES = "services", _("Services")
