"""Per-user API tokens.

A token is shown once, when it is made; only its SHA-256 is stored (tokens
are 32 random bytes, so a plain hash is as good as a slow one and costs
nothing per request). The prefix is kept in clear so the owner can tell
their tokens apart on the page and in the audit log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens", verbose_name=_("account"))
    name = models.CharField(_("name"), max_length=80,
                            help_text=_("What the token is for, e.g. “the 12345 platform”."))
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(_("read only"), default=False)
    created_at = models.DateTimeField(_("created"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Open311Key(models.Model):
    """A key of an Open311 client (a city platform, an app): POST requests.{fmt}
    needs one (`api_key`). Only its SHA-256 is stored; the prefix stays in
    clear to tell keys apart. Issued by `manage.py open311_key`."""

    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 key")
        verbose_name_plural = _("Open311 keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


from jiayuan.api.account.models import ApiRateCount  # noqa: E402, F401 (the rate limit's counts)
from jiayuan.api.webhooks.models import *  # noqa: E402,F403 (the webhooks area's models)
