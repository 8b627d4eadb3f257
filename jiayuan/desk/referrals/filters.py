"""The desk's list filters (parsed by jiayuan.core.filters)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiayuan.core.filters import FilterChoiceField, FilterForm
from jiayuan.desk.choices import ReferralStatus
from jiayuan.desk.models import Department


class ReferralFilterForm(FilterForm):
    status = forms.ChoiceField(label=_("Status"), choices=ReferralStatus.choices)
    department = FilterChoiceField(label=_("Department"), queryset=Department.objects.all())
