"""Forms of activities: the activity, a session, a staff sign-up, a
volunteer at a session, and the portal's sign-up (several names, one phone,
a honeypot and a timing stamp)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from jiayuan.core.models import User
from jiayuan.core.scope import grids_for
from jiayuan.desk.portal.forms import PortalForm
from jiayuan.engage.activities.services import MAX_PORTAL_NAMES
from jiayuan.engage.choices import ActivityKind
from jiayuan.engage.volunteers.selectors import volunteers_for
from jiayuan.lib.forms import IdModelChoiceField
from jiayuan.lib.phone import PhoneError, normalize_phone

INVALID = {"invalid_choice": _("That choice is no longer offered: choose again from the list.")}


def _dt() -> forms.DateTimeField:
    return forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                          format="%Y-%m-%dT%H:%M"),
                               input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    edition = forms.IntegerField(label=_("Edition"), required=False, min_value=1,
                                 max_value=999, help_text=_("For a yearly festival: 7 for the "
                                                            "7th."))
    grid = IdModelChoiceField(label=_("Grid"), queryset=None, required=False,
                              empty_label=_("the whole community"), error_messages=INVALID)
    description = forms.CharField(label=_("Description"), required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    published = forms.BooleanField(label=_("Open for sign-ups on the portal"),
                                   required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, actor: User, editing: bool = False, **kw: Any) -> None:
        super().__init__(*args, **kw)
        if editing:
            del self.fields["grid"]
        else:
            del self.fields["version"]
            self.fields["grid"].queryset = grids_for(actor)  # type: ignore[attr-defined]


class SessionForm(forms.Form):
    starts_at = _dt()
    ends_at = _dt()
    place = forms.CharField(label=_("Place"), max_length=120)
    capacity = forms.IntegerField(label=pgettext_lazy("capacity", "Places"), required=False,
                                  min_value=1, max_value=100000,
                                  help_text=_("Empty: no limit."))

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["starts_at"].label = _("Starts")
        self.fields["ends_at"].label = _("Ends")


class SignUpForm(forms.Form):
    """Staff: a resident from the registry picker (the view resolves it)."""

    person = forms.CharField(widget=forms.HiddenInput, error_messages={
        "required": _("Choose the resident from the search.")})
    photo_consent = forms.BooleanField(label=_("Agrees to be photographed"), required=False)


class VolunteerForm(forms.Form):
    volunteer = IdModelChoiceField(label=_("Volunteer"), queryset=None,
                                   error_messages=INVALID)

    def __init__(self, *args: Any, actor: User, community_id: int, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["volunteer"].queryset = (  # type: ignore[attr-defined]
            volunteers_for(actor).filter(community_id=community_id, status="active")
            .select_related("person", "user"))
        self.fields["volunteer"].label_from_instance = _volunteer_label  # type: ignore


def _volunteer_label(v: Any) -> str:
    if v.person_id:
        return v.person.name
    return v.user.display_name if v.user_id else str(v.pk)


class ServedForm(forms.Form):
    hours = forms.DecimalField(label=_("Hours"), required=False, min_value=0.25,
                               max_value=24, decimal_places=2,
                               help_text=_("Empty: the session's length."))


class PortalSignUpForm(PortalForm):
    session = forms.IntegerField(widget=forms.HiddenInput)
    names = forms.CharField(
        label=_("Names"), max_length=400, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the name of at least one person.")})
    phone = forms.CharField(label=_("Phone number"), max_length=30, widget=forms.TextInput(
        attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("For the station to reach you about the activity; never shown."),
        error_messages={"required": _("Give a phone number.")})
    photo_consent = forms.BooleanField(label=_("We agree to be photographed at the activity"),
                                       required=False)

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["names"].help_text = gettext(
            "One name a line: you may sign up up to %(n)d people of your household.") % {
                "n": MAX_PORTAL_NAMES}

    def clean_names(self) -> list[str]:
        return [n for n in self.cleaned_data["names"].splitlines() if n.strip()]

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except PhoneError as err:
            raise forms.ValidationError(err.message, code=err.code) from err
