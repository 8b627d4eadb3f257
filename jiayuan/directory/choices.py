"""Coded values of the directory of departments and partners."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DepartmentKind(models.TextChoices):
    GOVERNMENT = "government", _("Government department")
    PARTNER = "partner", _("Partner organisation")
