"""The as-you-type resident picker (templates/includes/person_picker.html):
one answer for every form that picks a resident (a pairing's helper, a
business's owner). Each form names its picker: the DOM id prefix, the form
field the choice fills and the URL that answers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe

from jiayuan.registry.selectors import get_person_for, person_picks


def picker(prefix: str, field: str, url: Any) -> dict[str, Any]:
    return {"prefix": prefix, "field": field, "url": url}


def picker_response(request: HttpRequest, spec: dict[str, Any]) -> HttpResponse:
    """?pick=ID: the chosen resident (a current one in the user's grids, else
    404); ?q=: the residents matching q. The caller checks the permission."""
    user = request.user
    if request.GET.get("pick"):
        person = get_person_for(user, request.GET["pick"])
        if person.left_on is not None:
            raise Http404
        return render(request, "includes/_person_chosen.html", {
            "person": person, "picker": spec, "oob": True})
    q = request.GET.get("q", "").strip()
    response = render(request, "includes/_person_picks.html", {
        "q": q, "people": person_picks(user, q), "picker": spec})
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- type-ahead choice fields (a dwelling, an origin place) ----------------------
#
# One design serves both, with and without JavaScript: the field renders a search
# box (`<name>_q`) and, below it, the matches as radio buttons named `<name>`.
# With htmx the matches follow the typing (the URL answers with the radio list);
# without it, the typed text is submitted with the form and resolved there: one
# match is taken, several come back as radio buttons to choose from. Typed text
# wins over a chosen radio (choosing a radio clears the box, static/js/typeahead.js).


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    note: str = ""


@dataclass
class PickSpec:
    """What a type-ahead field searches: `picks(q)` the matches, `get(value)` one
    chosen (None if not allowed), `option(obj)` how it shows, `result(obj)` what
    the form's cleaned data holds."""

    url: Any
    picks: Callable[[str], list[Any]]
    get: Callable[[str], Any]
    option: Callable[[Any], Option]
    result: Callable[[Any], Any] = lambda obj: obj
    placeholder: str = ""
    hint: str = ""
    nothing: str = ""
    empty_label: str = ""
    candidates: list[Any] = field(default_factory=list)


def picks_context(spec: PickSpec, name: str, q: str, chosen: Any,
                  candidates: list[Any] | None = None, message: str = "") -> dict[str, Any]:
    """The radio list: the matches of `q` (or `candidates`), then the value
    chosen so far if it is not among them (kept while the user types)."""
    found = spec.picks(q) if candidates is None and q else (candidates or [])
    options = list(map(spec.option, found))
    chosen_value = ""
    if chosen is not None and chosen != "":
        kept = spec.option(chosen)
        chosen_value = kept.value
        if all(o.value != chosen_value for o in options):
            options.append(kept)
    if q and not found and not message:
        message = spec.nothing % {"q": q}
    return {"name": name, "id": f"id_{name}", "options": options, "chosen": chosen_value,
            "empty_label": spec.empty_label, "message": message}


class TypeaheadWidget(forms.Widget):
    def __init__(self, spec: PickSpec | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[str, str]:
        return (str(data.get(name) or ""), str(data.get(f"{name}_q") or ""))

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> str:
        spec = self.spec
        q, chosen = "", None
        if isinstance(value, tuple):
            raw, q = value
            chosen = spec.get(raw) if raw else None
        elif value not in (None, ""):
            chosen = value if not isinstance(value, (str, int)) else spec.get(str(value))
        candidates = spec.candidates or None
        if candidates:
            # Several matched what was typed: the box is emptied so the choice counts.
            q = ""
        context = picks_context(spec, name, q, chosen, candidates=candidates)
        context.update({"q": q, "url": spec.url, "placeholder": spec.placeholder,
                        "hint": spec.hint, "id": (attrs or {}).get("id") or f"id_{name}"})
        return mark_safe(render_to_string("includes/typeahead.html", context))  # noqa: S308


class TypeaheadField(forms.Field):
    """A choice made by typing (see the comment above)."""

    widget = TypeaheadWidget

    def __init__(self, *, several: str, empty_value: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.several = several
        self.empty_value = empty_value

    def configure(self, spec: PickSpec) -> None:
        self.spec = self.widget.spec = spec

    def clean(self, value: Any) -> Any:
        raw, q = value if isinstance(value, tuple) else (value or "", "")
        q = q.strip()
        spec = self.spec
        spec.candidates = []
        if q:
            found = spec.picks(q)
            if len(found) == 1:
                return spec.result(found[0])
            if not found:
                raise forms.ValidationError(spec.nothing % {"q": q}, code="no_match")
            spec.candidates = found
            raise forms.ValidationError(self.several % {"q": q}, code="several")
        if raw:
            obj = spec.get(raw)
            if obj is None:
                raise forms.ValidationError(spec.nothing % {"q": raw}, code="no_match")
            return spec.result(obj)
        if self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return self.empty_value


def typeahead_response(request: HttpRequest, spec: PickSpec) -> HttpResponse:
    """The radio list for ?field=NAME&NAME_q=...&NAME=chosen (htmx). The caller
    checks the permission; `spec.get` keeps the choice in the user's scope."""
    name = request.GET.get("field", "")
    if not FIELD_NAME_RE.fullmatch(name):
        return HttpResponse(status=400)
    raw = request.GET.get(name, "")
    q = request.GET.get(f"{name}_q", "").strip()[:60]
    chosen = spec.get(raw) if raw else None
    response = render(request, "includes/_typeahead_picks.html",
                      picks_context(spec, name, q, chosen))
    patch_vary_headers(response, ["HX-Request"])
    return response


FIELD_NAME_RE = re.compile(r"[a-z][a-z0-9_-]{0,39}")
