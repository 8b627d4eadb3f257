"""Access declarations of /api/ addresses of this area (tests/core/test_access_matrix.py):
one line per URL name, in the terms of that module (V, ON, POST_ON, pk, args).
PATCH is not sent by the matrix: tests/api/test_registry_*.py cover it."""

from typing import Any

from tests.core.test_access_matrix import ON, POST_ON, P, V, pk

ACCESS: dict[str, Any] = {
    "api_household_list": V(P.VIEW_REGISTRY, post=None),
    "api_household_detail": ON(P.VIEW_REGISTRY, pk("household"), post=None),
    "api_person_detail": ON(P.VIEW_REGISTRY, pk("person"), post=None),
    # The whole ID number (the stricter of the two fields), as the page's person_reveal.
    "api_person_reveal": POST_ON(P.REVEAL_ID_NUMBER,
                                 lambda o: {"pk": o["person"], "field": "id_number"}),
    "api_search": V(None, post=P.VIEW_REGISTRY),
}
