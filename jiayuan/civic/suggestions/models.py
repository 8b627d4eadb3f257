"""Residents' suggestions (金点子): from the portal, at a meeting, or entered
by staff; a station's own statuses, each change with a public reason; merged
duplicates; adopted ones carried by an improvement project."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.civic.choices import Category, Stage, SuggestionSource

NAME = pgettext_lazy("of a status", "name")


def new_public_token() -> str:
    return secrets.token_urlsafe(16)


class SuggestionStatus(models.Model):
    """A status a station gives suggestions ("received", "at the council",
    "adopted"…), each meaning one `Stage`. `community` empty: the default set
    every station starts from. Names are translated (translation.py)."""

    community = models.ForeignKey("places.Community", models.CASCADE, null=True, blank=True,
                                  related_name="+", verbose_name=_("community"))
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(NAME, max_length=60)
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    AUDIT_FIELDS = ("code", "name", "stage", "order", "active")

    class Meta:
        verbose_name = _("suggestion status")
        verbose_name_plural = _("suggestion statuses")
        ordering = ["community", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["community", "code"],
                                               name="suggestionstatus_code_once")]

    def __str__(self) -> str:
        return self.name


class Suggestion(models.Model):
    ref = models.CharField(_("reference"), max_length=24, unique=True, editable=False)
    community = models.ForeignKey("places.Community", models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    # From the resident's household, or chosen by staff; empty: community-wide.
    grid = models.ForeignKey("places.Grid", models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("grid"))
    source = models.CharField(_("source"), max_length=10, choices=SuggestionSource.choices)
    category = models.CharField(_("category"), max_length=14, choices=Category.choices,
                                default=Category.OTHER)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("suggestion"))
    # The resident it was entered for (staff, meeting); never shown publicly.
    person = models.ForeignKey("registry.Person", models.PROTECT, null=True, blank=True,
                               related_name="suggestions", verbose_name=_("resident"))
    meeting = models.ForeignKey("civic.Meeting", models.SET_NULL, null=True, blank=True,
                                related_name="suggestions", verbose_name=_("raised at"))
    # Optional contact from the portal: staff see the name and a masked phone
    # (revealing it is audited); the public never sees either.
    contact_name = models.CharField(_("contact name"), max_length=60, blank=True)
    contact_phone_enc = models.TextField(blank=True, editable=False)
    contact_phone_mask = models.CharField(_("contact phone"), max_length=20, blank=True,
                                          editable=False)
    status = models.ForeignKey(SuggestionStatus, models.PROTECT, related_name="+",
                               verbose_name=_("status"))
    # The newest public reason, shown with the status on the portal.
    public_reason = models.TextField(_("public reason"), blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    response_due = models.DateTimeField(_("first response due"))
    responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    merged_into = models.ForeignKey("self", models.PROTECT, null=True, blank=True,
                                    related_name="merged", verbose_name=_("merged into"))
    supporters = models.PositiveIntegerField(_("supporters"), default=1)
    project = models.ForeignKey("civic.Project", models.SET_NULL, null=True, blank=True,
                                related_name="suggestions", verbose_name=_("project"))
    public_token = models.CharField(max_length=32, default=new_public_token, editable=False)
    portal_source = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    AUDIT_FIELDS = ("grid_id", "source", "category", "title", "person_id", "meeting_id",
                    "status_id", "public_reason", "merged_into_id", "supporters",
                    "project_id")
    SENSITIVE_FIELDS = ("contact_name",)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["community", "received_at"])]

    def __str__(self) -> str:
        return self.ref


class SuggestionChange(models.Model):
    """A change of status with its public reason (shown on the portal), or a
    merge. Never edited."""

    suggestion = models.ForeignKey(Suggestion, models.CASCADE, related_name="changes")
    from_status = models.ForeignKey(SuggestionStatus, models.PROTECT, null=True, blank=True,
                                    related_name="+")
    to_status = models.ForeignKey(SuggestionStatus, models.PROTECT, related_name="+")
    public_reason = models.TextField(_("public reason"))
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                           related_name="+")

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["suggestion", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.suggestion_id}: {self.to_status_id}"
