"""Forms of contact cards: a new link (a staff member or the station), a
batch (copies per live card), revoking a link."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiayuan.core.models import User
from jiayuan.engage.cards.models import CardLink
from jiayuan.engage.cards.services import MAX_COPIES, card_people
from jiayuan.lib.forms import IdModelChoiceField

INVALID = {"invalid_choice": _("That choice is no longer offered: choose again from the list.")}


class LinkForm(forms.Form):
    user = IdModelChoiceField(
        label=_("Whose card"), queryset=User.objects.none(), required=False,
        empty_label=_("The station (no person)"), error_messages=INVALID,
        help_text=_("A new card for someone who has one replaces the old card: its QR code "
                    "then says the card is out of date."))
    role = forms.CharField(label=_("Role on the card"), max_length=60, required=False,
                           help_text=_("For example 网格员 (grid worker). Empty: grid worker, "
                                       "or service station for the station's card."))
    office_hours = forms.CharField(label=_("Office hours"), max_length=120, required=False,
                                   help_text=_("For example 周一至周五 9:00–17:00."))
    hotline = forms.CharField(label=_("Hotline"), max_length=40, error_messages={
        "required": _("Give the hotline printed on the card.")})

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["user"]
        if actor.community_id:
            field.queryset = User.objects.filter(
                pk__in=[u.pk for u in card_people(actor, actor.community_id)]).order_by(
                    "last_name", "first_name", "username")


class BatchForm(forms.Form):
    """One copies field per live card (`copies_<pk>`), 0 = not in this batch."""

    note = forms.CharField(label=_("Note"), max_length=120, required=False,
                           help_text=_("For example: for the summer door-to-door visits."))

    def __init__(self, *args: Any, links: list[CardLink], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.links = links
        for link in links:
            self.fields[f"copies_{link.pk}"] = forms.IntegerField(
                label=str(link.user.display_name if link.user_id else _("The station")),
                min_value=0, max_value=MAX_COPIES, initial=0, required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 5}),
                error_messages={
                    "min_value": _("Copies cannot be negative."),
                    "max_value": _("At most %(limit_value)s copies in one batch."),
                    "invalid": _("Copies must be a whole number.")})

    def rows(self) -> list[tuple[CardLink, Any]]:
        return [(link, self[f"copies_{link.pk}"]) for link in self.links]

    def lines(self) -> list[tuple[CardLink, int]]:
        data = self.cleaned_data
        return [(link, data.get(f"copies_{link.pk}") or 0) for link in self.links
                if data.get(f"copies_{link.pk}")]
