"""Events the registry sends for higher apps to react to.

The registry imports nothing of the apps built on it (desk, care, engage): a higher
app that keeps a copy of registry data (a case's or a visit's grid) connects a
receiver to one of these signals in its AppConfig.ready().
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent by `household_move` inside its transaction, after the household and its
# members took the new grid (so a receiver that raises undoes the move).
# Arguments: household (the moved Household), old_grid_id, new_grid_id.
household_moved = Signal()

# Sent by `consent_withdraw` inside its transaction, after the consent is marked
# withdrawn (so a receiver that raises undoes the withdrawal). The desk withdraws
# the open referrals made under it. Arguments: consent (the withdrawn Consent),
# actor (the User who withdrew it).
consent_withdrawn = Signal()
