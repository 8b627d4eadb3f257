"""The export form: which list, which format, which grid and period, and —
for roles that may see them — which sensitive columns, with a reason.

Only what the account may export is offered; anything else posted (another
list, another grid, a column the role may not see) is an error on its field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiayuan.core.models import User
from jiayuan.core.scope import grids_for
from jiayuan.places.forms import GridChoiceField
from jiayuan.places.models import Grid
from jiayuan.sheets import export
from jiayuan.sheets.export import Dataset, Spec


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


FORMAT_CHOICES = [("xlsx", _("Excel (.xlsx)")), ("csv", _("CSV (UTF-8)"))]


class ExportForm(forms.Form):
    dataset = forms.ChoiceField(widget=forms.HiddenInput, error_messages={
        "required": _("Choose one of the lists offered."),
        "invalid_choice": _("Choose one of the lists offered.")})
    format = forms.ChoiceField(
        label=_("Format"), choices=FORMAT_CHOICES, initial="xlsx", widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose Excel (.xlsx) or CSV.")},
        help_text=_("Choose Excel to open the list in Excel or WPS: ID-card and phone numbers "
                    "stay text and dates stay dates. CSV (UTF-8) is for other programs; "
                    "Excel turns long numbers in a CSV into rounded ones."))
    grid = GridChoiceField(
        label=_("Grid"), queryset=Grid.objects.none(), required=False,
        empty_label=_("All my grids"),
        error_messages={"invalid_choice": _("That grid is not one of yours: choose one from "
                                            "the list.")})
    include_moved_out = forms.BooleanField(
        label=_("Include households and people who have moved out"), required=False)
    since = forms.DateField(label=_("From"), required=False,
                            widget=_date_input())
    until = forms.DateField(label=_("Until"), required=False,
                            widget=_date_input())
    sensitive = forms.MultipleChoiceField(
        label=_("Sensitive columns"), required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Your role may not export the column "
                                            "“%(value)s”: untick it.")},
        help_text=_("Tick only what the task needs. Each sensitive column is recorded in the "
                    "audit log with your reason."))
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why you need the sensitive columns, e.g. “subsidy renewal list for the "
                    "civil affairs office”."))

    def __init__(self, *args: Any, actor: User, dataset: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.datasets = export.datasets_for(actor)
        allowed = {d.key: d for d in self.datasets}
        wanted = self.data.get("dataset") if self.is_bound else dataset
        # A forged name still shows a form (for the first list) with the error.
        self.chosen: Dataset | None = allowed.get(wanted) or (
            self.datasets[0] if self.datasets else None)
        self.fields["dataset"].choices = [(d.key, d.label) for d in self.datasets]
        self.fields["dataset"].initial = self.chosen.key if self.chosen else ""
        self.fields["grid"].queryset = grids_for(actor)
        self.offered = export.sensitive_columns(actor, self.chosen) if self.chosen else []
        self.fields["sensitive"].choices = [(c.key, c.choice or c.label) for c in self.offered]
        if self.chosen is None or self.chosen.current is None:
            del self.fields["include_moved_out"]
        if self.chosen is None or not self.chosen.dated:
            del self.fields["since"], self.fields["until"]

    @property
    def columns(self) -> list[Any]:
        """The columns written without any sensitive one ticked (shown on the page)."""
        return export.columns_for(self.chosen) if self.chosen else []

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("sensitive") and len((data.get("reason") or "").strip()) < export.MIN_REASON:
            self.add_error("reason", export.reason_message())
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def spec(self) -> Spec:
        data = self.cleaned_data
        return Spec(dataset=data["dataset"], format=data["format"], grid=data.get("grid"),
                    include_moved_out=bool(data.get("include_moved_out")),
                    since=data.get("since"), until=data.get("until"),
                    sensitive=tuple(data.get("sensitive") or ()),
                    reason=(data.get("reason") or "").strip())
