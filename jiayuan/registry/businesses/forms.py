"""The business form: a shop or other business of the registry."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiayuan.core.models import User
from jiayuan.places.forms import GridChoiceField
from jiayuan.places.models import Grid
from jiayuan.registry.choices import BusinessKind
from jiayuan.registry.forms import dwelling_field, dwelling_spec
from jiayuan.registry.models import Business, Person
from jiayuan.registry.selectors import people_for


class BusinessForm(forms.Form):
    """A shop or other business. The owner is picked from the residents the
    user may see (hidden field filled by the as-you-type picker)."""

    name = forms.CharField(label=_("Name of the business"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=BusinessKind.choices)
    dwelling = dwelling_field(
        _("Premises"), required=False,
        help_text=_("The dwelling it trades from, if it is one of ours. The premises "
                    "decide the grid."))
    grid = GridChoiceField(
        label=_("Grid"), queryset=Grid.objects.none(), required=False,
        help_text=_("Only needed when the business is at an address outside our dwellings."))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    licence_note = forms.CharField(
        label=_("Licence note"), max_length=200, required=False,
        help_text=_("E.g. the business licence number and its expiry, as the owner showed it."))
    owner = forms.IntegerField(
        widget=forms.HiddenInput, required=False,
        error_messages={"invalid": _("Choose the owner from the search.")})

    def __init__(self, *args: Any, actor: User, grids: Any,
                 business: Business | None = None, **kwargs: Any) -> None:
        if business is not None:
            kwargs.setdefault("initial", {
                "name": business.name, "kind": business.kind, "dwelling": business.dwelling_id,
                "grid": business.grid_id, "address": business.address,
                "licence_note": business.licence_note, "owner": business.owner_id})
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.business = business
        self.fields["dwelling"].configure(dwelling_spec(actor))
        self.fields["grid"].queryset = grids
        self.owner_obj: Person | None = None

    def clean_owner(self) -> int | None:
        pk = self.cleaned_data["owner"]
        if pk is None:
            return None
        if self.business is not None and pk == self.business.owner_id:
            # The owner on record stays, wherever they live now.
            self.owner_obj = self.business.owner
            return pk
        self.owner_obj = (people_for(self.actor).filter(pk=pk, left_on__isnull=True)
                          .select_related("household__dwelling").first())
        if self.owner_obj is None:
            # The same words whether the person exists elsewhere or not at all.
            raise forms.ValidationError(_("That resident is not in your grids. Choose them "
                                          "again from the search."), code="scope")
        return pk

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"name": data["name"], "kind": data["kind"], "dwelling": data["dwelling"],
                "grid": data["grid"], "address": data["address"],
                "licence_note": data["licence_note"], "owner": self.owner_obj}
