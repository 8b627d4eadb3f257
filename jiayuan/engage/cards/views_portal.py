"""The public side of a contact card: the QR code's short link (/c/<token>/)
and the small landing page it leads to (/portal/engage/cards/<token>/).

A live card names the staff member's given name and role, the hotline and
the portal's services; a revoked card (the staff member changed) answers
410 with the station's current hotline; a forged or altered link, or an
unknown code, answers 404. Nothing about any resident is ever shown."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jiayuan.desk.portal.common import private
from jiayuan.engage.cards import selectors
from jiayuan.engage.cards.models import CardLink
from jiayuan.engage.cards.pdf import card_role


def _context(card: CardLink | None, **extra: Any) -> dict[str, Any]:
    station = settings.STATION_NAME or (card.community.name if card else "")
    return {"portal_station": station, **extra}


def _answer(request: HttpRequest, code: str) -> tuple[CardLink | None, HttpResponse | None]:
    """The live card of the token, or the page that answers instead."""
    link = selectors.link_by_token(code)
    if link is None:
        return None, private(render(request, "portal/not_found.html", _context(None, message=_(
            "This card's link is not valid. Check that the whole code was scanned, or go "
            "to the portal's home page.")), status=404))
    if link.revoked_at is not None:
        return None, private(render(request, "portal/engage_card_revoked.html", _context(
            link, hotline=selectors.station_hotline(link.community_id)), status=410))
    return link, None


@require_GET
def card_short(request: HttpRequest, code: str) -> HttpResponse:
    """The address in the QR code: short, so the code stays small."""
    link, page = _answer(request, code)
    if page is not None:
        return page
    return private(redirect("portal_card", code=code))


@require_GET
def portal_card(request: HttpRequest, code: str) -> HttpResponse:
    link, page = _answer(request, code)
    if page is not None:
        return page
    assert link is not None
    person = link.user.first_name.strip() if link.user_id else ""
    return private(render(request, "portal/engage_card.html", _context(
        link, link=link, person=person, role=card_role(link))))
