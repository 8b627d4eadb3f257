"""Forms of the volunteers' pages: registering and editing a volunteer,
hours (staff's entry, a correction, a claim's rejection, the volunteer's own
report on the personal link, a colleague's report), a liaison officer's building, an information
officer's report, a certificate."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import grids_for
from jiayuan.core.staff import staff_with
from jiayuan.desk.models import ServiceItem
from jiayuan.engage.choices import VolunteerRole, VolunteerStatus
from jiayuan.lib.forms import IdModelChoiceField
from jiayuan.places.models import Building

INVALID = {"invalid_choice": _("That choice is no longer offered: choose again from the list.")}


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _roles() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=_("Roles"), choices=VolunteerRole.choices,
                                     required=False, widget=forms.CheckboxSelectMultiple)


def _hours(label: Any = None) -> forms.DecimalField:
    return forms.DecimalField(
        label=label or _("Hours"), min_value=Decimal("0.25"), max_value=Decimal("24"),
        decimal_places=2, max_digits=4,
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
        error_messages={"required": _("Give the hours served."),
                        "invalid": _("Give the hours as a number, e.g. 2.5.")})


class _Details(forms.Form):
    skills = forms.CharField(label=_("Skills"), max_length=200, required=False)
    languages = forms.CharField(label=_("Languages"), max_length=120, required=False,
                                help_text=_("e.g. Korean, Mandarin"))
    availability = forms.CharField(label=_("Availability"), max_length=200, required=False,
                                   help_text=_("e.g. weekday evenings, weekends"))


class VolunteerForm(_Details):
    """A resident (the picker's `person`) or a staff member of the community."""

    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    user = IdModelChoiceField(label=_("or a staff member"), queryset=User.objects.none(),
                              required=False, error_messages=INVALID)
    roles = _roles()
    field_order = ["person", "user", "roles", "skills", "languages", "availability"]

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_with(actor, Perm.VIEW_ENGAGE).order_by(
            "username")  # type: ignore[attr-defined]
        self.fields["user"].label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]


class VolunteerEditForm(_Details):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    roles = _roles()
    status = forms.ChoiceField(label=_("Status"), choices=VolunteerStatus.choices)
    field_order = ["roles", "status", "skills", "languages", "availability"]


class HoursForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=_date_input())
    hours = _hours()
    note = forms.CharField(label=_("What was done"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class ClaimForm(forms.Form):
    """The volunteer's own report on the personal link."""

    on = forms.DateField(label=_("Date"), widget=_date_input(),
                         error_messages={"required": _("Give the date."),
                                         "invalid": _("Give the date as 2026-05-01.")})
    hours = _hours()
    what = forms.CharField(label=_("What did you do?"), max_length=200,
                           error_messages={"required": _("Say what you did.")})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class ColleagueClaimForm(ClaimForm):
    """Hours a colleague (not a coordinator) reports for the volunteer: a
    claim waiting for approval, like the volunteer's own."""

    what = forms.CharField(label=_("What did the volunteer do?"), max_length=200,
                           error_messages={"required": _("Say what the volunteer did.")})


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200,
                             error_messages={"required": _("Give a reason.")})


class AreaForm(forms.Form):
    building = IdModelChoiceField(label=_("Building"), queryset=Building.objects.none(),
                                  error_messages={**INVALID,
                                                  "required": _("Choose a building.")})

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = Building.objects.filter(  # type: ignore[attr-defined]
            grid__in=grids_for(actor)).select_related("grid").order_by("grid__code", "number")


class ReportForm(forms.Form):
    item = IdModelChoiceField(label=_("Service"), queryset=ServiceItem.objects.none(),
                              error_messages={**INVALID, "required": _("Choose a service.")})
    summary = forms.CharField(label=_("What was seen, in a line"), max_length=200)
    details = forms.CharField(label=_("Details"), max_length=4000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = ServiceItem.objects.filter(  # type: ignore[attr-defined]
            active=True).order_by("category__order", "order", "pk")


def certificate_year() -> int:
    """The year a certificate is most likely asked for, on the station's
    calendar: in January and February the year just ended (its hours are still
    being reported and approved), from March this year."""
    today = timezone.localdate()
    return today.year - 1 if today.month <= 2 else today.year


class CertificateForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100,
                              initial=certificate_year)
