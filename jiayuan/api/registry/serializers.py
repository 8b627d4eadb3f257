"""The registry API's shapes. What a role may see is decided by the same
selectors as the pages (registry.selectors.household_file / person_detail):
the builders here only copy what those returned, and leave out a key the page
would not show (ethnic group, languages, festivals, circumstances) rather than
send it empty. Identifiers are only ever the stored masks (registry.identifiers);
whole numbers come from the audited reveal alone."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from jiayuan.api.serializers import StrictSerializer
from jiayuan.registry.models import Household, Person
from jiayuan.registry.search import Hit
from jiayuan.registry.selectors import HouseholdFile

VERSION_HELP = "The version you read; a stale one is refused with 409."


def _version() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text=VERSION_HELP)


# --- reads ---------------------------------------------------------------------------

class DwellingOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    label = serializers.CharField()


class IdentifiersOut(serializers.Serializer):
    id_number_mask = serializers.CharField(help_text="Masked as the pages show it; '' if none.")
    phone_mask = serializers.CharField(help_text="Masked as the pages show it; '' if none.")


class MemberOut(IdentifiersOut):
    id = serializers.IntegerField()
    name = serializers.CharField()
    pinyin = serializers.CharField()
    erased = serializers.BooleanField()
    sex = serializers.CharField()
    relation = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    origin_code = serializers.CharField()
    origin_label = serializers.CharField()
    occupation = serializers.CharField()
    permit_expiry = serializers.DateField(allow_null=True)
    ethnicity = serializers.CharField(required=False, help_text=(
        "Only for roles that may see sensitive details (as on the page)."))


class CircumstanceOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    person = serializers.IntegerField(allow_null=True)
    started = serializers.DateField()
    ended = serializers.DateField(allow_null=True)
    note = serializers.CharField()


class HouseholdSummaryOut(serializers.Serializer):
    id = serializers.IntegerField()
    dwelling = DwellingOut()
    grid = serializers.IntegerField()
    residency = serializers.CharField()
    moved_in = serializers.DateField()
    moved_out = serializers.DateField(allow_null=True)
    archived_on = serializers.DateField(allow_null=True)
    head = serializers.IntegerField(allow_null=True)
    head_name = serializers.CharField()


class HouseholdListItemOut(HouseholdSummaryOut):
    member_count = serializers.IntegerField()


class HouseholdPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = HouseholdListItemOut(many=True)


class HouseholdOut(HouseholdSummaryOut):
    version = serializers.IntegerField()
    note = serializers.CharField()
    members = MemberOut(many=True)
    festivals = serializers.ListField(child=serializers.CharField(), required=False, help_text=(
        "Only for roles that may see sensitive details (as on the page)."))
    circumstances = CircumstanceOut(many=True, required=False, help_text=(
        "Only for roles that may see sensitive details (as on the page)."))


class PersonOut(MemberOut):
    version = serializers.IntegerField()
    household = serializers.IntegerField()
    permit_number = serializers.CharField()
    left_on = serializers.DateField(allow_null=True)
    languages = serializers.ListField(child=serializers.CharField(), required=False, help_text=(
        "Only for roles that may see sensitive details (as on the page)."))
    circumstances = CircumstanceOut(many=True, required=False, help_text=(
        "Only for roles that may see sensitive details (as on the page)."))


class RevealOut(serializers.Serializer):
    field = serializers.ChoiceField(choices=["id_number", "phone"])
    value = serializers.CharField()


# Named for the schema's enum (SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
HIT_KINDS = ["person", "household"]


class SearchHitOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=HIT_KINDS)
    score = serializers.IntegerField()
    person = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    pinyin = serializers.CharField()
    left = serializers.BooleanField()
    phone_mask = serializers.CharField()
    household = HouseholdSummaryOut(allow_null=True)


class SearchOut(serializers.Serializer):
    results = SearchHitOut(many=True)


def dwelling_data(household: Household) -> dict[str, Any]:
    d = household.dwelling
    return {"id": d.pk, "code": d.code, "label": str(d)}


def household_summary(h: Household) -> dict[str, Any]:
    head = h.head
    return {"id": h.pk, "dwelling": dwelling_data(h), "grid": h.grid_id,
            "residency": h.residency, "moved_in": h.moved_in, "moved_out": h.moved_out,
            "archived_on": h.archived_on, "head": h.head_id,
            "head_name": head.name if head is not None and not head.is_erased
            else (str(head) if head is not None else "")}


def member_data(p: Person, *, show_sensitive: bool) -> dict[str, Any]:
    data = {"id": p.pk, "name": str(p), "pinyin": p.pinyin, "erased": p.is_erased,
            "sex": p.sex, "relation": p.relation, "birth_date": p.birth_date,
            "origin_code": p.origin_code, "origin_label": p.origin_label,
            "occupation": p.occupation, "permit_expiry": p.permit_expiry,
            "id_number_mask": p.id_number_mask, "phone_mask": p.phone_mask}
    if show_sensitive:
        data["ethnicity"] = p.ethnicity
    return data


def circumstance_data(items: Any) -> list[dict[str, Any]]:
    return [{"id": c.pk, "kind": c.kind, "person": c.person_id, "started": c.started,
             "ended": c.ended, "note": c.note} for c in items]


def household_data(file: HouseholdFile) -> dict[str, Any]:
    """The household file as registry.selectors.household_file gave it."""
    h = file.household
    data = {**household_summary(h), "version": h.version, "note": h.note,
            "members": [member_data(p, show_sensitive=file.show_sensitive)
                        for p in file.members]}
    if file.show_sensitive:
        data["festivals"] = list(h.festivals)
    if file.circumstances is not None:
        data["circumstances"] = circumstance_data(file.circumstances)
    return data


def person_data(p: Person, detail: dict[str, Any]) -> dict[str, Any]:
    """The person page's facts; `detail` is registry.selectors.person_detail's."""
    show = bool(detail["show_sensitive"])
    data = {**member_data(p, show_sensitive=show), "version": p.version,
            "household": p.household_id, "permit_number": p.permit_number,
            "left_on": p.left_on}
    if show:
        data["languages"] = list(p.languages or [])
    if detail["circumstances"] is not None:
        data["circumstances"] = circumstance_data(detail["circumstances"])
    return data


def hit_data(hit: Hit) -> dict[str, Any]:
    """One search result as the search page lists it (the phone masked)."""
    p = hit.person
    return {"kind": hit.kind, "score": hit.score, "person": p.pk if p else None,
            "name": p.name if p else "", "pinyin": p.pinyin if p else "",
            "left": bool(p.left_on) if p else bool(hit.household and hit.household.moved_out),
            "phone_mask": p.phone_mask if p else "",
            "household": household_summary(hit.household) if hit.household else None}


# --- writes (validated again by the page's own form, then the service) ---------------

class HouseholdPatch(StrictSerializer):
    version = _version()
    residency = serializers.CharField(required=False)
    festivals = serializers.ListField(child=serializers.CharField(), required=False)
    note = serializers.CharField(required=False, allow_blank=True)
    head = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    sensitive_consent = serializers.BooleanField(required=False)


class PersonPatch(StrictSerializer):
    """The person edit form's fields. `relation` is not offered for the head,
    `ethnicity` and `sensitive_consent` only to roles that may see sensitive
    details (as on the page): for others they are unknown fields (400)."""

    version = _version()
    name = serializers.CharField(required=False)
    sex = serializers.CharField(required=False)
    birth_date = serializers.DateField(required=False, allow_null=True)
    id_number = serializers.CharField(required=False, allow_blank=True, help_text=(
        "Whole number to record; leave out to keep the stored one."))
    phone = serializers.CharField(required=False, allow_blank=True, help_text=(
        "Whole number to record; leave out to keep the stored one."))
    relation = serializers.CharField(required=False)
    ethnicity = serializers.CharField(required=False, allow_blank=True)
    languages = serializers.ListField(child=serializers.CharField(), required=False)
    origin_code = serializers.CharField(required=False, allow_blank=True)
    permit_number = serializers.CharField(required=False, allow_blank=True)
    permit_expiry = serializers.DateField(required=False, allow_null=True)
    occupation = serializers.CharField(required=False, allow_blank=True)
    sensitive_consent = serializers.BooleanField(required=False)

    def __init__(self, *args: Any, is_head: bool = False, show_sensitive: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if is_head:
            del self.fields["relation"]
        if not show_sensitive:
            del self.fields["ethnicity"]
            del self.fields["sensitive_consent"]
