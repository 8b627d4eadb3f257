"""What the registry's columns can hold, read from the model fields an import
writes, so that the check refuses a value the database would refuse at commit.

PostgreSQL refuses a text longer than its column (a DataError at commit, after
a check that said the row was fine) where SQLite silently stores it. The limits
are not written down a second time here: each roster field names the model
fields its value goes into (STORED_IN), and their max_length, choices and
integer range are asked of the fields themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection, models

from jiayuan.places.models import Building, Dwelling
from jiayuan.registry.models import Household, Membership, Person

__all__ = ["STORED_IN", "Limit", "limits_for", "PINYIN", "DWELLING_CODE"]

#: Roster field -> the (model, field) its clean value is written to.
STORED_IN: dict[str, tuple[tuple[type[models.Model], str], ...]] = {
    "name": ((Person, "name"),),
    "sex": ((Person, "sex"),),
    "ethnicity": ((Person, "ethnicity"),),
    "origin": ((Person, "origin_code"),),
    "permit_number": ((Person, "permit_number"),),
    "occupation": ((Person, "occupation"),),
    "relation": ((Person, "relation"), (Membership, "relation")),
    "residency": ((Household, "residency"),),
    "note": ((Household, "note"),),
    "building": ((Building, "number"),),
    "unit": ((Dwelling, "unit"),),
    "room": ((Dwelling, "room"),),
    "id_number": ((Person, "id_number_mask"),),  # the mask is as long as the number
    "phone": ((Person, "phone_mask"),),
}
#: Values the import derives from cells: the name's pinyin, the dwelling's code.
PINYIN = (Person, "pinyin")
DWELLING_CODE = (Dwelling, "code")


@dataclass(frozen=True)
class Limit:
    max_length: int | None = None
    choices: frozenset[str] | None = None
    low: int | None = None
    high: int | None = None

    def too_long(self, value: Any) -> bool:
        return self.max_length is not None and isinstance(value, str) \
            and len(value) > self.max_length

    def not_a_choice(self, value: Any) -> bool:
        return self.choices is not None and value not in self.choices

    def out_of_range(self, value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and (
            (self.low is not None and value < self.low)
            or (self.high is not None and value > self.high))


def _limit(model: type[models.Model], name: str) -> Limit:
    f = model._meta.get_field(name)
    choices = (frozenset(str(k) for k, _label in f.flatchoices if k not in ("", None))
               if f.choices else None)
    low = high = None
    if isinstance(f, models.IntegerField):
        low, high = connection.ops.integer_field_range(f.get_internal_type())
    return Limit(max_length=getattr(f, "max_length", None), choices=choices, low=low, high=high)


@cache
def limits_for(key: str) -> Limit:
    """The tightest limit of the fields ``key``'s value is written to (a roster
    field of STORED_IN, "pinyin" or "dwelling_code")."""
    targets = {"pinyin": (PINYIN,), "dwelling_code": (DWELLING_CODE,)}.get(key) \
        or STORED_IN.get(key, ())
    limits = [_limit(model, name) for model, name in targets]
    lengths = [lim.max_length for lim in limits if lim.max_length is not None]
    choice_sets = [lim.choices for lim in limits if lim.choices is not None]
    lows = [lim.low for lim in limits if lim.low is not None]
    highs = [lim.high for lim in limits if lim.high is not None]
    return Limit(max_length=min(lengths) if lengths else None,
                 choices=frozenset.intersection(*choice_sets) if choice_sets else None,
                 low=max(lows) if lows else None, high=min(highs) if highs else None)
