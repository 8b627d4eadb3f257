"""Forms of the visit diary: logging a visit, and opening a desk request from one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.care.choices import VisitMode, VisitPurpose
from jiayuan.care.visits.selectors import visit_staff
from jiayuan.core.access import as_id
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.desk.cases.forms import NewCaseFields
from jiayuan.lib.forms import IdModelChoiceField, IdModelMultipleChoiceField
from jiayuan.registry.models import Household, Person
from jiayuan.registry.selectors import businesses_for, households_for

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class StaffChoiceField(IdModelMultipleChoiceField):
    """Staff accounts ticked on a form (visitors, mediators)."""

    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name} · {obj.get_role_display()}"

    def _check_values(self, value: Any) -> Any:
        # An id past the database's integer range (10**24) overflows the driver
        # instead of matching nothing: refuse it as any other unknown id.
        for pk in value:
            if as_id(pk) is None:
                raise forms.ValidationError(self.error_messages["invalid_pk_value"],
                                            code="invalid_pk_value", params={"pk": pk})
        return super()._check_values(value)


class IdListField(forms.Field):
    """Repeated hidden ids (the households the picker added). Checked against
    the actor's scope by the form, not by a queryset, so that a forged id gets
    a message a person can act on instead of "not one of the choices"."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        ids: list[int] = []
        for raw in value:
            pk = as_id(raw)
            if pk is None:
                raise forms.ValidationError(_("Choose the household from the list."),
                                            code="invalid")
            if pk not in ids:
                ids.append(pk)
        return ids


class VisitForm(forms.Form):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    households = IdListField(required=False)
    business = forms.IntegerField(widget=forms.HiddenInput, required=False)
    visited_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL))
    mode = forms.ChoiceField(label=pgettext_lazy("visit", "Mode"),
                             choices=VisitMode.choices, initial=VisitMode.HOME)
    purpose = forms.ChoiceField(label=pgettext_lazy("visit", "Purpose"),
                                choices=VisitPurpose.choices, initial=VisitPurpose.ROUTINE)
    visitors = StaffChoiceField(label=_("Staff on the visit"), queryset=User.objects.none(),
                                required=False, widget=forms.CheckboxSelectMultiple,
                                help_text=_("Leave empty if you went alone."))
    volunteers = forms.CharField(label=_("Volunteers on the visit"), max_length=200,
                                 required=False, help_text=_("Names, separated by commas."))
    with_resident_helper = forms.BooleanField(
        label=_("The household's paired resident helper came along"), required=False,
        help_text=_("Their pairing with the household gets a check-in for this visit."))
    found = forms.CharField(label=_("What we found"), required=False,
                            widget=forms.Textarea(attrs={"rows": 4}))
    needs = forms.CharField(label=_("Needs identified"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("One need a line: each can become a service request "
                                        "from the visit page."))
    next_visit = forms.DateField(label=_("Next visit"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"},
                                                        format="%Y-%m-%d"))
    sensitive_note = forms.CharField(
        label=_("Sensitive note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Health, hardship, family matters: shown only to roles that may see "
                    "sensitive details. Write only what is needed to help."))

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["visitors"].queryset = visit_staff(actor)
        if not actor.has(Perm.VIEW_SENSITIVE):
            # Not even the label: a role that may not read sensitive notes does
            # not learn that visits can carry them.
            del self.fields["sensitive_note"]
        self.household_objs: list[Household] = []
        self.business_obj = None

    def clean_households(self) -> list[int]:
        ids = self.cleaned_data["households"]
        if not ids:
            return ids
        found = {h.pk: h for h in households_for(self.actor).filter(pk__in=ids)
                 .select_related("dwelling__building", "head")}
        if len(found) != len(ids):
            # The same words whether the household exists elsewhere or not at all.
            raise forms.ValidationError(_(
                "A household you chose is not in your grids. Nothing was saved: choose "
                "the household again from the search."), code="scope")
        moved = [h for h in found.values() if h.moved_out is not None]
        if moved:
            raise forms.ValidationError(_("Household %(h)s has moved out.")
                                        % {"h": moved[0]}, code="moved_out")
        self.household_objs = [found[pk] for pk in ids]
        return ids

    def clean_business(self) -> int | None:
        pk = self.cleaned_data["business"]
        if pk is None:
            return None
        self.business_obj = businesses_for(self.actor).filter(pk=pk).first()
        if self.business_obj is None:
            raise forms.ValidationError(_("That business is not in your grids. Nothing was "
                                          "saved."), code="scope")
        return pk

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not self.household_objs and self.business_obj is None:
            raise forms.ValidationError(_("Choose the household or the business you visited."))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "households": self.household_objs, "business": self.business_obj,
            "visited_at": data["visited_at"], "mode": data["mode"], "purpose": data["purpose"],
            "visitors": list(data["visitors"]), "volunteers": data["volunteers"],
            "found": data["found"], "needs": data["needs"], "next_visit": data["next_visit"],
            "sensitive_note": data.get("sensitive_note", ""),
            "with_resident_helper": data["with_resident_helper"],
            "idempotency_key": data["idempotency_key"],
        }


class MemberChoiceField(IdModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.name} · {obj.get_relation_display()}"


def split_needs(needs: str) -> tuple[str, str]:
    """The first line of the needs as a request's summary (at most 200
    characters), the rest as its details."""
    lines = [line.strip() for line in (needs or "").strip().splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return "", ""
    first, rest = lines[0], lines[1:]
    if len(first) > 200:
        rest = [first, *rest]
        first = first[:199] + "…"
    return first, "\n".join(rest)


class VisitCaseForm(NewCaseFields):
    field_order = ["person"]

    person = MemberChoiceField(label=_("Who is asking"), queryset=Person.objects.none(),
                               empty_label=None)

    def __init__(self, *args: Any, actor: User, household: Household, needs: str = "",
                 **kwargs: Any) -> None:
        summary, details = split_needs(needs)
        kwargs.setdefault("initial", {"summary": summary, "details": details,
                                      "person": household.head_id, "owner": actor.pk})
        super().__init__(*args, **kwargs)
        self.set_choices(actor)
        self.fields["person"].queryset = (household.members.filter(left_on__isnull=True)
                                          .order_by("pk"))
