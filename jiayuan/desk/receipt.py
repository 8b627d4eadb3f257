"""The walk-in receipt: what a resident takes home from the desk.

It carries the reference, the service, the due date, the station's hotline
and a QR code of the resident's own status page, and nothing that names the
resident: no name, no phone, no ID number, not even the summary in their
words. A receipt left on a bus tells its finder only that someone asked the
station for a service.

The QR code carries the private code (the case's public_token) as well as the
reference: the status page opens only with both, and the receipt is the
resident's own, exactly like the portal's thank-you page that shows both. A
QR without the code would open a form asking for the code printed beside it,
a step that helps nobody. The code is printed in clear too, for a resident
who types it into the portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction
from jiayuan.core.roles import Perm
from jiayuan.core.urls_public import public_url
from jiayuan.desk.models import Case


@dataclass(frozen=True)
class Receipt:
    ref: str
    code: str
    service: str
    received: date
    due: date | None
    station: str
    hotline: str
    lookup_url: str
    status_url: str
    qr_svg: SafeString


def status_url(case: Case) -> str:
    """The resident's status page for this case, absolute (SITE_URL)."""
    return public_url(reverse("portal_status", kwargs={
        "ref": case.ref, "token": case.public_token}))


def qr_svg(url: str) -> SafeString:
    """The QR code of `url` as inline SVG (scalable: sized by CSS in mm)."""
    svg = segno.make(url, error="m", micro=False).svg_inline(
        scale=1, border=2, omitsize=True, svgclass="qr", lineclass="qr-line")
    return mark_safe(svg)  # noqa: S308 - segno's own markup of a URL we built


def case_receipt(*, actor: Any, case: Case) -> Receipt:
    """The receipt of `case` (already fetched in the actor's scope), recorded
    in the audit log as a print."""
    require(actor, Perm.WORK_CASES)
    url = status_url(case)
    receipt = Receipt(
        ref=case.ref, code=case.public_token, service=case.item.name if case.item else "",
        received=timezone.localtime(case.opened_at).date(),
        due=timezone.localtime(case.due).date() if case.due else None,
        station=settings.STATION_NAME or case.community.name,
        hotline=settings.STATION_HOTLINE,
        lookup_url=public_url(reverse("portal_status_lookup")),
        status_url=url, qr_svg=qr_svg(url))
    audit.record(AuditAction.PRINT, actor=actor, obj=case, object_repr=case.ref,
                 changes={"format": "html", "document": "walk_in_receipt"})
    return receipt
