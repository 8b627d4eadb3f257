"""Access declarations of /api/ addresses of this area (tests/core/test_access_matrix.py):
one line per URL name, in the terms of that module (V, ON, POST_ON, pk, args)."""

from typing import Any

from jiayuan.core.roles import Perm as P
from tests.core.test_access_matrix import ON, V, pk

ACCESS: dict[str, Any] = {
    # --- care ------------------------------------------------------------------------
    "api_visit_list": V(P.VIEW_VISITS, post=P.LOG_VISITS),
    "api_visit_detail": ON(P.VIEW_VISITS, pk("visit"), post=None),
    "api_duty_list": V(P.VIEW_VISITS, post=None),
    "api_dispute_list": V(P.VIEW_DISPUTES, post=None),
    "api_dispute_detail": ON(P.VIEW_DISPUTES, pk("dispute"), post=None),
    "api_pairing_list": V(P.VIEW_VISITS, post=None),
    "api_pairing_detail": ON(P.VIEW_VISITS, pk("pairing"), post=None),
}
