"""Forms of one-to-one pairing (一对一结对帮扶): pairing a helper with a
household, recording a check-in, setting the planned end, pausing, resuming or
ending a pairing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.care.choices import HelperKind, PairingStatus, VisitMode
from jiayuan.care.visits.forms import visit_staff
from jiayuan.core.models import User
from jiayuan.core.scope import in_scope
from jiayuan.lib.forms import IdModelChoiceField
from jiayuan.registry.models import Household, Person
from jiayuan.registry.selectors import households_for, people_for


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class HelperAccountField(IdModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name} · {obj.get_role_display()}"


PLANNED_END_HELP = _("Optional: when the pairing is meant to end. It does not end by "
                     "itself; the list marks it if it is still active after that day.")
PLANNED_END_BEFORE_START = _("The planned end is before the start.")


class PairingForm(forms.Form):
    """The household and the helper come from as-you-type pickers as hidden
    ids; they are checked against the actor's scope here, so that a forged or
    stale id gets a message a person can act on."""

    household = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={
            "required": _("Choose the household to pair."),
            "invalid": _("Choose the household from the search.")})
    helper_kind = forms.ChoiceField(label=_("Kind of helper"), choices=HelperKind.choices,
                                    initial=HelperKind.VOLUNTEER)
    helper_user = HelperAccountField(
        label=_("Staff account"), queryset=User.objects.none(), required=False,
        empty_label=_("(none: the helper is a resident)"),
        help_text=_("A staff member's visits to the household count as check-ins."))
    helper_person = forms.IntegerField(
        widget=forms.HiddenInput, required=False,
        error_messages={"invalid": _("Choose the resident from the search.")})
    goals = forms.CharField(
        label=_("Goals"), widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write down what the pairing should achieve.")},
        help_text=_("What the pairing should achieve, one goal a line."))
    started = forms.DateField(label=pgettext_lazy("pairing", "Start date"),
                              widget=_date_input())
    planned_end = forms.DateField(label=_("Planned end"), required=False,
                                  widget=_date_input(), help_text=PLANNED_END_HELP)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("started", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["helper_user"].queryset = visit_staff(actor)
        self.household_obj: Household | None = None
        self.person_obj: Person | None = None

    def clean_household(self) -> int:
        pk = self.cleaned_data["household"]
        self.household_obj = (households_for(self.actor).filter(pk=pk)
                              .select_related("dwelling__building", "head").first())
        if self.household_obj is None:
            # The same words whether it exists elsewhere or not at all.
            raise forms.ValidationError(_("That household is not in your grids. Choose it "
                                          "again from the search."), code="scope")
        if self.household_obj.moved_out is not None:
            raise forms.ValidationError(_("Household %(h)s has moved out.")
                                        % {"h": self.household_obj}, code="moved_out")
        return pk

    def clean_helper_person(self) -> int | None:
        pk = self.cleaned_data["helper_person"]
        if pk is None:
            return None
        self.person_obj = (people_for(self.actor).filter(pk=pk)
                           .select_related("household__dwelling").first())
        if self.person_obj is None:
            raise forms.ValidationError(_("That resident is not in your grids. Choose them "
                                          "again from the search."), code="scope")
        if self.person_obj.left_on is not None:
            raise forms.ValidationError(_("%(name)s has left the community.")
                                        % {"name": self.person_obj.name}, code="left")
        return pk

    def clean_started(self) -> Any:
        started = self.cleaned_data["started"]
        if started > timezone.localdate():
            raise forms.ValidationError(_("The start date is in the future: record the "
                                          "pairing when it begins."))
        return started

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (data.get("planned_end") and data.get("started")
                and data["planned_end"] < data["started"]):
            self.add_error("planned_end", PLANNED_END_BEFORE_START)
        user = data.get("helper_user")
        if (data.get("helper_kind") == HelperKind.STAFF and user is None
                and self.person_obj is not None):
            self.add_error("helper_user", _(
                "Station staff are paired through their staff account, so that their "
                "visits count as check-ins."))
        if (self.person_obj is not None and self.household_obj is not None
                and self.person_obj.household_id == self.household_obj.pk):
            self.add_error("helper_person", _(
                "The helper cannot be a member of the household they help."))
        if user is not None and self.household_obj is not None and not in_scope(
                user, self.household_obj.grid_id):
            self.add_error("helper_user", _(
                "%(name)s does not work in this household's grid: choose someone who "
                "does.") % {"name": user.display_name})
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"household": self.household_obj, "helper_kind": data["helper_kind"],
                "helper_user": data["helper_user"], "helper_person": self.person_obj,
                "goals": data["goals"], "started": data["started"],
                "planned_end": data["planned_end"]}


class CheckInForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=_date_input())
    mode = forms.ChoiceField(label=pgettext_lazy("visit", "Mode"), choices=VisitMode.choices,
                             initial=VisitMode.HOME)
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("What you talked about, what changed, what comes "
                                       "next."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        kwargs.setdefault("auto_id", "checkin_%s")  # both forms share a page
        super().__init__(*args, **kwargs)


class PlannedEndForm(forms.Form):
    """Set, move or clear (left empty) the planned end of a running pairing."""

    planned_end = forms.DateField(label=_("Planned end"), required=False,
                                  widget=_date_input(), help_text=PLANNED_END_HELP)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "plan_%s")  # three forms share a page
        super().__init__(*args, **kwargs)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=PairingStatus.choices, widget=forms.HiddenInput)
    on = forms.DateField(label=pgettext_lazy("pairing", "End date"), required=False,
                         widget=_date_input())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        kwargs.setdefault("auto_id", "end_%s")
        super().__init__(*args, **kwargs)

    def clean_on(self) -> Any:
        on = self.cleaned_data["on"]
        if on is not None and on > timezone.localdate():
            raise forms.ValidationError(_("The date is in the future."))
        return on
