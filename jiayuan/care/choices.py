"""Coded values of visits, must-visit duties, disputes and pairings."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class VisitMode(models.TextChoices):
    HOME = "home", _("Home visit")
    PHONE = "phone", _("Phone call")
    SHOP = "shop", _("At the shop")
    OFFICE = "office", _("At the station")
    VIDEO = "video", _("Video call")


#: Modes that fulfil a must-visit duty: someone met the household face to face.
#: A phone or video call is a contact, not a visit (六必访 means going there).
QUALIFYING_MODES = frozenset({VisitMode.HOME, VisitMode.SHOP, VisitMode.OFFICE})


class VisitPurpose(models.TextChoices):
    ROUTINE = "routine", _("Routine visit")
    DUTY = "duty", _("Must-visit duty")
    FOLLOW_UP = "follow_up", _("Follow-up")
    FESTIVAL = "festival", _("Festival greeting")
    MERCHANT = "merchant", _("Merchant contact")


class DutyRule(models.TextChoices):
    """The six must-visit duties (六必访), in the order the stations list them."""

    DISPUTE = "dispute", _("Open dispute")
    ILLNESS = "illness", _("Serious illness")
    REPEAT = "repeat", _("Repeated unresolved requests")
    HARDSHIP = "hardship", _("Hardship")
    DISABILITY = "disability", _("Disability")
    FESTIVAL = "festival", _("Festival")


#: Rules whose very name discloses a sensitive circumstance (health, hardship,
#: religion through a festival): shown only to roles that may see sensitive data.
SENSITIVE_RULES = frozenset({DutyRule.ILLNESS, DutyRule.HARDSHIP, DutyRule.DISABILITY,
                             DutyRule.FESTIVAL})


class DutyStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("duty", "To visit")
    DONE = "done", pgettext_lazy("duty", "Visited")
    LAPSED = "lapsed", pgettext_lazy("duty", "No longer applies")


class DisputeKind(models.TextChoices):
    NEIGHBOURS = "neighbours", _("Between neighbours")
    FAMILY = "family", _("Family")
    TENANCY = "tenancy", _("Tenancy")
    PROPERTY = "property", _("Property management")
    COMMERCIAL = "commercial", _("Commercial")
    LABOUR = "labour", _("Labour / unpaid wages")
    OTHER = "other", pgettext_lazy("dispute kind", "Other")


class DisputeSource(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    HOTLINE = "hotline", _("Hotline")
    VISIT = "visit", _("Found on a visit")
    CASE = "case", _("From a service-desk request")
    POLICE = "police", _("Passed on by the police station")
    DEPARTMENT = "department", _("Passed on by a department")
    OTHER = "other", pgettext_lazy("dispute source", "Other")


class DisputeStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("dispute", "Open")
    MEDIATING = "mediating", _("In mediation")
    CLOSED = "closed", pgettext_lazy("dispute", "Closed")


#: Statuses in which a dispute feeds must-visit rule 1.
OPEN_DISPUTE_STATUSES = (DisputeStatus.OPEN, DisputeStatus.MEDIATING)


class DisputeOutcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    PARTLY = "partly", _("Partly resolved")
    REFERRED = "referred", _("Referred to a department or court")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")
    OTHER = "other", pgettext_lazy("party role", "Other party")


class HelperKind(models.TextChoices):
    STAFF = "staff", _("Station staff")
    VOLUNTEER = "volunteer", _("Volunteer")
    PARTY_MEMBER = "party_member", _("Party member")
    BUSINESS_OWNER = "business_owner", _("Local business owner")


class PairingStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("pairing", "Active")
    PAUSED = "paused", pgettext_lazy("pairing", "Paused")
    ENDED = "ended", pgettext_lazy("pairing", "Ended")


# A dispute's outcome note keeps a reopening as this mark and the reason typed;
# the line is rendered in the reader's language (care_tags.dispute_note).
REOPENED_MARK = "[reopened] "
