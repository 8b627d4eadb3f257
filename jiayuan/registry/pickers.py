"""The as-you-type resident picker (templates/includes/person_picker.html):
one answer for every form that picks a resident (a pairing's helper, a
business's owner). Each form names its picker: the DOM id prefix, the form
field the choice fills and the URL that answers."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

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
