"""Access declarations of /api/ addresses of this area (tests/core/test_access_matrix.py):
one line per URL name, in the terms of that module (V, ON, POST_ON, pk, args)."""

from typing import Any

from tests.core.test_access_matrix import MISSING_ID, SIGNED_IN, V

ACCESS: dict[str, Any] = {
    # One's own tokens: the page (POST revokes one of one's own) and its new-token form
    # (behind a recent confirmation: without one, a redirect to the confirmation page).
    "account_api_tokens": V(SIGNED_IN),
    "account_api_token_new": V(SIGNED_IN),
    "api_token_list": V(SIGNED_IN, post=None),
    # DELETE only: GET and POST are refused (405) whatever the id.
    "api_token_revoke": V(None, post=None, kw=lambda o: {"pk": MISSING_ID}, grid=False),
}
