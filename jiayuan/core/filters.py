"""List filters parsed by a form, never by hand.

A list page's query string comes from its own filter controls, but anyone can
edit a URL: `?grid=²`, `?grid=99999999999999999999999`, `?department='`. One
rule for every list page: a filter whose value does not parse, or names
nothing the user may see, is ignored and the page says which filter it
ignored and why (a message at the top). The list without that filter is
shown as usual, so a person who followed a stale link or bookmark goes on
from there; the existing pages already answered an unknown tab that way.

Not filters: an id that opens one object (`?household=` on the visit diary,
`?grid=` on the duty list, a picker's `?pick=`) goes through an access helper
and is a 404 when missing or out of scope, audited, like the object's page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from jiayuan.lib.forms import IdModelChoiceField


class FilterForm(forms.Form):
    """The filters of one list page. Every field is optional; a field's
    `initial` is the value used when the filter is absent or ignored."""

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        for f in self.fields.values():
            f.required = False


class FilterChoiceField(IdModelChoiceField):
    """A model picked by id in a filter (grid, department...)."""


@dataclass
class Filters:
    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


def read_filters(request: HttpRequest, form: FilterForm) -> Filters:
    """The form's cleaned values, each invalid filter replaced by its
    initial value with a message on the page naming it."""
    form.is_valid()
    values: dict[str, Any] = {}
    errors: list[str] = []
    for name, f in form.fields.items():
        if name in form.errors:
            values[name] = f.initial
            label = f.label or name
            errors.append(_("The filter “%(name)s” was ignored: %(problem)s") % {
                "name": label, "problem": " ".join(str(e) for e in form.errors[name])})
        else:
            value = form.cleaned_data.get(name)
            values[name] = f.initial if value in (None, "") else value
    for message in errors:
        messages.error(request, message)
    return Filters(values, errors)
