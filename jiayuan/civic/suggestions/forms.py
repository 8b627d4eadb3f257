"""Forms of suggestions: the portal's (anonymous allowed), staff entry for a
resident or at a meeting, a status change, a merge, adopting as a project,
and the station's statuses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiayuan.civic.choices import Category, Stage
from jiayuan.civic.suggestions.models import Suggestion
from jiayuan.civic.suggestions.selectors import meetings_choices, merge_targets, own_statuses
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import grids_for
from jiayuan.core.staff import staff_with
from jiayuan.desk.portal.forms import PortalForm
from jiayuan.lib.forms import IdModelChoiceField
from jiayuan.lib.phone import PhoneError, normalize_phone

REASON_HELP = _("Shown to residents on the portal with the new status: say what happens and "
                "why. No names.")
INVALID = {"invalid_choice": _("That choice is no longer offered: choose again from the list.")}


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _reason() -> forms.CharField:
    return forms.CharField(label=_("Public reason"), max_length=2000, help_text=REASON_HELP,
                           widget=forms.Textarea(attrs={"rows": 3}), error_messages={
                               "required": _("Write the public reason: residents read it on "
                                             "the portal.")})


class PortalIdeaForm(PortalForm):
    title = forms.CharField(label=_("Your idea in a few words"), max_length=120,
                            error_messages={"required": _("Say in a few words what you "
                                                          "suggest.")})
    category = forms.ChoiceField(label=_("What is it about?"), choices=Category.choices,
                                 initial=Category.OTHER)
    body = forms.CharField(label=_("Your suggestion"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 6}),
                           error_messages={"required": _("Describe your suggestion.")},
                           help_text=_("Where, what, and why it would help. Do not write ID "
                                       "numbers here."))
    contact_name = forms.CharField(label=_("Your name (optional)"), max_length=60,
                                   required=False)
    contact_phone = forms.CharField(
        label=_("Your phone number (optional)"), max_length=30, required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("Only if the station may call you about your idea. Your name and "
                    "number are never shown publicly."))

    @property
    def visible(self) -> list[forms.BoundField]:
        return [self[n] for n in ("title", "category", "body", "contact_name",
                                  "contact_phone")]

    def clean_contact_phone(self) -> str:
        raw = self.cleaned_data["contact_phone"].strip()
        if not raw:
            return ""
        try:
            return normalize_phone(raw)
        except PhoneError as err:
            raise forms.ValidationError(err.message, code=err.code) from err


class IdeaLookupForm(forms.Form):
    ref = forms.CharField(label=_("Reference number"), max_length=24)
    code = forms.CharField(label=_("Code"), max_length=40)


class SuggestionForm(forms.Form):
    """Staff entry: the resident comes from the as-you-type picker (a hidden
    id, checked in scope by the service)."""

    person = forms.IntegerField(widget=forms.HiddenInput, required=False,
                                error_messages={"invalid": _("Choose the resident from the "
                                                             "search.")})
    meeting = IdModelChoiceField(label=_("Raised at a meeting"), required=False,
                                 queryset=None, error_messages=INVALID,
                                 empty_label=_("(not at a meeting)"))
    grid = IdModelChoiceField(label=_("Grid"), required=False, queryset=None,
                              error_messages=INVALID, empty_label=_("(the whole community)"),
                              help_text=_("Left as it is when a resident is chosen: theirs "
                                          "is used."))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices,
                                 initial=Category.OTHER)
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Suggestion"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 5}))
    received_on = forms.DateField(label=_("Received on"), required=False,
                                  widget=_date_input())

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        meeting = self.fields["meeting"]
        meeting.queryset = meetings_choices(actor)  # type: ignore[attr-defined]
        meeting.label_from_instance = (  # type: ignore[attr-defined]
            lambda m: f"{timezone.localtime(m.starts_at):%Y-%m-%d} · {m.title}")
        self.fields["grid"].queryset = grids_for(actor)  # type: ignore[attr-defined]

    def clean_received_on(self) -> Any:
        day = self.cleaned_data.get("received_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The date is in the future."))
        return day


class StatusChangeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    status = IdModelChoiceField(label=_("New status"), queryset=None, error_messages={
        "invalid_choice": _("That status is not one of your station's statuses. Choose one "
                            "from the list.")})
    public_reason = _reason()

    def __init__(self, *args: Any, suggestion: Suggestion, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "status_%s")  # one page holds three forms
        super().__init__(*args, **kwargs)
        self.fields["status"].queryset = (  # type: ignore[attr-defined]
            own_statuses(suggestion.community_id).filter(active=True)
            .exclude(pk=suggestion.status_id))


class MergeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    into = IdModelChoiceField(label=_("Merge into"), queryset=None, error_messages=INVALID)
    public_reason = _reason()

    def __init__(self, *args: Any, actor: User, suggestion: Suggestion, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "merge_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["into"]
        field.queryset = merge_targets(actor, suggestion)  # type: ignore[attr-defined]
        field.label_from_instance = lambda s: f"{s.ref} · {s.title}"  # type: ignore[attr-defined]


class AdoptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("Project title"), max_length=120, required=False,
                            help_text=_("Empty: the suggestion's title."))
    owner = IdModelChoiceField(label=_("Project owner"), queryset=None,
                               error_messages=INVALID)
    starts_on = forms.DateField(label=_("Starts"), widget=_date_input())
    ends_on = forms.DateField(label=_("Planned end"), widget=_date_input())
    public = forms.BooleanField(label=_("Show the project on the portal"), required=False,
                                initial=True)
    public_reason = _reason()

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("starts_on", timezone.localdate())
        kwargs["initial"].setdefault("owner", actor.pk)
        kwargs.setdefault("auto_id", "adopt_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        field.queryset = staff_with(actor, Perm.MANAGE_PROJECTS)  # type: ignore[attr-defined]
        field.label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]


class StatusNamesForm(forms.Form):
    name_zh_hans = forms.CharField(label=_("Name (simplified Chinese)"), max_length=60)
    name_zh_hant = forms.CharField(label=_("Name (traditional Chinese)"), max_length=60,
                                   required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=60, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("name_zh_hans", "name_zh_hant", "name_en"):
            field = self.fields[name]
            # The status rows show the three boxes without their labels.
            field.widget.attrs.update({"aria-label": field.label, "title": field.label})


class StatusAddForm(StatusNamesForm):
    stage = forms.ChoiceField(label=_("Means"), choices=Stage.choices)


class StatusEditForm(StatusNamesForm):
    active = forms.BooleanField(label=_("Offered"), required=False)
