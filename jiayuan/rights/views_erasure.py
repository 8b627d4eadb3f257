"""The erasure page: a station head erases a person's data (rights.erasure)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiayuan.core.roles import Perm
from jiayuan.core.views import form_status, submit
from jiayuan.registry import selectors
from jiayuan.rights.erasure import erase_person
from jiayuan.rights.forms import ErasureForm


@login_required
def person_erase(request: HttpRequest, pk: int) -> HttpResponse:
    # One access call: a missing permission is a 403, a person out of scope a
    # 404 like a missing one, both audited by core.access.
    person = selectors.get_person_for(request.user, pk, perm=Perm.ERASE_PERSON)
    if person.is_erased:
        return redirect("person_detail", pk=person.pk)
    form = ErasureForm(request.POST or None, person=person,
                       initial={"version": person.version})
    done = submit(request, form, lambda data: erase_person(
        actor=request.user, person=person, reason=data["reason"], version=data["version"]),
        _("The person's data has been erased."),
        lambda _counts: redirect("person_detail", pk=person.pk), record=person)
    return done or render(request, "rights/erase_person.html", {"form": form, "p": person},
                          status=form_status(form))
