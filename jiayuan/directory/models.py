"""Departments and partner organisations: who the station refers cases to,
who provides a catalogue service, who a referral consent names.

The table keeps the name it had when the model lived in the service desk
(`desk_department`): the model moved, the data did not.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.directory.choices import DepartmentKind

NAME = pgettext_lazy("of a place or business", "name")


class Department(models.Model):
    """A government department or a partner organisation cases are referred to."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(NAME, max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=DepartmentKind.choices)
    handles = models.TextField(_("what they handle"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    AUDIT_FIELDS = ("code", "name", "kind", "handles", "contact_name", "phone", "email",
                    "active")

    class Meta:
        db_table = "desk_department"
        verbose_name = _("department or partner")
        verbose_name_plural = _("departments and partners")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name
