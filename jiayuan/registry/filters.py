"""The registry's list filters (parsed by jiayuan.core.filters)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.core.filters import FilterChoiceField, FilterForm
from jiayuan.registry.choices import Residency


class HouseholdFilterForm(FilterForm):
    grid = FilterChoiceField(label=_("Grid"), queryset=None)
    residency = forms.ChoiceField(label=_("Residency"), choices=Residency.choices)
    status = forms.ChoiceField(label=_("Status"), initial="active", choices=[
        ("active", _("Living here")), ("moved_out", pgettext_lazy("status", "Moved out")),
        ("archived", pgettext_lazy("status", "Archived"))])

    def __init__(self, data: Any, *, grids: Any) -> None:
        super().__init__(data)
        self.fields["grid"].queryset = grids
