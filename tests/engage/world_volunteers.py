"""The volunteers part's objects in the matrix world (tests/engage/world.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from jiayuan.engage.choices import HoursSource, VolunteerRole
from jiayuan.engage.volunteers import services, services_hours
from jiayuan.engage.volunteers.ledger import hours_credit


def volunteers_objects(ctx: dict[str, Any], earlier: dict[str, Any]) -> dict[str, Any]:
    """Names -> primary keys (or tokens) of this set's volunteers objects;
    `earlier` holds what the parts before made. The set's resident is the
    volunteer (an information and liaison officer, registered by the head),
    with an entry on the ledger, a claim waiting, the household looked after
    and last year's certificate."""
    head = ctx["head"]
    today = timezone.localdate()
    v = services.volunteer_register(actor=head, person=ctx["person"],
                                    roles=[VolunteerRole.INFORMANT, VolunteerRole.LIAISON])
    entry = hours_credit(actor=head, volunteer=v, on=today - timedelta(days=2),
                         hours=Decimal("2"), source=HoursSource.STAFF, note="矩阵")
    hours_credit(actor=head, volunteer=v, on=today.replace(month=1, day=1) - timedelta(days=1),
                 hours=Decimal("3"), source=HoursSource.STAFF, note="去年")
    claim = services_hours.claim_submit_by_link(volunteer=v, on=today - timedelta(days=1),
                                                hours="1.5", what="矩阵巡楼")
    area = services.liaison_area_add(actor=head, volunteer=v, household=ctx["household"])
    cert = services_hours.certificate_issue(actor=head, volunteer=v, year=today.year - 1)
    return {"volunteer": v.pk, "volunteer_entry": entry.pk, "volunteer_claim": claim.pk,
            "volunteer_area": area.pk, "volunteer_certificate": cert.pk,
            "volunteer_token": v.self_token, "certificate_token": cert.token}
