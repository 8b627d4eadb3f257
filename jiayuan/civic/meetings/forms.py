"""Forms of the meeting pages. They check the shape of the input; the
services (jiayuan.civic.meetings.services, .decisions) decide what is allowed,
including scope: a resident or a request the user may not see is refused there
with a message naming it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiayuan.civic.choices import Category, DecisionStatus, MeetingKind, MeetingStatus
from jiayuan.civic.meetings.models import Meeting
from jiayuan.civic.meetings.selectors import organiser_choices, owner_choices
from jiayuan.civic.projects.selectors import projects_for
from jiayuan.core.access import as_id
from jiayuan.core.models import User
from jiayuan.core.scope import grids_for
from jiayuan.desk.models import Case, ServiceItem
from jiayuan.directory.models import Department
from jiayuan.lib.forms import IdModelChoiceField
from jiayuan.places.forms import GridChoiceField
from jiayuan.registry.models import Person

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _when(label: Any, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format=DATETIME_LOCAL))


def _date(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=forms.DateInput(
        attrs={"type": "date"}, format="%Y-%m-%d"))


class StaffField(IdModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name} · {obj.get_role_display()}"


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    grid = GridChoiceField(label=_("Grid"), queryset=None, required=False,
                           empty_label=_("The whole community"))
    starts_at = _when(_("Starts"))
    ends_at = _when(_("Ends"), required=False)
    place = forms.CharField(label=_("Place"), max_length=120, required=False)
    organiser = StaffField(label=_("Organiser"), queryset=None)
    partner = IdModelChoiceField(
        label=_("Department or partner organisation"), queryset=None, required=False,
        help_text=_("For a liaison meeting: the liaison office of the place of origin."))
    quorum = forms.IntegerField(
        label=_("Quorum"), min_value=1, max_value=999, required=False,
        help_text=_("Residents present needed for decisions. Empty: more than half of the "
                    "residents invited, for the kinds that need a quorum."))
    agenda = forms.CharField(label=_("Agenda"), required=False,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("One item a line."))
    status = forms.ChoiceField(label=_("Status"), choices=MeetingStatus.choices,
                               required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, actor: User, meeting: Meeting | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = (meeting.organiser,) if meeting is not None else ()
        self.fields["organiser"].queryset = organiser_choices(actor, keep)
        self.fields["partner"].queryset = Department.objects.filter(active=True)
        self.fields["grid"].queryset = grids_for(actor)
        if meeting is None:
            del self.fields["status"], self.fields["version"]
            self.fields["organiser"].initial = actor.pk
        else:
            del self.fields["agenda"], self.fields["grid"]
            self.fields["status"].required = True


class AgendaForm(forms.Form):
    title = forms.CharField(label=_("Agenda item"), max_length=200)
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))


INVITE_KINDS = [
    ("resident", _("Resident")), ("staff", _("Staff")),
    ("department", _("Department representative")),
    ("partner", _("Partner organisation representative")), ("guest", _("Guest")),
]


class InviteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Who"), choices=INVITE_KINDS)
    person = forms.CharField(required=False, widget=forms.HiddenInput)
    user = StaffField(label=_("Colleague"), queryset=None, required=False)
    department = IdModelChoiceField(label=_("Department or partner organisation"),
                                    queryset=None, required=False)
    name = forms.CharField(label=_("Name"), max_length=60, required=False,
                           help_text=_("A guest's name, or the representative's."))

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = owner_choices(actor)
        self.fields["department"].queryset = Department.objects.filter(active=True)

    def clean_person(self) -> Person | None:
        raw = self.cleaned_data.get("person")
        if not raw:
            return None
        pk = as_id(raw)
        person = Person.objects.filter(pk=pk).first() if pk else None
        if person is None:
            raise forms.ValidationError(_("Choose the resident again."))
        return person  # the service checks the scope and names them


class WalkInForm(forms.Form):
    person = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Guest's name"), max_length=60, required=False)
    clean_person = InviteForm.clean_person


class MinutesForm(forms.Form):
    text = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 12}))
    loaded = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


CARRIERS = [
    ("", _("Nothing yet")), ("new_case", _("A new service-desk request")),
    ("case", _("An existing request")), ("new_project", _("A new improvement project")),
    ("project", _("An existing project")), ("referral", _("The referral of an existing request")),
]


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 3}))
    agenda_item = IdModelChoiceField(label=_("Agenda item"), queryset=None, required=False)
    owner = StaffField(label=_("Who answers for it"), queryset=None)
    due = _date(_("Due"))
    carrier = forms.ChoiceField(label=_("Carried out by"), choices=CARRIERS, required=False)
    new_case_item = IdModelChoiceField(label=_("Service for the new request"), queryset=None,
                                       required=False)
    case_ref = forms.CharField(label=_("Request reference"), max_length=30, required=False,
                               help_text=_("e.g. ZJJ-2026-00012"))
    new_project_category = forms.ChoiceField(label=_("Project category"),
                                             choices=[("", "—"), *Category.choices],
                                             required=False)
    project = IdModelChoiceField(label=_("Project"), queryset=None, required=False)

    def __init__(self, *args: Any, actor: User, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = meeting.agenda.all()
        self.fields["owner"].queryset = owner_choices(actor)
        self.fields["owner"].initial = actor.pk
        self.fields["new_case_item"].queryset = ServiceItem.objects.filter(active=True)
        self.fields["project"].queryset = projects_for(actor).exclude(
            status__in=["done", "cancelled"]).order_by("-starts_on")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        carrier = data.get("carrier") or ""
        need = {"new_case": "new_case_item", "case": "case_ref", "referral": "case_ref",
                "new_project": "new_project_category", "project": "project"}.get(carrier)
        if need and not data.get(need):
            self.add_error(need, _("Choose what carries the decision out."))
        for key in ("new_case_item", "case_ref", "new_project_category", "project"):
            if key != need:
                data[key] = "" if key in ("case_ref", "new_project_category") else None
        data["case"] = data["referral"] = None
        ref = (data.get("case_ref") or "").strip().upper()
        if ref:
            # Found whoever may see it: the service refuses one out of the
            # user's area, naming it.
            case = Case.objects.filter(ref=ref).first()
            if case is None:
                self.add_error("case_ref", _("No request %(ref)s.") % {"ref": ref})
            elif carrier == "case":
                data["case"] = case
            else:
                data["referral"] = case.referrals.order_by("-pk").first()
                if data["referral"] is None:
                    self.add_error("case_ref", _("Request %(ref)s has not been referred.")
                                   % {"ref": ref})
        return data


class DecisionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=DecisionStatus.choices)
    done_on = _date(_("Carried out on"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)
