"""Desk's receivers of registry events (connected in DeskConfig.ready)."""

from __future__ import annotations

from typing import Any

from jiayuan.core.models import User
from jiayuan.desk.models import Case
from jiayuan.desk.services.referrals import referrals_withdraw_for_consent
from jiayuan.registry.models import Consent, Household


def household_moved(sender: Any, *, household: Household, old_grid_id: int,
                    new_grid_id: int, **kwargs: Any) -> None:
    """The household's service-desk cases follow it, so the new grid's workers see them."""
    Case.objects.filter(household=household).update(grid_id=new_grid_id)


def consent_withdrawn(sender: Any, *, consent: Consent, actor: User | None,
                      **kwargs: Any) -> None:
    """Referrals sent under a consent stop when the resident withdraws it (or
    when the system does: `actor` None, retention's erasure)."""
    referrals_withdraw_for_consent(actor=actor, consent=consent)
