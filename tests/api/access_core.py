"""Access declarations of the API's own addresses (tests/core/test_access_matrix.py)."""

from tests.core.test_access_matrix import PUBLIC, SIGNED_IN, V

ACCESS = {
    "api_me": V(SIGNED_IN, post=None),
    "api_schema": V(PUBLIC, post=None),
    "api_docs": V(PUBLIC, post=None),
}
