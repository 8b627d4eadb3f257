"""Access declarations of /api/ addresses of this area (tests/core/test_access_matrix.py):
one line per URL name, in the terms of that module (V, ON, POST_ON, pk, args)."""

from typing import Any

ACCESS: dict[str, Any] = {}
