"""Access declarations of /api/ addresses of this area (tests/core/test_access_matrix.py):
one line per URL name, in the terms of that module (V, ON, POST_ON, pk, args)."""

from typing import Any

from jiayuan.core.roles import Perm as P
from tests.core.test_access_matrix import ON, POST_ON, V, pk

ACCESS: dict[str, Any] = {
    # The catalogue as the intake form lists it: for whoever reads cases.
    "api_services_list": V(P.VIEW_CASES, post=None),
    # GET: the cases in scope; POST: take a request (the intake page's service).
    "api_cases_list": V(P.VIEW_CASES, post=P.WORK_CASES),
    "api_case_detail": ON(P.VIEW_CASES, pk("case"), post=None),
    "api_case_transition": POST_ON(P.WORK_CASES, pk("case")),
    "api_case_notes": ON(P.VIEW_CASES, pk("case"), post=P.WORK_CASES),
    "api_case_referrals": ON(P.VIEW_CASES, pk("case"), post=P.REFER),
}
