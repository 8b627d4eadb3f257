"""Forms of the residents' rights pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jiayuan.registry.models import Person
from jiayuan.rights.erasure import ErasureReason


class ErasureForm(forms.Form):
    """The confirmation of an erasure: the ground, the person's name typed again
    (erasure cannot be undone: a slip of the mouse must not do it) and a tick."""

    reason = forms.ChoiceField(label=_("Ground for the erasure (PIPL art. 47)"),
                               choices=[("", "—"), *ErasureReason.choices])
    confirm_name = forms.CharField(
        label=_("Type the person's name to confirm"), max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off"}))
    understood = forms.BooleanField(label=_(
        "I understand that this cannot be undone: the name, identifiers and notes are "
        "removed from every record and from the audit log."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_confirm_name(self) -> str:
        typed = " ".join(self.cleaned_data["confirm_name"].split())
        if typed != " ".join(self.person.name.split()):
            raise ValidationError(_("This is not the person's name as recorded."))
        return typed
