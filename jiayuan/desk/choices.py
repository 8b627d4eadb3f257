"""Coded values of the service desk. Reports count these codes, never free text."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Moved to jiayuan.directory with the Department model; re-exported for desk's code.
from jiayuan.directory.choices import DepartmentKind  # noqa: F401


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    HOTLINE = "hotline", _("24-hour hotline")
    HOME_VISIT = "home_visit", _("Home visit")
    PORTAL = "portal", _("Resident portal")
    DEPARTMENT = "department", _("From a department")
    MEETING = "meeting", _("Residents' meeting")
    VOLUNTEER = "volunteer", _("Volunteer report")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent (急难愁盼)")


class Status(models.TextChoices):
    NEW = "new", pgettext_lazy("case status", "New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_DEPARTMENT = "waiting_department", _("Waiting on a department")
    WAITING_RESIDENT = "waiting_resident", _("Waiting on the resident")
    RESOLVED = "resolved", _("Resolved, follow-up call due")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("case status", "Cancelled")


OPEN_STATUSES = frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS,
                           Status.WAITING_DEPARTMENT, Status.WAITING_RESIDENT})
WAITING_STATUSES = frozenset({Status.WAITING_DEPARTMENT, Status.WAITING_RESIDENT})


class Outcome(models.TextChoices):
    JOB = "job", _("Job found")
    SCHOOL_PLACE = "school_place", _("School place")
    HOUSING = "housing", _("Housing")
    SUBSIDY = "subsidy", _("Subsidy granted")
    SOCIAL_SECURITY = "social_security", _("Social security arranged")
    CERTIFICATE = "certificate", _("Certificate or permit issued")
    ANSWERED = "answered", _("Question answered")
    MEDIATED = "mediated", _("Dispute mediated")
    REFERRED = "referred", _("Referred and taken up")
    NOT_HELPED = "not_helped", _("Could not help")


# Services (catalogue codes) whose usual outcome is a residence permit: resolving
# one opens the fields that record the permit on the requester's record.
PERMIT_SERVICES = frozenset({"residence-permit", "permit-renewal"})

# Outcomes where a number counts in reports (2 jobs, 3 school places...).
COUNTED_OUTCOMES = frozenset({Outcome.JOB, Outcome.SCHOOL_PLACE, Outcome.SUBSIDY,
                              Outcome.CERTIFICATE, Outcome.SOCIAL_SECURITY})


class EventKind(models.TextChoices):
    CREATED = "created", _("Request received")
    STATUS = "status", _("Status changed")
    NOTE = "note", _("Note")
    CALL = "call", _("Phone call")
    ONSITE = "onsite", _("On-site contact")
    DOCUMENT = "document", _("Document")
    ASSIGNED = "assigned", _("Owner changed")
    EDITED = "edited", _("Details changed")
    REFERRAL = "referral", _("Referral")
    REPLY = "reply", _("Department reply")
    FOLLOW_UP = "follow_up", _("Follow-up call")
    SLA = "sla", _("Target missed")
    MATCHED = "matched", _("Requester matched to the registry")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged by the department")
    ANSWERED = "answered", _("Answered")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class PortalHitKind(models.TextChoices):
    """Portal traffic the rate limits count although it made no case. Never
    shown: the labels are for the shell."""

    HONEYPOT = "honeypot"
    STAMP = "stamp"
    LOOKUP = "lookup"


class ReminderKind(models.TextChoices):
    PERMIT_EXPIRY = "permit_expiry", _("Residence permit expires soon")
