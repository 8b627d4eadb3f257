"""Access declarations of the Open311 addresses (/open311/v2/, jiayuan.api.open311)
in the terms of tests/core/test_access_matrix.py. All are public: the reads show
the catalogue and portal requests without anyone's data; POST requests needs an
api_key (the matrix's JSON body {} is refused as 415, before the key is read)."""

from typing import Any

from tests.core.test_access_matrix import ON, PUBLIC, V, args

ACCESS: dict[str, Any] = {
    "open311_discovery": V(PUBLIC, post=None),
    "open311_services": V(PUBLIC, post=None),
    "open311_service": ON(PUBLIC, args(code="item_code"), post=None, grid=False),
    "open311_requests": V(PUBLIC),
    "open311_request": ON(PUBLIC, args(ref="portal_ref"), post=None, grid=False),
}
