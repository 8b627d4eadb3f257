"""The fixed vocabularies of deliberation: kinds of meeting, the stages a
station's suggestion statuses map onto, project categories and states."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MeetingKind(models.TextChoices):
    COUNCIL = "council", _("Party-and-residents' council (党群议事会)")
    HEARING = "hearing", _("Hearing (听证会)")
    COORDINATION = "coordination", _("Neighbour coordination meeting (邻里协调会)")
    ROUNDTABLE = "roundtable", _("Roundtable (圆桌会)")
    OWNERS = "owners", _("Owners' committee meeting")
    JOINT = "joint", _("Departments' joint meeting (联席会)")
    MERCHANTS = "merchants", _("Merchants' meeting")
    LIAISON = "liaison", _("Liaison with places of origin (原居住地沟通协调)")


#: The kinds whose decisions need a quorum of the residents invited.
QUORUM_KINDS = frozenset({MeetingKind.COUNCIL, MeetingKind.HEARING, MeetingKind.OWNERS})


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("meeting", "Planned")
    HELD = "held", pgettext_lazy("meeting", "Held")
    CANCELLED = "cancelled", pgettext_lazy("meeting", "Cancelled")


class ParticipantKind(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    STAFF = "staff", _("Staff")
    DEPARTMENT = "department", _("Department representative")
    PARTNER = "partner", _("Partner organisation representative")
    GUEST = "guest", _("Guest")


class Attendance(models.TextChoices):
    UNKNOWN = "unknown", pgettext_lazy("attendance", "Not yet marked")
    PRESENT = "present", pgettext_lazy("attendance", "Present")
    ABSENT = "absent", pgettext_lazy("attendance", "Absent")
    EXCUSED = "excused", pgettext_lazy("attendance", "Excused")


class MinutesState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("minutes", "Draft")
    CIRCULATED = "circulated", pgettext_lazy("minutes", "Circulated")
    APPROVED = "approved", pgettext_lazy("minutes", "Approved")


class DecisionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("decision", "Open")
    DONE = "done", pgettext_lazy("decision", "Carried out")
    DROPPED = "dropped", pgettext_lazy("decision", "Dropped")


class Stage(models.TextChoices):
    """What a station's own suggestion status means: the station names and
    orders its statuses, each one of these stages, which the portal and the
    reports read."""

    RECEIVED = "received", pgettext_lazy("suggestion", "Received")
    DISCUSSING = "discussing", pgettext_lazy("suggestion", "Under discussion")
    ADOPTED = "adopted", pgettext_lazy("suggestion", "Adopted")
    DONE = "done", pgettext_lazy("suggestion", "Done")
    DECLINED = "declined", pgettext_lazy("suggestion", "Declined")


class SuggestionSource(models.TextChoices):
    PORTAL = "portal", _("Resident portal")
    MEETING = "meeting", _("At a meeting")
    STAFF = "staff", _("Entered by staff for a resident")


class Category(models.TextChoices):
    LIGHTING = "lighting", _("Street lighting")
    PARKING = "parking", _("Parking")
    SANITATION = "sanitation", _("Sanitation")
    GREENING = "greening", _("Greening")
    ACCESSIBILITY = "accessibility", _("Accessibility")
    SAFETY = "safety", _("Safety")
    CULTURE = "culture", _("Culture and festivals")
    FACILITIES = "facilities", _("Community facilities")
    SERVICES = "services", _("Services for residents")
    OTHER = "other", _("Other")


class ProjectSource(models.TextChoices):
    SUGGESTION = "suggestion", _("A resident's suggestion")
    DECISION = "decision", _("A meeting's decision")
    DEPARTMENT = "department", _("A department's task")
    PLAN = "plan", _("The station's plan")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("project", "Planned")
    ACTIVE = "active", pgettext_lazy("project", "Under way")
    DONE = "done", pgettext_lazy("project", "Done")
    CANCELLED = "cancelled", pgettext_lazy("project", "Cancelled")


class Health(models.TextChoices):
    """The wall chart's colour: milestones' planned against actual dates."""

    ON_TRACK = "on_track", pgettext_lazy("health", "On track")
    AT_RISK = "at_risk", pgettext_lazy("health", "At risk")
    LATE = "late", pgettext_lazy("health", "Behind schedule")
    DONE = "done", pgettext_lazy("health", "Done")
