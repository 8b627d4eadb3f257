"""Access declarations of /api/ addresses of this area (tests/core/test_access_matrix.py):
one line per URL name, in the terms of that module (V, ON, POST_ON, pk, args).

A webhook subscription belongs to one account, not to a grid: the matrix's
own/colleague/other sets have none, so the addresses of one subscription are
tried with a missing id only (401/403/405/404); one's own and another
account's are tried by tests/api/test_webhooks_subscriptions.py.
"""

from dataclasses import dataclass
from typing import Any

from jiayuan.core.roles import Perm
from tests.core.test_access_matrix import MISSING_ID, V


@dataclass(frozen=True)
class OwnOnly(V):
    @property
    def situations(self) -> tuple[str, ...]:
        return ("missing",)


def _missing(objects: dict[str, Any]) -> dict[str, Any]:
    return {"pk": MISSING_ID}


ACCESS: dict[str, Any] = {
    "api_webhook_list": V(Perm.VIEW_CASES),
    # GET and DELETE; POST is not a method of these.
    "api_webhook_detail": OwnOnly(Perm.VIEW_CASES, post=None, kw=_missing, grid=False),
    "api_webhook_deliveries": OwnOnly(Perm.VIEW_CASES, post=None, kw=_missing, grid=False),
}
