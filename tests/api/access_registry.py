"""Access declarations of /api/ addresses of this area (tests/core/test_access_matrix.py):
one line per URL name, in the terms of that module (V, ON, POST_ON, pk, args).
PATCH is not sent by the matrix: tests/api/test_registry_*.py cover it."""

from typing import Any

from tests.core.test_access_matrix import ON, POST_ON, P, V, pk

ACCESS: dict[str, Any] = {
    "api_household_list": V(P.VIEW_REGISTRY, post=None),
    "api_household_detail": ON(P.VIEW_REGISTRY, pk("household"), post=None),
    "api_person_detail": ON(P.VIEW_REGISTRY, pk("person"), post=None),
    # The phone (a whole ID number also needs a recent confirmation, whatever the
    # session's age: tests/api/test_registry_people.py tests that rule).
    "api_person_reveal": POST_ON(P.REVEAL_PHONE,
                                 lambda o: {"pk": o["person"], "field": "phone"}),
    "api_search": V(None, post=P.VIEW_REGISTRY),
}
