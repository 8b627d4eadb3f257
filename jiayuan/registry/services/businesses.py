"""Shops and other businesses (商户): registered so they can be visited and be
a party to disputes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.places.models import Dwelling, Grid
from jiayuan.registry.models import Business, Person
from jiayuan.registry.services.common import (
    KEEP,
    Keep,
    check_dwelling,
    check_not_erased,
    check_scope,
)


def _place_business(actor: User, business: Business, grid: Grid | None,
                    dwelling: Dwelling | None, address: str) -> None:
    """A business stands in a grid the actor works in: at premises among the
    dwellings (which decide the grid; `grid` is then ignored) or at an address
    in the grid the actor chooses."""
    if dwelling is not None:
        check_dwelling(actor, dwelling)
        business.grid_id = dwelling.grid_id
        return
    if grid is None:
        raise ValidationError({"grid": _(
            "Choose the grid the business is in (or its premises).")})
    check_scope(actor, grid.pk)
    if not address.strip():
        raise ValidationError({"address": _(
            "Write the address, or choose the premises from the dwellings.")})
    business.grid_id = grid.pk


def _check_owner(actor: User, owner: Person | None, keep_id: int | None = None) -> None:
    """A new owner must be someone the actor may see who still lives here; the
    owner already on record stays even when they live in another grid."""
    if owner is None or owner.pk == keep_id:
        return
    if not in_scope(actor, owner.grid_id):
        raise Http404
    check_not_erased(owner)
    if owner.left_on is not None:
        raise ValidationError({"owner": _("%(name)s has left the community.")
                               % {"name": owner.name}})


@audit.audited
def business_create(*, actor: User, name: str, kind: str, grid: Grid | None = None,
                    dwelling: Dwelling | None = None, owner: Person | None = None,
                    address: str = "", licence_note: str = "") -> Business:
    """Register a shop or other business (商户) so it can be visited and be a
    party to disputes."""
    require(actor, Perm.EDIT_REGISTRY)
    business = Business(name=name, kind=kind, owner=owner, dwelling=dwelling,
                        address=address, licence_note=licence_note)
    _place_business(actor, business, grid, dwelling, address)
    _check_owner(actor, owner)
    business.full_clean()
    business.save()
    audit.record(AuditAction.CREATE, actor=actor, obj=business,
                 changes=audit.created(audit.snapshot(business, Business.AUDIT_FIELDS)))
    return business


@audit.audited
def business_update(*, actor: User, business: Business, grid: Grid | None = None,
                    name: str | Keep = KEEP, kind: str | Keep = KEEP,
                    owner: Person | None | Keep = KEEP, dwelling: Dwelling | None | Keep = KEEP,
                    address: str | Keep = KEEP, licence_note: str | Keep = KEEP) -> Business:
    """Change a business's name, kind, owner, premises, address or licence note
    (KEEP: as recorded). Moving it to premises in a grid outside the actor's
    scope is refused."""
    require(actor, Perm.EDIT_REGISTRY)
    check_scope(actor, business.grid_id)
    business = Business.objects.select_for_update().get(pk=business.pk)
    before = audit.snapshot(business, Business.AUDIT_FIELDS)
    keep_owner = business.owner_id
    for field, value in (("name", name), ("kind", kind), ("owner", owner),
                         ("dwelling", dwelling), ("address", address),
                         ("licence_note", licence_note)):
        if value is not KEEP:
            setattr(business, field, value)
    _place_business(actor, business, grid, business.dwelling, business.address)
    _check_owner(actor, business.owner, keep_id=keep_owner)
    business.full_clean()
    business.save()
    changes = audit.diff(before, audit.snapshot(business, Business.AUDIT_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE, actor=actor, obj=business, changes=changes)
    return business
