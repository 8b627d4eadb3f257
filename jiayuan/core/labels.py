"""Choice labels read from a table built once a field.

Django's `get_<field>_display()` rebuilds a dict of all the field's choices on
every call: a person's ethnic group (56 choices) cost about 1,600 Python calls
to show, more than the rest of the member's line. Models whose labels pages show
in lists inherit `ChoiceLabels`: the same label (a lazy translation, so still in
the reader's language), from a dict made the first time the field is shown.
Choices here are fixed in code (none is a callable that could change).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


@cache
def _labels(field: models.Field[Any, Any]) -> dict[Any, Any]:
    return dict(make_hashable(field.flatchoices))


class ChoiceLabels(models.Model):
    """`get_<field>_display()` as Django's, its choices read once a field."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:  # noqa: N802 - Django's name
        value = getattr(self, field.attname)
        # force_str() to coerce lazy strings, as Django's does.
        return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)
