"""As-you-type pickers (htmx), and the type-ahead choice fields of forms.

One helper, `picker_response`, answers every as-you-type picker of a person,
a household or a dwelling: a POST of `q` the matches in the user's scope (what
was typed, often a phone number, never travels in the address), `?pick=ID`
the choice (a current one in scope, else 404). Each form names its picker
(`picker(prefix, field, url, kind=...)`): the DOM id prefix, the form field
the choice fills, the URL that answers and what it picks; the templates are
the kind's (includes/_<kind>_picks.html, includes/_<kind>_chosen.html) unless
the picker names its own. API for other apps: /work/brief/pickers.md and the
docstrings below.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe

from jiayuan.core.models import User
from jiayuan.registry.selectors import (
    dwelling_picks,
    get_dwelling_for,
    get_household_for,
    get_person_for,
    household_picks,
    person_picks,
)


def _current_person(actor: User, raw: str) -> Any:
    person = get_person_for(actor, raw)
    if person.left_on is not None:
        raise Http404
    return person


def _active_household(actor: User, raw: str) -> Any:
    household = get_household_for(actor, raw)
    if household.moved_out is not None:
        raise Http404
    return household


@dataclass(frozen=True)
class PickKind:
    """What a picker of one kind searches (`picks(actor, q)`), how it opens
    the choice (`chosen(actor, raw_id)`: the object or Http404) and the name
    the chosen template knows it by."""

    picks: Callable[[User, str], list[Any]]
    chosen: Callable[[User, str], Any]
    name: str


KINDS: dict[str, PickKind] = {
    # [Person]
    "person": PickKind(person_picks, _current_person, "person"),
    # [(Household, the matched member's name or "")]
    "household": PickKind(household_picks, _active_household, "household"),
    # [Dwelling]
    "dwelling": PickKind(lambda actor, q: dwelling_picks(actor, q), get_dwelling_for,
                         "dwelling"),
}


@dataclass(frozen=True)
class Picker:
    prefix: str  # DOM id prefix: #<prefix> holds the choice, #<prefix>-picks the matches
    field: str  # the form field the choice fills (a hidden input)
    url: Any  # the URL that answers (a view calling picker_response)
    kind: str = "person"  # a key of KINDS
    picks_template: str = ""  # default includes/_<kind>_picks.html
    chosen_template: str = ""  # default includes/_<kind>_chosen.html


def picker(prefix: str, field: str, url: Any, kind: str = "person", *,
           picks_template: str = "", chosen_template: str = "") -> Picker:
    if kind not in KINDS:
        raise ValueError(f"unknown picker kind {kind!r}")
    return Picker(prefix, field, url, kind, picks_template or f"includes/_{kind}_picks.html",
                  chosen_template or f"includes/_{kind}_chosen.html")


def picker_response(request: HttpRequest, spec: Picker,
                    extra: Callable[[Any], dict[str, Any]] | None = None) -> HttpResponse:
    """The one answer of an as-you-type picker. ?pick=ID: the chosen object
    (current and in the user's scope, else 404) in the chosen template, which
    also empties the matches (out of band); `extra(obj)` adds to its context.
    A POST of q: the matches (`items`) in the picks template (a `q` in the
    address is ignored: typed text stays out of URLs and logs). The caller
    checks the permission (the scope is checked here)."""
    kind = KINDS[spec.kind]
    user = cast(User, request.user)  # the view is login_required
    if request.GET.get("pick"):
        obj = kind.chosen(user, request.GET["pick"])
        return render(request, spec.chosen_template, {
            kind.name: obj, "picker": spec, "oob": True, **(extra(obj) if extra else {})})
    q = request.POST.get("q", "").strip()[:60] if request.method == "POST" else ""
    response = render(request, spec.picks_template, {
        "q": q, "items": kind.picks(user, q) if q else [], "picker": spec})
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

    def render(self, name: str, value: Any, attrs: Any = None,
               renderer: Any = None) -> SafeString:
        spec = self.spec
        assert spec is not None, "TypeaheadField.configure() sets the spec"
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
