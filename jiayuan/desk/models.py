"""The service desk: a catalogue of services, the departments and partners that
provide them, and the cases (requests) residents bring, from intake to the
follow-up call (件件有回音、事事有着落).

Catalogue texts (names, descriptions, documents) are translated per language by
django-modeltranslation (see translation.py): `item.name` reads the active
language and falls back to Simplified Chinese.
"""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.core.labels import ChoiceLabels
from jiayuan.desk.choices import (
    OPEN_STATUSES,
    Channel,
    EventKind,
    Outcome,
    PortalHitKind,
    Priority,
    ReferralStatus,
    ReminderKind,
    Status,
)

# Department moved to jiayuan.directory (same table); re-exported for desk's code.
from jiayuan.directory.models import Department  # noqa: F401

NAME = pgettext_lazy("of a place or business", "name")


class ServiceCategory(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(NAME, max_length=60)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class ServiceItem(models.Model):
    category = models.ForeignKey(ServiceCategory, models.PROTECT, related_name="items",
                                 verbose_name=_("category"))
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(NAME, max_length=100)
    description = models.TextField(_("description"), blank=True)
    documents = models.TextField(_("documents to bring"), blank=True,
                                 help_text=_("One per line."))
    department = models.ForeignKey(Department, models.PROTECT, null=True, blank=True,
                                   related_name="items",
                                   verbose_name=_("responsible department or partner"))
    response_hours = models.PositiveSmallIntegerField(
        _("target for the first response (hours)"), default=24)
    resolution_days = models.PositiveSmallIntegerField(
        _("target for resolution (days)"), default=15)
    green_channel = models.BooleanField(
        _("green channel"), default=False,
        help_text=_("Fast track: resolution target halved, first response within the "
                    "urgent target."))
    onsite_required = models.BooleanField(
        _("someone must be on site (三必到)"), default=False,
        help_text=_("New cases of this service cannot be resolved until an on-site contact "
                    "is recorded."))
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Sensitive services (disputes, legal aid) are never listed, taken or shown
    # through the public Open311 interface (jiayuan.api.open311); the portal
    # still offers them. Hidden unless staff publish it (the catalogue's form).
    open311_hidden = models.BooleanField(
        _("hidden from Open311"), default=True,
        help_text=_("Not listed, accepted or shown through the public Open311 interface. "
                    "Every service starts hidden: staff publish the ones that are not "
                    "sensitive."))

    AUDIT_FIELDS = ("category_id", "code", "name", "description", "documents",
                    "department_id", "response_hours", "resolution_days", "green_channel",
                    "onsite_required", "active", "order", "open311_hidden")

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["category__order", "order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def document_list(self) -> list[str]:
        return [line.strip() for line in (self.documents or "").splitlines() if line.strip()]


class PrivateStorage(FileSystemStorage):
    """Uploaded documents live under PRIVATE_MEDIA_ROOT with no URL: only the
    access-checked download view serves them. The location is read from the
    settings on each use (so tests and deployments can move it)."""

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Case documents have no public URL.")


def private_storage() -> FileSystemStorage:
    return PrivateStorage()


def new_public_token() -> str:
    return secrets.token_urlsafe(16)


class Case(ChoiceLabels):
    """One request from a resident, from intake to the follow-up call."""

    ref = models.CharField(_("reference"), max_length=24, unique=True, editable=False)
    community = models.ForeignKey("places.Community", models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    # Denormalised from the household for scope filtering; empty while the
    # requester is not matched to the registry.
    grid = models.ForeignKey("places.Grid", models.PROTECT, null=True, blank=True,
                             related_name="+", editable=False)
    household = models.ForeignKey("registry.Household", models.PROTECT, null=True,
                                  blank=True, related_name="cases",
                                  verbose_name=_("household"))
    person = models.ForeignKey("registry.Person", models.PROTECT, null=True, blank=True,
                               related_name="cases", verbose_name=_("requester"))
    # An unregistered caller: just a name and a phone, until matched.
    caller_name = models.CharField(_("caller's name"), max_length=60, blank=True)
    caller_phone_enc = models.TextField(blank=True, editable=False)
    caller_phone_hash = models.CharField(max_length=64, blank=True, db_index=True,
                                         editable=False)
    caller_phone_mask = models.CharField(_("caller's phone"), max_length=20, blank=True,
                                         editable=False)

    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    item = models.ForeignKey(ServiceItem, models.PROTECT, related_name="cases",
                             verbose_name=_("service"))
    summary = models.CharField(_("summary"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices,
                                default=Priority.NORMAL)
    needs_onsite = models.BooleanField(_("needs someone on site (三必到)"), default=False)
    onsite_at = models.DateTimeField(_("on-site contact"), null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                              blank=True, related_name="owned_cases",
                              verbose_name=pgettext_lazy("case", "owner"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.NEW)
    opened_at = models.DateTimeField(_("received"), default=timezone.now)
    response_due = models.DateTimeField(_("first response due"))
    due = models.DateTimeField(_("resolution due"))
    acknowledged_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("date", "closed"), null=True, blank=True)
    # Set once by `manage.py tick` when a target is missed (kept after the case
    # moves on, so reports stay honest).
    response_breached = models.BooleanField(_("first response late"), default=False)
    resolution_breached = models.BooleanField(_("resolution late"), default=False)
    # A second request for the same service from the same household within the
    # repeat window (settings.DESK_REPEAT_DAYS).
    is_repeat = models.BooleanField(_("repeated request"), default=False)

    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices,
                               blank=True)
    outcome_quantity = models.PositiveSmallIntegerField(_("how many"), null=True, blank=True)
    outcome_note = models.CharField(_("outcome note"), max_length=300, blank=True)
    duplicate_of = models.ForeignKey("self", models.PROTECT, null=True, blank=True,
                                     related_name="duplicates",
                                     verbose_name=_("duplicate of"))

    # Shown to the resident with the reference: together they open the public
    # status page. The reference alone is sequential and guessable.
    public_token = models.CharField(max_length=32, default=new_public_token, editable=False)
    # Keyed hash of the submitting address, for the portal's rate limit only.
    portal_source = models.CharField(max_length=64, blank=True, db_index=True,
                                     editable=False)

    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    AUDIT_FIELDS = ("household_id", "person_id", "caller_name", "channel", "item_id",
                    "summary", "priority", "needs_onsite", "owner_id", "status", "due",
                    "outcome", "outcome_quantity", "duplicate_of_id")
    SENSITIVE_FIELDS = ("summary", "caller_name")

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due"], name="case_status_due"),
            models.Index(fields=["owner", "status", "due"], name="case_owner_status_due"),
            models.Index(fields=["grid", "status", "due"], name="case_grid_status_due"),
            models.Index(fields=["community", "status", "due"], name="case_comm_status_due"),
            models.Index(fields=["household", "item", "opened_at"], name="case_hh_item_opened"),
            models.Index(fields=["opened_at"], name="case_opened"),
            # The figures of cases resolved in a period (desk.metrics).
            models.Index(fields=["resolved_at"], name="case_resolved"),
            models.Index(fields=["portal_source", "opened_at"], name="case_portal_source"),
            # For `tick`: cases answered or resolved late that are not flagged yet.
            models.Index(fields=["id"], condition=models.Q(
                response_breached=False, acknowledged_at__gt=models.F("response_due")),
                name="case_ack_late_unflagged"),
            models.Index(fields=["id"], condition=models.Q(
                resolution_breached=False, resolved_at__gt=models.F("due")),
                name="case_res_late_unflagged"),
        ]

    def __str__(self) -> str:
        # Only the reference: str() labels audit entries, and the summary may
        # hold sensitive facts.
        return self.ref

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def requester_name(self) -> str:
        return self.person.name if self.person_id else self.caller_name

    def is_overdue(self, now=None) -> bool:
        now = now or timezone.now()
        return self.is_open and self.due < now

    @property
    def resolved_on_time(self) -> bool | None:
        if self.resolved_at is None:
            return None
        return self.resolved_at <= self.due


class CaseDocument(models.Model):
    """An uploaded document. Stored outside the web root, served only through an
    access-checked view (never by URL)."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="documents")
    file = models.FileField(upload_to="case-documents/%Y/%m/", max_length=200,
                            storage=private_storage)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class CaseEvent(models.Model):
    """One entry on a case's timeline. Append-only."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                              blank=True, related_name="+")
    # For entries made without an account: a department's reply, the portal.
    actor_name = models.CharField(max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    text = models.TextField(_("text"), blank=True)
    # A line the system writes is kept as a message code and its parameters and
    # rendered in the reader's language (jiayuan.desk.timeline); `text` keeps
    # only what a person typed.
    code = models.CharField(max_length=30, blank=True)
    params = models.JSONField(default=dict, blank=True)
    # Shown on the resident's public status page.
    public = models.BooleanField(_("show to the resident"), default=False)
    document = models.ForeignKey(CaseDocument, models.SET_NULL, null=True, blank=True,
                                 related_name="+")

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="caseevent_case_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    @property
    def who(self) -> str:
        from jiayuan.desk.timeline import event_who

        return event_who(self)

    @property
    def display_text(self) -> str:
        from jiayuan.desk.timeline import event_text

        return event_text(self)


class FollowUp(models.Model):
    """The follow-up call after a case is resolved (回访)."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="follow_ups")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    reached = models.BooleanField(_("reached the resident"))
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1-5)"), null=True, blank=True,
        choices=[(i, str(i)) for i in range(1, 6)])
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")
        ordering = ["at", "id"]
        # The satisfaction figure: the calls made in a period (desk.metrics).
        indexes = [models.Index(fields=["at"], name="followup_at")]
        constraints = [models.CheckConstraint(
            condition=models.Q(satisfaction__isnull=True)
            | models.Q(satisfaction__gte=1, satisfaction__lte=5),
            name="followup_satisfaction_1_5")]


class Referral(models.Model):
    """A case sent to a department, with a signed reply link that needs no account."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="referrals")
    department = models.ForeignKey(Department, models.PROTECT, related_name="referrals",
                                   verbose_name=_("department"))
    # The consent that allowed sharing, or the head's override reason.
    consent = models.ForeignKey("registry.Consent", models.PROTECT, null=True, blank=True,
                                related_name="+")
    override_reason = models.CharField(_("reason for sharing without consent"),
                                       max_length=300, blank=True)
    message = models.TextField(_("what the station asks the department"))
    share_contact = models.BooleanField(
        _("share the resident's name and phone"), default=True)
    status = models.CharField(_("status"), max_length=12, choices=ReferralStatus.choices,
                              default=ReferralStatus.SENT)
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    expires_at = models.DateTimeField(_("reply link expires"))
    # Part of the signed link: rotating it invalidates links already sent.
    nonce = models.CharField(max_length=32, default=new_public_token, editable=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.CharField(_("answered by"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["status", "sent_at"], name="referral_status_sent")]

    def __str__(self) -> str:
        return f"{self.case.ref} → {self.department}"


class RefCounter(models.Model):
    """The last reference number issued per station and year (ZJJ-2026-00123)."""

    prefix = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"],
                                               name="refcounter_prefix_year")]


class PortalHit(models.Model):
    """A portal request that made no case but counts towards the address's rate
    limit: a filled honeypot, a bad timing stamp, a failed status lookup
    (services.portal_hit_record). Only the keyed hash of the address is kept,
    and rows older than a day are deleted as new ones come in."""

    source = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=PortalHitKind.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["source", "kind", "at"], name="portalhit_source_kind_at"),
            models.Index(fields=["at"], name="portalhit_at"),
        ]


class PortalProof(models.Model):
    """A proof of work already used (services.portal_pow_redeem): each challenge
    opens one submission. Rows older than a challenge's lifetime are deleted as
    new ones come in, so the table holds a quarter of an hour of traffic."""

    challenge = models.CharField(max_length=32, unique=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)


class Reminder(models.Model):
    """Something a worker should act on by a date, raised by `manage.py tick`."""

    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    person = models.ForeignKey("registry.Person", models.CASCADE, related_name="+")
    grid = models.ForeignKey("places.Grid", models.CASCADE, related_name="+")
    due = models.DateField(_("due"))
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["due", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "person", "due"],
                                               name="reminder_once")]


class DigestLog(models.Model):
    """One reminder e-mail per staff member per day: `tick` may run often."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)
    cases = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once")]


class DeskSettings(models.Model):
    """A community's repeat-request threshold, which its station head sets (on
    the must-visit settings page). One value serves the desk's "coming back"
    flag and care's must-visit duty: read it through
    desk.selectors.repeat_threshold, which falls back to the deployment's
    DESK_REPEAT_OPEN / DESK_REPEAT_DAYS until the head saves one."""

    community = models.OneToOneField("places.Community", models.CASCADE,
                                     related_name="desk_settings")
    repeat_open = models.PositiveSmallIntegerField(
        _("repeated requests: unresolved requests that flag a household"),
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("A household with this many unresolved requests at once, or the same "
                    "request again within the repeat window, is flagged at the desk and "
                    "owed a visit."))
    repeat_days = models.PositiveSmallIntegerField(
        _("repeat window (days)"), validators=[MinValueValidator(1), MaxValueValidator(366)])
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")

    AUDIT_FIELDS = ("repeat_open", "repeat_days")

    class Meta:
        verbose_name = _("desk settings")
        verbose_name_plural = _("desk settings")

    def __str__(self) -> str:
        return str(self.community)
