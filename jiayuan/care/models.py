"""Visits, must-visit duties (六必访), disputes and one-to-one pairings.

`grid` is denormalised onto every row residents' data hangs from, as in the
registry: every list is filtered by the acting user's grids.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.care.choices import (
    DisputeKind,
    DisputeOutcome,
    DisputeSource,
    DisputeStatus,
    DutyRule,
    DutyStatus,
    HelperKind,
    PairingStatus,
    PartyRole,
    VisitMode,
    VisitPurpose,
)
from jiayuan.core.labels import ChoiceLabels
from jiayuan.lib.festivals import FESTIVAL_CHOICES, festival_label


def _days(label: Any, default: int, help_text: Any = "") -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, default=default, help_text=help_text)


class CareSettings(models.Model):
    """The must-visit parameters of one community, which its station head sets.

    `*_due` is the days from raising a duty to its due date; `*_every` is how
    often the duty comes back while the condition lasts (a household with a
    disability is visited every `disability_every` days, not once).

    How many unresolved requests raise the repeat duty is the desk's
    per-community threshold (desk.selectors.repeat_threshold), the same one
    that flags the household at the desk; this page edits it through desk."""

    community = models.OneToOneField("places.Community", models.CASCADE,
                                     related_name="care_settings")
    dispute_due = _days(_("open dispute: days to visit"), 7)
    dispute_every = _days(_("open dispute: visit again every (days)"), 30)
    illness_due = _days(_("serious illness: days to visit"), 14)
    illness_every = _days(_("serious illness: visit again every (days)"), 30)
    repeat_due = _days(_("repeated requests: days to visit"), 7)
    repeat_every = _days(_("repeated requests: visit again every (days)"), 30)
    hardship_due = _days(_("hardship: days to visit"), 14)
    hardship_every = _days(_("hardship: visit again every (days)"), 90)
    disability_due = _days(_("disability: days to visit"), 14)
    disability_every = _days(_("disability: visit again every (days)"), 90)
    festival_lead = _days(
        _("festival: days before the festival the duty is raised"), 14,
        _("The duty is due on the festival day itself."))
    dispute_followup = _days(_("dispute: days after closing to check the agreement holds"), 30)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")

    RULE_FIELDS = {
        DutyRule.DISPUTE: ("dispute_due", "dispute_every"),
        DutyRule.ILLNESS: ("illness_due", "illness_every"),
        DutyRule.REPEAT: ("repeat_due", "repeat_every"),
        DutyRule.HARDSHIP: ("hardship_due", "hardship_every"),
        DutyRule.DISABILITY: ("disability_due", "disability_every"),
    }
    EDITABLE = ("dispute_due", "dispute_every", "illness_due", "illness_every",
                "repeat_due", "repeat_every", "hardship_due",
                "hardship_every", "disability_due", "disability_every", "festival_lead",
                "dispute_followup")
    AUDIT_FIELDS = EDITABLE

    class Meta:
        verbose_name = _("must-visit settings")
        verbose_name_plural = _("must-visit settings")

    def __str__(self) -> str:
        return str(self.community)

    def due_days(self, rule: str) -> int:
        if rule == DutyRule.FESTIVAL:
            return self.festival_lead
        return getattr(self, self.RULE_FIELDS[rule][0])

    def every_days(self, rule: str) -> int:
        return getattr(self, self.RULE_FIELDS[rule][1])

    @classmethod
    def for_community(cls, community_id: int | None) -> CareSettings:
        """The saved settings, or the defaults (unsaved) when the head never
        changed them."""
        found = cls.objects.filter(community_id=community_id).first()
        return found or cls(community_id=community_id)


class FestivalDate(models.Model):
    """The station's festival calendar: on which day a festival falls in a year.

    Seeded from jiayuan.lib.festivals; the station corrects and extends it (the
    Islamic Association announces Eid after the moon is sighted)."""

    festival = models.CharField(_("festival"), max_length=20, choices=FESTIVAL_CHOICES)
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    AUDIT_FIELDS = ("festival", "date", "note")

    class Meta:
        verbose_name = _("festival date")
        verbose_name_plural = _("festival dates")
        ordering = ["date", "festival"]
        constraints = [models.UniqueConstraint(fields=["festival", "date"],
                                               name="festivaldate_unique")]

    def __str__(self) -> str:
        return f"{festival_label(self.festival)} {self.date:%Y-%m-%d}"


class Visit(ChoiceLabels):
    """One entry of the visit diary (民情日记): households or a business."""

    community = models.ForeignKey("places.Community", models.PROTECT, related_name="+")
    grid = models.ForeignKey("places.Grid", models.PROTECT, related_name="+", editable=False)
    households = models.ManyToManyField("registry.Household", blank=True, related_name="visits",
                                        verbose_name=_("households"))
    business = models.ForeignKey("registry.Business", models.PROTECT, null=True, blank=True,
                                 related_name="visits", verbose_name=_("business"))
    visited_at = models.DateTimeField(_("date and time"), default=timezone.now)
    visitors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                      verbose_name=_("staff on the visit"))
    volunteers = models.CharField(_("volunteers on the visit"), max_length=200, blank=True,
                                  help_text=_("Names, separated by commas."))
    mode = models.CharField(_("mode"), max_length=10, choices=VisitMode.choices,
                            default=VisitMode.HOME)
    purpose = models.CharField(_("purpose"), max_length=12, choices=VisitPurpose.choices,
                               default=VisitPurpose.ROUTINE)
    found = models.TextField(_("what we found"), blank=True)
    needs = models.TextField(_("needs identified"), blank=True)
    next_visit = models.DateField(_("next visit"), null=True, blank=True)
    sensitive_note = models.TextField(
        _("sensitive note"), blank=True,
        help_text=_("Health, hardship, family matters: shown only to roles that may see "
                    "sensitive details."))
    cases = models.ManyToManyField("desk.Case", blank=True, related_name="visits",
                                   verbose_name=_("requests opened"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Sent by the form: the same submission twice (a retry on a bad connection)
    # finds the visit the first one created instead of writing a second.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    AUDIT_FIELDS = ("business_id", "visited_at", "volunteers", "mode", "purpose", "found",
                    "needs", "next_visit", "sensitive_note")
    # Free text about a household stays out of the log (as the desk's case text does).
    AUDIT_SENSITIVE = ("found", "needs", "sensitive_note")

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["grid", "visited_at"], name="visit_grid_at_idx"),
                   models.Index(fields=["created_by", "visited_at"], name="visit_author_idx"),
                   # The visits made in a period, for readers who see every grid
                   # (care.metrics).
                   models.Index(fields=["visited_at"], name="visit_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {timezone.localtime(self.visited_at):%Y-%m-%d}"


class Duty(models.Model):
    """A must-visit duty: a household is owed a visit, for a reason, by a date.

    Raised by `manage.py tick` (jiayuan.care.duties), closed by a qualifying
    visit, or lapsed when its reason no longer holds. `key` tells apart several
    duties of one rule (a festival's occurrence); at most one duty of a rule and
    key is open per household, which the database enforces."""

    household = models.ForeignKey("registry.Household", models.CASCADE, related_name="duties",
                                  verbose_name=_("household"))
    grid = models.ForeignKey("places.Grid", models.PROTECT, related_name="+", editable=False)
    rule = models.CharField(_("reason"), max_length=12, choices=DutyRule.choices)
    key = models.CharField(max_length=40, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    raised_on = models.DateField(_("raised on"))
    due = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=8, choices=DutyStatus.choices,
                              default=DutyStatus.OPEN)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    visit = models.ForeignKey(Visit, models.SET_NULL, null=True, blank=True,
                              related_name="duties_closed", verbose_name=_("visit"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                 blank=True, related_name="+", verbose_name=_("grid worker"))

    class Meta:
        verbose_name = _("must-visit duty")
        verbose_name_plural = _("must-visit duties")
        ordering = ["due", "id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "rule", "key"],
                                    condition=Q(status="open"), name="duty_one_open"),
            # A festival comes once a year: one duty per occurrence, whatever became of it.
            models.UniqueConstraint(fields=["household", "rule", "key"],
                                    condition=Q(rule="festival"), name="duty_one_per_festival"),
        ]
        indexes = [models.Index(fields=["grid", "status", "due"], name="duty_grid_idx"),
                   models.Index(fields=["assignee", "status", "due"], name="duty_assignee_idx"),
                   models.Index(fields=["rule", "status"], name="duty_rule_idx"),
                   models.Index(fields=["household", "status"], name="duty_household_idx"),
                   # The duty list's tab counts for accounts that see every grid;
                   # with the closing day, the on-time figures (care.metrics) read
                   # the index alone.
                   models.Index(fields=["status", "due", "closed_on"],
                                name="duty_status_due_closed_idx"),
                   models.Index(fields=["status", "closed_on"], name="duty_status_closed_idx"),
                   # Duties due in a period, whatever their status, for accounts that
                   # see every grid (the figures' months, care.metrics): a range of
                   # this index, read alone, instead of the whole of the one above.
                   models.Index(fields=["due", "status", "closed_on"], name="duty_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} {self.due:%Y-%m-%d}"

    @property
    def on_time(self) -> bool | None:
        """Fulfilled by its due date; None while open or when it lapsed."""
        if self.status != DutyStatus.DONE or self.closed_on is None:
            return None
        return self.closed_on <= self.due

    def is_overdue(self, today: Any) -> bool:
        return self.status == DutyStatus.OPEN and self.due < today


class Dispute(ChoiceLabels):
    """A dispute the station mediates (矛盾纠纷调解)."""

    ref = models.CharField(_("reference"), max_length=30, unique=True, editable=False)
    community = models.ForeignKey("places.Community", models.PROTECT, related_name="+")
    grid = models.ForeignKey("places.Grid", models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("grid"))
    kind = models.CharField(_("kind"), max_length=12, choices=DisputeKind.choices)
    source = models.CharField(_("came in"), max_length=12, choices=DisputeSource.choices)
    case = models.ForeignKey("desk.Case", models.SET_NULL, null=True, blank=True,
                             related_name="disputes", verbose_name=_("service-desk request"))
    summary = models.CharField(_("summary"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    mediators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                       verbose_name=_("mediators"))
    status = models.CharField(_("status"), max_length=10, choices=DisputeStatus.choices,
                              default=DisputeStatus.OPEN)
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=DisputeOutcome.choices,
                               blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)
    escalation = models.TextField(
        _("escalation"), blank=True,
        help_text=_("What happened, honestly: the police were called, it went to court, "
                    "a party was hurt…"))
    agreement_text = models.TextField(_("agreement"), blank=True)
    agreement_on = models.DateField(_("agreement signed on"), null=True, blank=True)
    followup_due = models.DateField(_("check the agreement holds by"), null=True, blank=True)
    followup_on = models.DateField(_("checked on"), null=True, blank=True)
    followup_holding = models.BooleanField(_("the agreement holds"), null=True, blank=True)
    followup_note = models.TextField(_("follow-up note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    AUDIT_FIELDS = ("grid_id", "kind", "source", "case_id", "summary", "details", "status",
                    "opened_on", "closed_on", "outcome", "outcome_note", "escalated_on",
                    "escalation", "agreement_text", "agreement_on", "followup_due",
                    "followup_on", "followup_holding", "followup_note")
    AUDIT_SENSITIVE = ("details", "outcome_note", "escalation", "agreement_text",
                       "followup_note")

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-opened_on", "-id"]
        indexes = [models.Index(fields=["grid", "status"], name="dispute_grid_idx"),
                   models.Index(fields=["status", "followup_due"], name="dispute_followup_idx")]

    def __str__(self) -> str:
        return self.ref

    @property
    def is_open(self) -> bool:
        return self.status != DisputeStatus.CLOSED


class DisputeParty(models.Model):
    """One side of a dispute: a registered person, a household, a business, or
    someone from outside the community named in words."""

    dispute = models.ForeignKey(Dispute, models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=12, choices=PartyRole.choices)
    person = models.ForeignKey("registry.Person", models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("person"))
    household = models.ForeignKey("registry.Household", models.PROTECT, null=True, blank=True,
                                  related_name="dispute_parties", verbose_name=_("household"))
    business = models.ForeignKey("registry.Business", models.PROTECT, null=True, blank=True,
                                 related_name="dispute_parties", verbose_name=_("business"))
    name = models.CharField(pgettext_lazy("of a person", "name"), max_length=100, blank=True,
                            help_text=_("For someone not in the registry."))

    class Meta:
        ordering = ["role", "id"]
        indexes = [models.Index(fields=["household"], name="party_household_idx")]

    def __str__(self) -> str:
        if self.person_id:
            return self.person.name
        if self.business_id:
            return self.business.name
        if self.household_id and not self.name:
            return str(self.household)
        return self.name


class MediationSession(models.Model):
    dispute = models.ForeignKey(Dispute, models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("held at"), default=timezone.now)
    place = models.CharField(_("place"), max_length=100, blank=True)
    attendees = models.CharField(_("attendees"), max_length=300)
    notes = models.TextField(_("notes"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_FIELDS = ("held_at", "place", "attendees", "notes")

    class Meta:
        ordering = ["held_at", "id"]


class Pairing(ChoiceLabels):
    """One-to-one pairing (一对一结对帮扶): a helper and a household."""

    community = models.ForeignKey("places.Community", models.PROTECT, related_name="+")
    grid = models.ForeignKey("places.Grid", models.PROTECT, related_name="+", editable=False)
    household = models.ForeignKey("registry.Household", models.PROTECT, related_name="pairings",
                                  verbose_name=_("household"))
    helper_kind = models.CharField(_("helper"), max_length=16, choices=HelperKind.choices)
    helper_user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                    blank=True, related_name="pairings",
                                    verbose_name=_("staff account"))
    helper_person = models.ForeignKey("registry.Person", models.PROTECT, null=True, blank=True,
                                      related_name="helps", verbose_name=_("resident"))
    goals = models.TextField(_("goals"))
    started = models.DateField(pgettext_lazy("start date", "from"), default=timezone.localdate)
    ended = models.DateField(pgettext_lazy("end date", "until"), null=True, blank=True)
    # When the pairing is meant to end (a term agreed at the start); the
    # pairing does not end by itself on that day, the list marks it instead.
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=PairingStatus.choices,
                              default=PairingStatus.ACTIVE)
    last_contact = models.DateField(_("last contact"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_FIELDS = ("household_id", "helper_kind", "helper_user_id", "helper_person_id",
                    "goals", "started", "ended", "planned_end", "status")
    AUDIT_SENSITIVE = ("goals",)

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["status", "-started", "-id"]
        constraints = [models.CheckConstraint(
            condition=Q(helper_user__isnull=False) | Q(helper_person__isnull=False),
            name="pairing_has_helper")]
        indexes = [models.Index(fields=["grid", "status"], name="pairing_grid_idx")]

    def __str__(self) -> str:
        return f"{self.helper_name} → {self.household}"

    def is_past_planned_end(self, today: Any) -> bool:
        """Still active after the day it was meant to end."""
        return (self.status == PairingStatus.ACTIVE and self.planned_end is not None
                and self.planned_end < today)

    @property
    def helper_name(self) -> str:
        if self.helper_user_id:
            return self.helper_user.display_name
        return self.helper_person.name if self.helper_person_id else ""


class CheckIn(models.Model):
    """A contact between a helper and their household. A visit the helper made
    to the household counts (it is linked, not copied)."""

    pairing = models.ForeignKey(Pairing, models.CASCADE, related_name="checkins")
    on = models.DateField(_("date"), default=timezone.localdate)
    mode = models.CharField(_("mode"), max_length=10, choices=VisitMode.choices,
                            default=VisitMode.HOME)
    note = models.TextField(_("note"), blank=True)
    visit = models.ForeignKey(Visit, models.CASCADE, null=True, blank=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-on", "-id"]
        constraints = [models.UniqueConstraint(fields=["pairing", "visit"],
                                               condition=Q(visit__isnull=False),
                                               name="checkin_one_per_visit")]
