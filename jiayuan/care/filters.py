"""Care's list filters (parsed by jiayuan.core.filters)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.care.choices import DisputeKind
from jiayuan.core.filters import FilterForm


class TabFilterForm(FilterForm):
    """The tab of a list (duties, disputes, pairings, the visit diary)."""

    tab = forms.ChoiceField(label=pgettext_lazy("filter", "Tab"), choices=())

    def __init__(self, data: Any, *, tabs: Iterable[str], default: str) -> None:
        super().__init__(data)
        self.fields["tab"].choices = [(t, t) for t in tabs]
        self.fields["tab"].initial = default


class DisputeFilterForm(TabFilterForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=DisputeKind.choices)


class VisitFilterForm(FilterForm):
    view = forms.ChoiceField(label=pgettext_lazy("filter", "View"), initial="mine",
                             choices=[(v, v) for v in ("mine", "week", "grid")])


class FollowupFilterForm(FilterForm):
    """The follow-up checks: everyone's, or those of the disputes I mediate."""

    show = forms.ChoiceField(label=pgettext_lazy("filter", "Show"), initial="all",
                             choices=[(v, v) for v in ("all", "mine")])
