"""The public portal: requests without an account, and the rate limits that
keep scripts and floods out (counted in the database, so they hold across
every server process)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.core import audit, locks
from jiayuan.core.crypto import lookup_hash
from jiayuan.desk.choices import Channel, PortalHitKind, Priority
from jiayuan.desk.models import Case, PortalHit, ServiceItem
from jiayuan.desk.services.intake import _create
from jiayuan.desk.services.portal_pow import portal_pow_redeem
from jiayuan.places.models import Community


def portal_source(ip: str | None) -> str:
    """The source the per-address limits count: an IPv4 address (also when it
    comes IPv4-mapped, ::ffff:1.2.3.4), but an IPv6 address's /64 network, the
    block one home or one phone is given: otherwise a single machine could take
    a fresh address for every submission."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return ip or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def portal_source_hash(ip: str | None) -> str:
    """The keyed hash of portal_source(ip): all the rate limits keep."""
    return lookup_hash("portal", portal_source(ip))


class Limit(Enum):
    """Where a source stands against a portal form's rate limits."""

    OPEN = "open"
    SOURCE = "source"  # this address (or /64) sent its share this hour: refused
    GLOBAL = "global"  # the whole form's ceiling is reached: a proof of work opens it


# Failed status lookups (wrong reference or code) accepted per source address per
# hour. Past it, every lookup from that address is refused for the rest of the
# hour, the right ones too: otherwise the answer would still tell a guess apart.
PORTAL_MAX_FAILED_LOOKUPS_PER_HOUR = 20
# Submissions that made no case but count towards the per-address limit.
_SUBMISSION_HITS = (PortalHitKind.HONEYPOT, PortalHitKind.STAMP)


def portal_throttled() -> ValidationError:
    return ValidationError(_("Too many requests have been sent from here in the last "
                             "hour. Please try again later, or call the station."),
                           code="throttled")


def portal_submissions_limit(source: str, made: Callable[[datetime], QuerySet[Any]], *,
                             now: datetime | None = None, sent_together: str = "") -> Limit:
    """The rate limit of one of the portal's forms (the desk's request, civic's
    suggestion, engage's sign-up), counted in the database so it holds across
    every server process: so many submissions per source address per hour
    (those made, plus filled honeypots and bad timing stamps, so a script is
    limited too), and a ceiling for the whole form (a flood from many
    addresses).

    `made(since)` is the form's portal submissions since then (rows with a
    `portal_source`); `sent_together` names a field whose distinct values count
    one submission each (sign-ups sent at once share their `created_at`)."""
    since = (now or timezone.now()) - timedelta(hours=1)
    recent = made(since)

    def count(rows: QuerySet[Any]) -> int:
        return rows.values(sent_together).distinct().count() if sent_together else rows.count()

    used = count(recent.filter(portal_source=source)) + PortalHit.objects.filter(
        source=source, kind__in=_SUBMISSION_HITS, at__gte=since).count()
    if used >= settings.PORTAL_MAX_PER_SOURCE_HOUR:
        return Limit.SOURCE
    return Limit.OPEN if count(recent) < settings.PORTAL_MAX_PER_HOUR else Limit.GLOBAL


def portal_submissions_allowed(source: str, made: Callable[[datetime], QuerySet[Any]], *,
                               now: datetime | None = None, sent_together: str = "") -> bool:
    """Whether a submission is allowed without a proof of work (see
    portal_submissions_limit)."""
    return portal_submissions_limit(source, made, now=now,
                                    sent_together=sent_together) is Limit.OPEN


def portal_limit(source: str, now: datetime | None = None) -> Limit:
    """The portal's rate limit for requests (cases), see portal_submissions_limit."""
    return portal_submissions_limit(source, lambda since: Case.objects.filter(
        channel=Channel.PORTAL, opened_at__gte=since), now=now)


def portal_allowed(source: str, now: datetime | None = None) -> bool:
    return portal_limit(source, now) is Limit.OPEN


def portal_lookup_allowed(source: str, now: datetime | None = None) -> bool:
    """Whether this address may look up a request's status: guessing references
    and codes is limited per address and hour."""
    since = (now or timezone.now()) - timedelta(hours=1)
    failed = PortalHit.objects.filter(source=source, kind=PortalHitKind.LOOKUP,
                                      at__gte=since).count()
    return failed < PORTAL_MAX_FAILED_LOOKUPS_PER_HOUR


def portal_hit_record(*, source: str, kind: str, now: datetime | None = None) -> None:
    """Count a portal request that made no case (see PortalHit). Rows older than
    a day are pruned here, so the table holds about a day of traffic."""
    now = now or timezone.now()
    PortalHit.objects.filter(at__lt=now - timedelta(days=1)).delete()
    PortalHit.objects.create(source=source, kind=kind, at=now)


@audit.audited
def portal_create(*, item: ServiceItem, summary: str, details: str, caller_name: str,
                  caller_phone: str, community: Community, source: str,
                  contact_consent: bool, proof: str = "", nonce: str = "") -> Case:
    """A request from the public portal: no account, no registry match yet (staff
    triage it), no personal data shown back. The resident must agree to be
    contacted about it (the consent is recorded in the audit entry). Past the
    whole portal's hourly ceiling, `proof` and `nonce` (a proof of work,
    services.portal_pow) open it once; the per-address limit has no way round."""
    if not contact_consent:
        raise ValidationError({"consent": _("Tick the box so the station may contact you "
                                            "about this request.")})
    if not item.active:
        raise ValidationError({"item": _("This service is no longer offered.")})
    # Counted under the portal's own lock: concurrent submissions count one
    # after another, so the limit is not overshot (core.locks).
    locks.hold(locks.PORTAL_REQUESTS)
    limit = portal_limit(source)
    if limit is Limit.SOURCE or (
            limit is Limit.GLOBAL and not portal_pow_redeem(token=proof, nonce=nonce)):
        raise portal_throttled()
    return _create(item=item, channel=Channel.PORTAL, summary=summary, details=details,
                   priority=Priority.NORMAL, person=None, household=None,
                   community_id=community.pk, caller_name=caller_name.strip(),
                   caller_phone=caller_phone, needs_onsite=False, owner=None,
                   opened_at=None, portal_source=source,
                   extra_audit={"contact_consent": True})


