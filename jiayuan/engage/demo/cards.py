"""The demo's contact cards (jiayuan.engage.demo.year): a live card for each
grid worker of the station's community and one for the station; the second
grid's card replaced in spring (the old one revoked: its QR code now says the
card is out of date); three printings over the year, about 1,000 cards.
Written through the services, the clock passed in (`now=`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from jiayuan.core.models import User
from jiayuan.core.roles import Role
from jiayuan.engage.cards import services
from jiayuan.engage.cards.models import CardBatch, CardBatchLine, CardLink
from jiayuan.engage.cards.selectors import cards_issued

HOURS_STATION = "周一至周六 8:30–17:30"
HOURS_WORKER = "周一至周五 9:00–17:00，每周二、四下午走访"
# (share of the year so far, copies of the station's card, of each worker's, note)
BATCHES = [
    (0.08, 150, 120, "年初入户走访发放"),
    (0.45, 120, 150, "夏季纳凉晚会和新住户"),
    (0.85, 80, 90, "重阳节和年终走访"),
]


def _moment(ctx: Any, share: float) -> datetime:
    """A moment `share` of the way from 1 January to today (10:00), never
    later than now."""
    start = date(ctx.today.year, 1, 1)
    day = start + timedelta(days=int((ctx.today - start).days * share))
    moment = timezone.make_aware(datetime.combine(day, time(10)))
    return min(moment, timezone.now()) if day >= timezone.localdate() else moment


def _hotline(n: int) -> str:
    return settings.STATION_HOTLINE or f"0512-5555 01{n:02d}"


def write(ctx: Any, counts: dict[str, int], made: dict[str, Any]) -> dict[str, Any]:
    """This part's year for ctx.community; returns what later parts use."""
    head = ctx.staff["head"]
    workers = list(User.objects.filter(role=Role.GRIDWORKER, community=ctx.community,
                                       is_active=True).order_by("username"))
    first = _moment(ctx, 0.0)
    station = services.card_link_create(actor=head, user=None, role="社区服务站",
                                        office_hours=HOURS_STATION, hotline=_hotline(23),
                                        community=ctx.community, now=first)
    links = {w.pk: services.card_link_create(
        actor=head, user=w, role="网格员", office_hours=HOURS_WORKER,
        hotline=f"0512-5555 01{31 + i:02d}", community=ctx.community, now=first)
        for i, w in enumerate(workers)}
    batches = []
    for i, (share, station_copies, worker_copies, note) in enumerate(BATCHES):
        if i == 1 and len(workers) > 1:
            # Spring: the second grid changed hands and its card was remade
            # (new office hours and line); the printed old cards now say so.
            changed = workers[1]
            links[changed.pk] = services.card_link_create(
                actor=head, user=changed, role="网格员", office_hours="周一至周五 8:30–16:30",
                hotline="0512-5555 0139", community=ctx.community,
                now=_moment(ctx, 0.3))
        lines = [(station, station_copies)] + [(link, worker_copies)
                                               for link in links.values()]
        batch = services.card_batch_create(actor=head, lines=lines, note=note,
                                           now=_moment(ctx, share))
        batches.append(batch)
    counts["card_batch"] = len(batches)
    counts["cards_issued"] = cards_issued(ctx.community, ctx.today.year).total
    return {"card_links": [station, *links.values()]}


def reset() -> dict[str, int]:
    CardBatchLine.objects.all().delete()
    batches, _ = CardBatch.objects.all().delete()
    links, _ = CardLink.objects.all().delete()
    return {"card_batch": batches, "card_link": links}
