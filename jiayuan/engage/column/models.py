"""The policy column (政策专栏): posts in Simplified Chinese with optional
Traditional Chinese, English and Uyghur versions, published between two
dates, reviewed by a date (`manage.py tick` reminds the owner), each saved
version kept."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.engage.choices import PostCategory

#: The languages a post may be written in, the first required.
POST_LANGUAGES = ("zh_hans", "zh_hant", "en", "ug")
REVIEW_DAYS = 90


def default_review_by() -> object:
    return timezone.localdate() + timedelta(days=REVIEW_DAYS)


class Post(models.Model):
    community = models.ForeignKey("places.Community", models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    category = models.CharField(_("category"), max_length=10, choices=PostCategory.choices)
    title_zh_hans = models.CharField(_("title (Simplified Chinese)"), max_length=120)
    body_zh_hans = models.TextField(_("text (Simplified Chinese)"))
    title_zh_hant = models.CharField(_("title (Traditional Chinese)"), max_length=120,
                                     blank=True)
    body_zh_hant = models.TextField(_("text (Traditional Chinese)"), blank=True)
    title_en = models.CharField(_("title (English)"), max_length=120, blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    title_ug = models.CharField(_("title (Uyghur)"), max_length=120, blank=True)
    body_ug = models.TextField(_("text (Uyghur)"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                              verbose_name=pgettext_lazy("post", "owner"))
    publish_on = models.DateField(_("publish on"), null=True, blank=True,
                                  help_text=_("Empty: not published."))
    unpublish_on = models.DateField(_("take down on"), null=True, blank=True)
    review_by = models.DateField(_("review by"), default=default_review_by)
    reviewed_on = models.DateField(_("last reviewed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    AUDIT_FIELDS = ("category", "title_zh_hans", "owner_id", "publish_on", "unpublish_on",
                    "review_by", "reviewed_on")

    class Meta:
        verbose_name = _("policy post")
        verbose_name_plural = _("policy posts")
        ordering = ["-publish_on", "-pk"]
        indexes = [models.Index(fields=["community", "publish_on"])]

    def __str__(self) -> str:
        return self.title_zh_hans


class PostVersion(models.Model):
    """A saved version of a post: its texts as saved, and what changed."""

    post = models.ForeignKey(Post, models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    texts = models.JSONField(_("texts"))
    changed = models.CharField(_("what changed"), max_length=200, blank=True)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                 blank=True, related_name="+")
    saved_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("post version")
        verbose_name_plural = _("post versions")
        ordering = ["post", "-number"]
        constraints = [models.UniqueConstraint(fields=["post", "number"],
                                               name="postversion_once")]

    def __str__(self) -> str:
        return f"{self.post_id} v{self.number}"


class ReviewReminder(models.Model):
    """Raised by `manage.py tick` when a post's review date comes: one per
    post and review date, so a second run writes nothing."""

    post = models.ForeignKey(Post, models.CASCADE, related_name="reminders")
    due = models.DateField(_("review by"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("review reminder")
        verbose_name_plural = _("review reminders")
        ordering = ["due", "pk"]
        constraints = [models.UniqueConstraint(fields=["post", "due"],
                                               name="reviewreminder_once")]

    def __str__(self) -> str:
        return f"{self.post_id} {self.due}"
