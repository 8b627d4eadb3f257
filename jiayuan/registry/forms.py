"""Forms: the edge where input is validated, with field-level messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiayuan.core.access import as_id
from jiayuan.core.models import User
from jiayuan.core.scope import filter_by_grid
from jiayuan.directory.models import Department
from jiayuan.lib.ethnicity import ETHNICITY_CHOICES
from jiayuan.lib.festivals import FESTIVAL_CHOICES
from jiayuan.lib.forms import IdModelChoiceField
from jiayuan.lib.idcard import IDNumberError, check_agrees, normalize_id_number
from jiayuan.lib.phone import PhoneError, normalize_phone
from jiayuan.places.models import Dwelling
from jiayuan.registry.choices import (
    LANGUAGE_CHOICES,
    CircumstanceKind,
    ConsentPurpose,
    Relation,
    Residency,
    Sex,
)
from jiayuan.registry.consent_rules import check_consent_date
from jiayuan.registry.models import Household, Person
from jiayuan.registry.pickers import Option, PickSpec, TypeaheadField
from jiayuan.registry.selectors import (
    dwelling_picks,
    get_household_for,
    origin_picks,
    origin_place,
)
from jiayuan.registry.services.households import check_moved_in
from jiayuan.registry.services.people import check_birth_date

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")



def service_rule(check: Callable[[Any], None], value: Any, field: str) -> Any:
    """A field's value checked by the service's own rule (the same function the
    service calls), its message shown on the field."""
    if value is not None:
        try:
            check(value)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict.get(field, exc.messages)) from exc
    return value

def dwelling_spec(actor: User, exclude: int | None = None) -> PickSpec:
    """The dwelling picker: dwellings in the actor's grids, by code or estate."""
    def get(raw: str) -> Dwelling | None:
        pk = as_id(raw)
        return None if pk is None else filter_by_grid(
            Dwelling.objects.select_related("building", "grid"), actor).filter(pk=pk).first()

    return PickSpec(
        url=reverse_lazy("dwelling_picks"), get=get,
        picks=lambda q: dwelling_picks(actor, q, exclude=exclude),
        option=lambda d: Option(str(d.pk), str(d), d.grid.name),
        placeholder=_("Code or estate, e.g. 3-2-302"),
        hint=_("Type the dwelling's code (building-unit-room) or its estate, then choose it."),
        nothing=_("No dwelling matches “%(q)s” in your grids."))


def dwelling_field(label: Any, required: bool = True, help_text: Any = "") -> TypeaheadField:
    return TypeaheadField(label=label, required=required, help_text=help_text,
                          several=_("Several dwellings match “%(q)s”: choose one."))


def origin_spec() -> PickSpec:
    """The origin-place picker: GB/T 2260 prefectures by name, pinyin or code."""
    return PickSpec(
        url=reverse_lazy("origin_picks"), get=origin_place, picks=origin_picks,
        option=lambda p: Option(p.code, p.label, p.code), result=lambda p: p.code,
        placeholder=_("City or prefecture: 苏州, suzhou, sz or 3205"),
        hint=_("Type the city or prefecture (name, pinyin, initials or code), then "
               "choose it."),
        nothing=_("No place of origin matches “%(q)s”."),
        empty_label=_("Unknown / not given"))


def version_field() -> forms.IntegerField:
    """The version of the household or person the form was loaded at (hidden,
    never labelled): the service refuses the save if someone saved since. The
    page always sends it; a client that leaves it out gets no check (None), as
    services called without `expected_version` do."""
    return forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1,
                              max_value=2**31 - 1,
                              error_messages={"invalid": _("Reload the page and try again.")})


class VersionedForm(forms.Form):
    """A form that edits a versioned household or person: its hidden `version`
    is the service's `expected_version`."""

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if "version" in data:
            data["expected_version"] = data.pop("version")
        return data


class PersonForm(forms.Form):
    """A person's details. ID and phone are typed in clear and leave the form
    normalised; an empty value on edit means "keep what is stored"."""

    name = forms.CharField(label=_("Name"), max_length=60)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DATE)
    id_number = forms.CharField(label=_("ID-card number"), required=False, max_length=30,
                                help_text=_("18 digits (or a legacy 15-digit number). "
                                            "Stored encrypted."))
    phone = forms.CharField(label=_("Phone"), required=False, max_length=30,
                            help_text=_("Mobile (11 digits) or landline with area code."))
    relation = forms.ChoiceField(label=_("Relation to head"), choices=Relation.choices,
                                 initial=Relation.OTHER_RELATIVE)
    ethnicity = forms.ChoiceField(label=_("Ethnic group"), required=False,
                                  choices=[("", _("Not declared"))] + list(ETHNICITY_CHOICES),
                                  help_text=_("Optional. Record only what the person "
                                              "declares and agrees to."))
    languages = forms.MultipleChoiceField(label=_("Languages"), required=False,
                                          choices=LANGUAGE_CHOICES,
                                          widget=forms.CheckboxSelectMultiple)
    origin_code = TypeaheadField(label=_("Origin place"), required=False, empty_value="",
                                 several=_("Several places match “%(q)s”: choose one."))
    permit_number = forms.CharField(label=_("Residence permit number"), required=False,
                                    max_length=40)
    permit_expiry = forms.DateField(label=_("Residence permit expiry"), required=False,
                                    widget=DATE)
    occupation = forms.CharField(label=_("Occupation"), required=False, max_length=100)
    sensitive_consent = forms.BooleanField(
        label=_("Consent to record sensitive details has been given"), required=False,
        help_text=_("Tick only if the person (or, under 14, their guardian) agrees. A consent "
                    "record is created. Not needed if one is already on record."))

    def __init__(self, *args: Any, show_sensitive: bool = True, is_head: bool = False,
                 editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            self.fields["version"] = version_field()
        self.fields["origin_code"].configure(origin_spec())
        if not show_sensitive:
            del self.fields["ethnicity"]
            del self.fields["sensitive_consent"]
        if is_head:
            del self.fields["relation"]
        else:
            self.fields["relation"].choices = [c for c in Relation.choices
                                               if c[0] != Relation.HEAD]
        if editing:
            self.fields["id_number"].help_text = _("Leave empty to keep the stored number.")
            self.fields["phone"].help_text = _("Leave empty to keep the stored number.")

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter the person's name."))
        return name

    def clean_birth_date(self) -> Any:
        return service_rule(check_birth_date, self.cleaned_data.get("birth_date"), "birth_date")

    def clean_id_number(self) -> str | None:
        raw = self.cleaned_data.get("id_number", "").strip()
        if not raw:
            return None if self.editing else ""
        try:
            return normalize_id_number(raw)
        except IDNumberError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc

    def clean_phone(self) -> str | None:
        raw = self.cleaned_data.get("phone", "").strip()
        if not raw:
            return None if self.editing else ""
        try:
            return normalize_phone(raw)
        except PhoneError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        number = data.get("id_number")
        if number:
            try:
                check_agrees(number, birth_date=data.get("birth_date"), sex=data.get("sex"))
            except IDNumberError as exc:
                self.add_error("id_number", forms.ValidationError(exc.message, code=exc.code))
        return data

    def person_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if "version" in data:
            data["expected_version"] = data.pop("version")
        # Birth date and sex follow the ID number when it is given but they are not.
        if data.get("id_number") and not data.get("birth_date"):
            from jiayuan.lib.idcard import parse_id_number

            data["birth_date"] = parse_id_number(data["id_number"]).birth_date
        return data

    @classmethod
    def initial_for(cls, person: Person) -> dict[str, Any]:
        return {f: getattr(person, f) for f in (
            "name", "sex", "birth_date", "relation", "ethnicity", "languages", "origin_code",
            "permit_number", "permit_expiry", "occupation", "version")}


class HouseholdForm(forms.Form):
    residency = forms.ChoiceField(label=_("Residency"), choices=Residency.choices)
    festivals = forms.MultipleChoiceField(
        label=_("Festivals the household celebrates"), required=False,
        choices=FESTIVAL_CHOICES, widget=forms.CheckboxSelectMultiple,
        help_text=_("As the household itself says. Never guess from other details. "
                    "This is sensitive: it needs the head's consent."))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(
        attrs={"rows": 3}))


class HouseholdCreateForm(HouseholdForm):
    """The household's fields; the head's are `head_form` (a PersonForm shown
    below it). Valid when both are; a service error about the head (any field
    this form lacks, or the whole submission) shows on the head's form."""

    dwelling = dwelling_field(_("Dwelling"))
    moved_in = forms.DateField(label=_("Moved in"), widget=DATE, initial=timezone.localdate)

    def __init__(self, *args: Any, actor: User, head_form: PersonForm, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_form = head_form
        self._cleaned = False
        self.fields["dwelling"].configure(dwelling_spec(actor))
        self.order_fields(["dwelling", "residency", "moved_in", "festivals", "note"])

    def is_valid(self) -> bool:
        valid = super().is_valid()
        self._cleaned = True
        return self.head_form.is_valid() and valid

    def add_error(self, field: str | None, error: Any) -> None:
        if self._cleaned and field not in self.fields:
            self.head_form.add_error(field if field in self.head_form.fields else None, error)
        else:
            super().add_error(field, error)

    def clean_moved_in(self) -> Any:
        return service_rule(check_moved_in, self.cleaned_data["moved_in"], "moved_in")


class HouseholdEditForm(VersionedForm, HouseholdForm):
    head = IdModelChoiceField(label=_("Head of household"), queryset=Person.objects.none())
    sensitive_consent = forms.BooleanField(
        label=_("Consent to record sensitive details has been given"), required=False,
        help_text=_("Tick only if the person (or, under 14, their guardian) agrees. A consent "
                    "record is created. Not needed if one is already on record."))

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"] = version_field()
        self.fields["head"].queryset = household.members.filter(left_on__isnull=True)


class HouseholdMoveForm(VersionedForm):
    version = version_field()
    dwelling = dwelling_field(_("New dwelling"))
    on = forms.DateField(label=_("Date of the move"), widget=DATE, initial=timezone.localdate)

    def __init__(self, *args: Any, actor: User, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dwelling"].configure(dwelling_spec(actor, exclude=household.dwelling_id))


class MoveOutForm(VersionedForm):
    version = version_field()
    on = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)


class PersonMoveForm(VersionedForm):
    version = version_field()
    to_household = forms.IntegerField(label=_("Household number"),
                                      help_text=_("The number shown on the household's file."))
    relation = forms.ChoiceField(label=_("Relation to the new head"),
                                 choices=[c for c in Relation.choices if c[0] != Relation.HEAD])
    new_head = IdModelChoiceField(label=_("New head of the old household"),
                                      queryset=Person.objects.none(), required=False)
    on = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def __init__(self, *args: Any, actor: User, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["new_head"].queryset = person.household.members.filter(
            left_on__isnull=True).exclude(pk=person.pk)

    def clean_to_household(self) -> Household:
        # The target goes through the same access call as any page: a household
        # outside the actor's grids is "not found", exactly like a missing one.
        try:
            return get_household_for(self.actor, self.cleaned_data["to_household"])
        except Http404:
            raise forms.ValidationError(
                _("No household with this number in your area.")) from None


class CircumstanceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Circumstance"), choices=CircumstanceKind.choices)
    person = IdModelChoiceField(label=_("Member (if it concerns one person)"),
                                    queryset=Person.objects.none(), required=False)
    started = forms.DateField(label=_("From"), widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), required=False, max_length=300,
                           help_text=_("Only what is needed to help. No diagnoses."))
    sensitive_consent = forms.BooleanField(
        label=_("Consent to record sensitive details has been given"), required=False,
        help_text=_("Tick only if the person (or, under 14, their guardian) agrees. A consent "
                    "record is created. Not needed if one is already on record."))

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = household.members.filter(left_on__isnull=True)


class EndDateForm(forms.Form):
    ended = forms.DateField(label=_("Until"), widget=DATE, initial=timezone.localdate,
                            error_messages={"invalid": _("Enter a valid end date."),
                                            "required": _("Enter a valid end date.")})


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    department = forms.ModelChoiceField(
        label=_("Department (for a referral)"), required=False, queryset=None,
        help_text=_("The department the resident agrees the station may share the "
                    "request with."),
        error_messages={"invalid_choice": _("Choose a department from the list.")})
    recorded_on = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    evidence = forms.CharField(label=_("Evidence"), required=False, max_length=300)
    guardian = IdModelChoiceField(label=_("Guardian (household member)"),
                                      queryset=Person.objects.none(), required=False)
    guardian_name = forms.CharField(label=_("Guardian (if not in the household)"),
                                    required=False, max_length=60)

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["guardian"].queryset = person.household.members.filter(
            left_on__isnull=True).exclude(pk=person.pk)
        self.fields["department"].queryset = Department.objects.filter(active=True)

    def clean_recorded_on(self) -> Any:
        return service_rule(check_consent_date, self.cleaned_data["recorded_on"], "recorded_on")
