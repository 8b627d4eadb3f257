"""What every page of the resident portal shares, the desk's and those civic
and engage add under /portal/: the station it belongs to, the visitor's
address as the rate limits know it, the headers of a page that carries a
private code, and the gate a posted portal form goes through."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from jiayuan.core.middleware import client_ip
from jiayuan.desk.choices import PortalHitKind
from jiayuan.desk.portal.forms import PortalForm
from jiayuan.desk.services import (
    Challenge,
    Limit,
    portal_hit_record,
    portal_source_hash,
    portal_throttled,
    pow_challenge,
    pow_check,
)
from jiayuan.places.models import Community


def station() -> Community | None:
    """The station the portal belongs to: one community per deployment."""
    return Community.objects.order_by("pk").first()


def portal_context(**extra: Any) -> dict[str, Any]:
    """A portal page's context: the station's name and `extra`."""
    community = extra.get("community") or station()
    return {"portal_station": settings.STATION_NAME or (community.name if community else ""),
            **extra}


def private(response: HttpResponse) -> HttpResponse:
    """Pages that carry a reference and code, or a personal link: not cached, not
    indexed, and the address never sent to another site. `same-origin`, not
    `no-referrer`: under `no-referrer` the browser posts the page's own forms
    (the language switch) with `Origin: null`, which Django's CSRF check
    refuses (403)."""
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


def source_of(request: HttpRequest) -> str:
    """The visitor's address as the rate limits know it (a keyed hash)."""
    return portal_source_hash(client_ip(request))


class Gate(Enum):
    """What a posted portal form may do next."""

    THROTTLED = "throttled"  # over the limits: the form carries the error (answer 429)
    SPAM = "spam"  # a filled honeypot: answer as if it was sent, create nothing
    INVALID = "invalid"  # the form's errors, a bad timing stamp among them
    VALID = "valid"  # call the service (which checks the limits again, under its lock)


def proof_of(request: HttpRequest) -> tuple[str, str]:
    """The proof of work a form sent (the challenge and its nonce), if any."""
    return request.POST.get("pow", ""), request.POST.get("pow_nonce", "")


def challenge_for(source: str, limit: Callable[[str], Limit]) -> Challenge | None:
    """A proof-of-work challenge for the form when the whole portal's ceiling
    is reached (and this source still has its share): static/js/portal-pow.js
    answers it before the form is sent."""
    return pow_challenge() if limit(source) is Limit.GLOBAL else None


def gate(form: PortalForm, source: str, *, allowed: Callable[[str], bool | Limit],
         proof: tuple[str, str] = ("", "")) -> Gate:
    """The flood guard of every portal form, before its service is called.

    The limits come first, before the honeypot: a script that keeps filling it
    is refused like anyone else over the limit. A filled honeypot and a bad
    timing stamp (sent too fast, too late, forged) count towards the address's
    limit; a mistyped phone number does not. `allowed` answers True/False, or a
    Limit: past the whole portal's ceiling (Limit.GLOBAL) a valid `proof` of
    work lets the form through to its service, which uses the proof up."""
    verdict = allowed(source)
    if verdict is Limit.GLOBAL and pow_check(*proof) is not None:
        verdict = Limit.OPEN
    if verdict is not True and verdict is not Limit.OPEN:
        form.add_error(None, portal_throttled())
        return Gate.THROTTLED
    if form.is_spam:
        portal_hit_record(source=source, kind=PortalHitKind.HONEYPOT)
        return Gate.SPAM
    if form.is_valid():
        return Gate.VALID
    if form.has_error(NON_FIELD_ERRORS, "stamp"):
        portal_hit_record(source=source, kind=PortalHitKind.STAMP)
    return Gate.INVALID
