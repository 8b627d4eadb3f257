"""Forms of the staff desk: intake, edit, actions, timeline, follow-up."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.staff import staff_with
from jiayuan.desk.choices import COUNTED_OUTCOMES, Channel, EventKind, Outcome, Priority
from jiayuan.desk.models import Case, ServiceItem
from jiayuan.desk.services.casework import permit_expiry_problem
from jiayuan.lib.forms import IdModelChoiceField
from jiayuan.lib.phone import PhoneError, normalize_phone


def workers(actor: Any) -> QuerySet[User]:
    """Accounts that can own a case: active, allowed to work cases, same community."""
    return staff_with(actor, Perm.WORK_CASES)


class WorkerChoiceField(IdModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name} · {obj.get_role_display()}"


class ItemChoiceField(IdModelChoiceField):
    """Active services, grouped by category in the select (call `group()` from
    the form's __init__: the grouping reads the database)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=ServiceItem.objects.none(), **kwargs)

    def group(self, queryset: QuerySet[ServiceItem]) -> None:
        self.queryset = queryset.select_related("category")
        groups: dict[str, list[tuple[Any, str]]] = {}
        for item in self.queryset:
            groups.setdefault(str(item.category.name), []).append((item.pk, str(item.name)))
        self.choices = [("", "---------"), *groups.items()]


def clean_phone(value: str) -> str:
    if not value:
        return ""
    try:
        return normalize_phone(value)
    except PhoneError as exc:
        raise forms.ValidationError(str(exc)) from exc


class NewCaseFields(forms.Form):
    """What every new request asks, wherever it is taken: at the desk's intake
    form or from a visit (care's VisitCaseForm)."""

    item = ItemChoiceField(label=_("Service"))
    summary = forms.CharField(label=_("Summary"), max_length=200,
                              help_text=_("One line, in the resident's words."))
    details = forms.CharField(label=_("Details"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices,
                                 initial=Priority.NORMAL)
    needs_onsite = forms.BooleanField(
        label=_("Someone must go on site (三必到)"), required=False,
        help_text=_("Always on for services that require it."))
    owner = WorkerChoiceField(label=pgettext_lazy("case", "Owner"), queryset=User.objects.none(),
                              required=False, empty_label=_("(unassigned)"))

    def set_choices(self, actor: Any) -> None:
        """The owners (workers of the actor's community) and the active services."""
        self.fields["owner"].queryset = workers(actor)
        self.fields["item"].group(ServiceItem.objects.filter(active=True))


class IntakeForm(NewCaseFields):
    field_order = ["person", "caller_name", "caller_phone", "channel"]

    person = forms.IntegerField(widget=forms.HiddenInput, required=False)
    caller_name = forms.CharField(label=_("Caller's name (not registered)"), required=False,
                                  max_length=60)
    caller_phone = forms.CharField(label=_("Caller's phone"), required=False, max_length=30)
    channel = forms.ChoiceField(label=_("Channel"), choices=[
        c for c in Channel.choices if c[0] != Channel.PORTAL], initial=Channel.WALK_IN)

    def __init__(self, *args: Any, actor: Any, people: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = people
        self.set_choices(actor)
        self.fields["owner"].initial = actor.pk
        self.person_obj = None

    def clean_caller_phone(self) -> str:
        return clean_phone(self.cleaned_data["caller_phone"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        pk = data.get("person")
        if pk:
            self.person_obj = self.people.filter(pk=pk).select_related("household").first()
            if self.person_obj is None:
                raise forms.ValidationError(_("That resident is not in your area."))
        elif not data.get("caller_name"):
            self.add_error("caller_name", _("Choose a registered resident above, or give the "
                                            "caller's name."))
        return data


class CaseEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    item = ItemChoiceField(label=_("Service"))
    summary = forms.CharField(label=_("Summary"), max_length=200)
    details = forms.CharField(label=_("Details"), required=False,
                              widget=forms.Textarea(attrs={"rows": 5}))
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    needs_onsite = forms.BooleanField(label=_("Someone must go on site (三必到)"),
                                      required=False)
    owner = WorkerChoiceField(label=pgettext_lazy("case", "Owner"), queryset=User.objects.none(), required=False,
                              empty_label=_("(unassigned)"))

    def __init__(self, *args: Any, actor: Any, case: Case, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {
            "version": case.version, "item": case.item_id, "summary": case.summary,
            "details": case.details, "priority": case.priority,
            "needs_onsite": case.needs_onsite, "owner": case.owner_id})
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = workers(actor)
        # Keep the current service selectable even if it was deactivated since.
        self.fields["item"].group(ServiceItem.objects.filter(
            Q(pk=case.item_id) | Q(active=True)))


class AssignForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    owner = WorkerChoiceField(label=pgettext_lazy("case", "Owner"), queryset=User.objects.none(), required=False,
                              empty_label=_("(unassigned)"))

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = workers(actor)


class TransitionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Why"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("The resident sees this on their status page."))
    outcome = forms.ChoiceField(label=_("Outcome"), required=False,
                                choices=[("", "---------"), *Outcome.choices])
    # Required by services.transition for counted outcomes; offered as 1, the
    # usual number, so the worker sees it and corrects it when it is more.
    outcome_quantity = forms.IntegerField(label=_("How many (jobs, places...)"),
                                          required=False, min_value=1, max_value=999,
                                          initial=1)
    outcome_note = forms.CharField(label=_("Outcome note"), required=False, max_length=300,
                                   help_text=_("Required when the station could not help: "
                                               "say why. The resident sees it on their "
                                               "status page."))
    duplicate_ref = forms.CharField(label=_("Reference of the original case"), required=False,
                                    max_length=24)
    # Offered on resolving when a residence permit was issued: written to the
    # requester's registry record with the resolution (services.transition).
    permit_number = forms.CharField(label=_("Residence permit number"), required=False,
                                    max_length=40)
    permit_expiry = forms.DateField(label=_("Residence permit expiry"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"},
                                                           format="%Y-%m-%d"))

    def clean(self) -> dict[str, Any]:
        """The case a duplicate points to, found among the cases the worker
        may see (`cases`): another reference is "not found", never a leak."""
        data = super().clean()
        ref = (data.get("duplicate_ref") or "").strip().upper()
        data["duplicate_of"] = self.cases.filter(ref=ref).first() if ref else None
        if ref and data["duplicate_of"] is None and data.get("action") == "cancel_duplicate":
            self.add_error("duplicate_ref", _("No case with that reference in your area."))
        return data

    def clean_permit_expiry(self) -> Any:
        value = self.cleaned_data.get("permit_expiry")
        problem = permit_expiry_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value

    def __init__(self, *args: Any, cases: QuerySet[Case] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cases = cases if cases is not None else Case.objects.none()
        self.fields["outcome_quantity"].help_text = _(
            "Needed for the outcomes the reports count: %(outcomes)s.") % {
            "outcomes": ", ".join(str(label) for value, label in Outcome.choices
                                  if value in COUNTED_OUTCOMES)}


class NoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[
        (EventKind.NOTE, EventKind.NOTE.label), (EventKind.CALL, EventKind.CALL.label),
        (EventKind.ONSITE, EventKind.ONSITE.label)], initial=EventKind.NOTE)
    text = forms.CharField(label=_("What happened"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    at = forms.DateTimeField(label=_("When"), required=False,
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                        format="%Y-%m-%dT%H:%M"),
                             help_text=_("Leave empty for now."))
    public = forms.BooleanField(label=_("Show this to the resident on their status page"),
                                required=False)

    def clean_at(self) -> Any:
        value = self.cleaned_data["at"]
        if value and value > timezone.now() + timezone.timedelta(minutes=5):
            raise forms.ValidationError(_("This is in the future."))
        return value


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("Document"))
    note = forms.CharField(label=_("What it is"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django.conf import settings

        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "PDF, JPEG, PNG, WebP, Word (.docx) or Excel (.xlsx); at most %(mb)d MB.") % {
            "mb": settings.DESK_UPLOAD_MAX_BYTES // (1024 * 1024)}


class FollowUpForm(forms.Form):
    reached = forms.TypedChoiceField(label=_("Did you reach the resident?"), coerce=lambda v: v == "1",
                                     choices=[("1", _("Yes")), ("0", _("No answer"))],
                                     widget=forms.RadioSelect, initial="1")
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"), required=False, coerce=int, empty_value=None,
        choices=[("", "—"), *[(str(i), f"{i} ★") for i in range(5, 0, -1)]])
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500)


class MatchForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    person = forms.IntegerField(widget=forms.HiddenInput)
