"""Writing contact cards (联系卡): a link per grid worker or for the station
(a new one replaces the live one of the same person), revoking a link when
staff change, and batches for printing, each print audited.

Nothing about residents is ever on a card: a name, a role, office hours, a
hotline and the QR code of the signed short link (jiayuan.engage.cards.links).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.core import audit, locks
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import community_ids
from jiayuan.core.staff import staff_with
from jiayuan.engage.cards.models import CardBatch, CardBatchLine, CardLink
from jiayuan.engage.cards.selectors import batches_for, card_links_for
from jiayuan.places.models import Community

MAX_COPIES = 2000  # one batch: what a print shop takes in one order


def _community(actor: User, community: Community | None) -> Community:
    """The community a card is for: the given one if in the actor's scope,
    else the actor's own."""
    ids = community_ids(actor)
    if community is None:
        if actor.community_id is None:
            raise ValidationError({"community": _("Choose the community.")})
        return Community.objects.get(pk=actor.community_id)
    if ids is not None and community.pk not in ids:
        raise ValidationError({"community": _("That community is not yours.")})
    return community


def card_people(actor: User, community_id: int) -> list[User]:
    """Who may have a card: active front-line accounts of the community."""
    return list(staff_with(actor, Perm.WORK_CASES).filter(community_id=community_id))


def _text(value: str, limit: int) -> str:
    return " ".join((value or "").split())[:limit]


def _visible_link(actor: User, link: CardLink) -> CardLink:
    found = card_links_for(actor).filter(pk=link.pk).first()
    if found is None:
        raise Http404
    return found


@audit.audited
def card_link_create(*, actor: User, user: User | None, role: str, office_hours: str,
                     hotline: str, community: Community | None = None,
                     now: datetime | None = None) -> CardLink:
    """A new card link for `user` (None: the station's card). A live link of
    the same person (or the station's) is revoked first: it is replaced."""
    require(actor, Perm.ISSUE_CARDS)
    now = now or timezone.now()
    where = _community(actor, community)
    if user is not None and user.pk not in {u.pk for u in card_people(actor, where.pk)}:
        raise ValidationError({"user": _(
            "%(name)s is not an active staff account of %(community)s: a card can only "
            "name the station's own staff.") % {"name": user.display_name,
                                               "community": where.name}})
    hotline = _text(hotline, 40)
    if not hotline:
        raise ValidationError({"hotline": _("Give the hotline printed on the card.")})
    # One at a time for the person (or the station's card, which no unique
    # constraint covers): a double submit replaces the first link, not a 500.
    locks.hold(locks.per_community(locks.CARD_LINKS, where.pk)
               + f":{user.pk if user is not None else 'station'}")
    old = (CardLink.objects.select_for_update()
           .filter(community=where, user=user, revoked_at__isnull=True).first())
    if old is not None:
        _revoke(actor, old, now, reason="replaced")
    link = CardLink.objects.create(
        community=where, user=user, role=_text(role, 60),
        office_hours=_text(office_hours, 120), hotline=hotline, created_at=now,
        created_by=actor)
    audit.record(AuditAction.CREATE, actor=actor, obj=link, changes=audit.created(
        audit.snapshot(link, CardLink.AUDIT_FIELDS)))
    return link


def _revoke(actor: User, link: CardLink, now: datetime, reason: str) -> None:
    before = audit.snapshot(link, CardLink.AUDIT_FIELDS)
    link.revoked_at, link.revoked_by = now, actor
    link.save(update_fields=["revoked_at", "revoked_by"])
    changes = audit.diff(before, audit.snapshot(link, CardLink.AUDIT_FIELDS))
    audit.record(AuditAction.UPDATE, actor=actor, obj=link,
                 changes={**changes, "reason": reason})


@audit.audited
def card_link_revoke(*, actor: User, link: CardLink, now: datetime | None = None) -> CardLink:
    """The card is out of date (the grid worker changed): its link then opens
    a page saying so, with the station's hotline."""
    require(actor, Perm.ISSUE_CARDS)
    link = _visible_link(actor, link)
    link = CardLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is not None:
        raise ValidationError(_("This card link was already revoked."))
    _revoke(actor, link, now or timezone.now(), reason="revoked")
    return link


@audit.audited
def card_batch_create(*, actor: User, lines: Iterable[tuple[CardLink, int]], note: str = "",
                      now: datetime | None = None) -> CardBatch:
    """A printing: live links of one community in scope, each with its copies
    (at least one), together at most MAX_COPIES cards."""
    require(actor, Perm.ISSUE_CARDS)
    wanted = [(link, copies) for link, copies in lines]
    if not wanted:
        raise ValidationError(_("Choose at least one card to print."))
    ids = [link.pk for link, _copies in wanted]
    if len(set(ids)) != len(ids):
        raise ValidationError(_("A card is named twice: give its copies once."))
    found = {link.pk: link for link in card_links_for(actor).filter(pk__in=ids)}
    communities = set()
    for link, copies in wanted:
        current = found.get(link.pk)
        if current is None:
            raise ValidationError(_("Card %(code)s is not one of your communities' cards.")
                                  % {"code": link.code})
        if current.revoked_at is not None:
            raise ValidationError(_("Card %(code)s was revoked: make a new link for that "
                                    "person and print that one.") % {"code": current.code})
        if copies < 1:
            raise ValidationError(_("Each card needs at least one copy (card %(code)s has "
                                    "%(n)d).") % {"code": current.code, "n": copies})
        communities.add(current.community_id)
    if len(communities) != 1:
        raise ValidationError(_("A batch prints the cards of one community only."))
    total = sum(copies for _link, copies in wanted)
    if total > MAX_COPIES:
        raise ValidationError(_("A batch prints at most %(max)d cards; this one asks for "
                                "%(n)d. Split it in two.") % {"max": MAX_COPIES, "n": total})
    batch = CardBatch.objects.create(community_id=communities.pop(), note=_text(note, 120),
                                     created_at=now or timezone.now(), created_by=actor)
    CardBatchLine.objects.bulk_create(
        [CardBatchLine(batch=batch, link_id=link.pk, copies=copies) for link, copies in wanted])
    audit.record(AuditAction.CREATE, actor=actor, obj=batch, changes={
        "note": [None, batch.note], "cards": [None, total],
        "lines": [None, {found[link.pk].code: copies for link, copies in wanted}]})
    return batch


@audit.audited
def card_batch_print(*, actor: User, batch: CardBatch) -> bytes:
    """The batch's A4 sheets (2 × 5 cards a page), audited as a print."""
    from jiayuan.engage.cards.pdf import cards_pdf
    from jiayuan.engage.cards.selectors import batch_lines

    require(actor, Perm.ISSUE_CARDS)
    if not batches_for(actor).filter(pk=batch.pk).exists():
        raise Http404
    lines = batch_lines(batch)
    data = cards_pdf([(line.link, line.copies) for line in lines])
    audit.record(AuditAction.PRINT, actor=actor, obj=batch, changes={
        "format": "pdf", "document": "contact_cards",
        "cards": sum(line.copies for line in lines)})
    return data


@audit.audited
def card_preview_print(*, actor: User, link: CardLink) -> bytes:
    """One sheet of one card (to check before printing a batch): not counted
    as cards handed out, but audited as a print."""
    from jiayuan.engage.cards.pdf import cards_pdf

    require(actor, Perm.ISSUE_CARDS)
    link = _visible_link(actor, link)
    data = cards_pdf([(link, 1)], preview=True)
    audit.record(AuditAction.PRINT, actor=actor, obj=link, changes={
        "format": "pdf", "document": "contact_card_preview"})
    return data
