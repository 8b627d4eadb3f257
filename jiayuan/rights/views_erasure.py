"""The erasure page: a station head erases a person's data (rights.erasure)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiayuan.core import reauth
from jiayuan.core.roles import Perm
from jiayuan.core.views import form_status, submit
from jiayuan.registry import selectors
from jiayuan.rights.erasure import erase_person
from jiayuan.rights.forms import ErasureForm


def _erasing(request: HttpRequest, pk: int) -> bool:
    """The erasure itself (a POST): it cannot be undone, so it needs a fresh
    password or code (jiayuan.core.reauth); the form page shows without.
    The access check comes first (403/404, audited)."""
    person = selectors.get_person_for(request.user, pk, perm=Perm.ERASE_PERSON)
    return request.method == "POST" and not person.is_erased


@login_required
# Unconfirmed, the POST goes to "confirm it is you", then back to this page
# (the form): nothing is erased until the form is sent again.
@reauth.requires_recent_confirmation(
    when=_erasing, back=lambda _request, pk: reverse("rights:person_erase", args=[pk]),
    message=gettext_noop("Confirm it is you, then erase the person's data again."))
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
