"""Forms of the mediation pages: opening a dispute, and each action on its page.

Forms check the shape of the input and that what they name is in the actor's
scope (a forged id gets a message a person can act on); the services decide
what is allowed (a closed dispute, "resolved" without an agreement…).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.care.choices import DisputeKind, DisputeOutcome, DisputeSource, PartyRole
from jiayuan.care.mediation.selectors import grid_choices, grid_optional, mediator_choices
from jiayuan.care.models import Dispute
from jiayuan.care.visits.forms import StaffChoiceField
from jiayuan.core.access import as_id
from jiayuan.core.models import User
from jiayuan.desk.models import Case
from jiayuan.desk.selectors import cases_for
from jiayuan.places.forms import GridChoiceField
from jiayuan.places.models import Grid
from jiayuan.registry.models import Business, Household, Person
from jiayuan.registry.selectors import businesses_for, households_for, people_for

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _not_future(value: Any) -> Any:
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("The date is in the future."))
    return value


class DisputeForm(forms.Form):
    """Opening a dispute; `case` is the desk request it came from, if any."""

    case = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # From a household file or a business page: that party, recorded as the applicant.
    household = forms.IntegerField(widget=forms.HiddenInput, required=False)
    business = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(label=_("Kind of dispute"), choices=DisputeKind.choices)
    source = forms.ChoiceField(label=_("How it came in"), choices=DisputeSource.choices,
                               initial=DisputeSource.WALK_IN)
    summary = forms.CharField(label=_("Summary"), max_length=200,
                              help_text=_("One line: who disagrees about what."))
    details = forms.CharField(label=_("Details"), required=False, widget=_text(4))
    grid = GridChoiceField(label=_("Grid"), queryset=Grid.objects.none(), required=False)
    mediators = StaffChoiceField(label=_("Mediators"), queryset=User.objects.none(),
                                 required=False, widget=forms.CheckboxSelectMultiple,
                                 help_text=_("Leave empty to mediate it yourself."))
    opened_on = forms.DateField(label=_("Opened on"), widget=_date_input())

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.case_obj: Case | None = None
        self.household_obj: Household | None = None
        self.business_obj: Business | None = None
        self.fields["grid"].queryset = grid_choices(actor)
        if grid_optional(actor):
            self.fields["grid"].empty_label = _("(the whole community)")
            self.fields["grid"].help_text = _(
                "Set by the first party's household when left empty.")
        else:
            self.fields["grid"].required = True
        self.fields["mediators"].queryset = mediator_choices(actor)
        self.fields["mediators"].initial = [actor.pk]
        self.fields["opened_on"].initial = timezone.localdate()

    def clean_opened_on(self) -> Any:
        return _not_future(self.cleaned_data["opened_on"])

    def clean(self) -> dict[str, Any]:
        """The request and the party the dispute is opened from, in the actor's
        scope (found even when another field is wrong, to show them again)."""
        data = super().clean()
        case_id, household_id, business_id = (as_id(self.data.get(name))
                                              for name in ("case", "household", "business"))
        if case_id is not None:
            self.case_obj = cases_for(self.actor).select_related("person").filter(
                pk=case_id).first()
            if self.case_obj is None:
                self.add_error(None, _("That service-desk request is not in your area."))
        if household_id is not None:
            self.household_obj = households_for(self.actor).filter(
                pk=household_id, moved_out__isnull=True).first()
        if business_id is not None:
            self.business_obj = businesses_for(self.actor).filter(pk=business_id).first()
        if ((household_id is not None and self.household_obj is None)
                or (business_id is not None and self.business_obj is None)):
            self.add_error(None, _("That party is not in your grids. Nothing was saved."))
        return data


class FactsForm(forms.Form):
    """Editing what the dispute is about, and who mediates it."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind of dispute"), choices=DisputeKind.choices)
    source = forms.ChoiceField(label=_("How it came in"), choices=DisputeSource.choices)
    summary = forms.CharField(label=_("Summary"), max_length=200)
    details = forms.CharField(label=_("Details"), required=False, widget=_text(4))
    mediators = StaffChoiceField(label=_("Mediators"), queryset=User.objects.none(),
                                 widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, actor: User, dispute: Dispute, **kwargs: Any) -> None:
        current = list(dispute.mediators.all())
        kwargs.setdefault("initial", {
            "version": dispute.version, "kind": dispute.kind, "source": dispute.source,
            "summary": dispute.summary, "details": dispute.details,
            "mediators": [u.pk for u in current]})
        super().__init__(*args, **kwargs)
        self.fields["mediators"].queryset = mediator_choices(actor, keep=current)


class PartyForm(forms.Form):
    """One party: a resident or a household (from the picker), a business, or
    the name of someone from outside the community. Ids are checked against the
    actor's scope here, so a forged one is refused before anything is written."""

    role = forms.ChoiceField(label=_("Role in the dispute"), choices=PartyRole.choices,
                             initial=PartyRole.APPLICANT)
    person = forms.IntegerField(widget=forms.HiddenInput, required=False)
    household = forms.IntegerField(widget=forms.HiddenInput, required=False)
    business = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Or the name of someone not in the registry"),
                           max_length=100, required=False,
                           help_text=_("A person from outside the community, a landlord, "
                                       "a company…"))

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.person_obj: Person | None = None
        self.household_obj: Household | None = None
        self.business_obj: Business | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        chosen = [k for k in ("person", "household", "business") if data.get(k)]
        name = (data.get("name") or "").strip()
        if len(chosen) + bool(name) > 1:
            raise forms.ValidationError(_("Name one party at a time: a resident, a household, "
                                          "a business, or a name."))
        if not chosen and not name:
            raise forms.ValidationError(_("Choose a resident, a household or a business, or "
                                          "write the name of someone from outside the "
                                          "community."))
        if data.get("person"):
            self.person_obj = (people_for(self.actor).filter(pk=data["person"])
                               .select_related("household").first())
            if self.person_obj is None:
                raise forms.ValidationError(_("That resident is not in your area."))
        elif data.get("household"):
            self.household_obj = households_for(self.actor).filter(pk=data["household"]).first()
            if self.household_obj is None:
                raise forms.ValidationError(_("That household is not in your area."))
        elif data.get("business"):
            self.business_obj = businesses_for(self.actor).filter(pk=data["business"]).first()
            if self.business_obj is None:
                raise forms.ValidationError(_("That business is not in your area."))
        return data


class SessionForm(forms.Form):
    held_at = forms.DateTimeField(
        label=_("Held at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL))
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    attendees = forms.CharField(label=_("Attendees"), max_length=300,
                                help_text=_("Who came: the parties, mediators, others."))
    notes = forms.CharField(label=_("Notes"), widget=_text(4))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["held_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class AgreementForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    agreement_text = forms.CharField(label=_("Agreement"), required=False, widget=_text(8),
                                     help_text=_("What the parties agreed, point by point: "
                                                 "this is printed for their signatures."))
    agreement_on = forms.DateField(label=_("Signed on"), required=False, widget=_date_input(),
                                   help_text=_("Leave empty until the parties have signed."))

    def clean_agreement_on(self) -> Any:
        return _not_future(self.cleaned_data["agreement_on"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("agreement_on") and not (data.get("agreement_text") or "").strip():
            self.add_error("agreement_text", _("Write down the agreement that was signed."))
        return data


class EscalateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    escalated_on = forms.DateField(label=pgettext_lazy("escalation", "When"),
                                   widget=_date_input())
    escalation = forms.CharField(label=_("What happened"), widget=_text(3),
                                 help_text=_("Honestly: the police were called, it went to "
                                             "court, a party was hurt…"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["escalated_on"].initial = timezone.localdate()


class CloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Outcome"),
                                choices=[("", "---------"), *DisputeOutcome.choices])
    note = forms.CharField(label=_("Outcome note"), required=False, widget=_text(3),
                           help_text=_("Required for “resolved” when there is no written "
                                       "agreement: say what was agreed."))
    closed_on = forms.DateField(label=_("Closed on"), widget=_date_input())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["closed_on"].initial = timezone.localdate()


class ReopenForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why reopen it"), max_length=1000, widget=_text(2))


class FollowupForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label=_("Checked on"), widget=_date_input())
    holding = forms.TypedChoiceField(
        label=_("Does the agreement hold?"), coerce=lambda v: v == "1",
        choices=[("1", _("Yes, it holds")), ("0", _("No, it is not holding"))],
        widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, widget=_text(2))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()

