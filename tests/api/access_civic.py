"""Access declarations of /api/ addresses of this area (tests/core/test_access_matrix.py):
one line per URL name, in the terms of that module (V, ON, POST_ON, pk, args)."""

from typing import Any

from jiayuan.core.roles import Perm as P
from tests.core.test_access_matrix import ON, V, pk

ACCESS: dict[str, Any] = {
    # --- civic: suggestions -------------------------------------------------------------
    "api_suggestion_list": V(P.VIEW_CIVIC, post=P.HANDLE_SUGGESTIONS),
    "api_suggestion_detail": ON(P.VIEW_CIVIC, pk("suggestion"), post=None),
    # --- civic: projects ------------------------------------------------------------
    "api_project_list": V(P.VIEW_CIVIC, post=None),
    "api_project_detail": ON(P.VIEW_CIVIC, pk("project"), post=None),
    # --- civic: meetings ------------------------------------------------------------
    "api_meeting_list": V(P.VIEW_CIVIC, post=None),
    "api_meeting_detail": ON(P.VIEW_CIVIC, pk("meeting"), post=None),
    # --- engage: activities and volunteers ---------------------------------------------
    "api_activity_list": V(P.VIEW_ENGAGE, post=None),
    "api_activity_detail": ON(P.VIEW_ENGAGE, pk("activity"), post=None),
    "api_volunteer_list": V(P.VIEW_ENGAGE, post=None),
}
