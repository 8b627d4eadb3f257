"""API fixtures: a client that calls with a real token made by the real service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from jiayuan.api import tokens
from jiayuan.core.models import User


@pytest.fixture
def api_for(db: Any) -> Callable[..., APIClient]:
    """`api_for(user, read_only=False)`: an APIClient sending that user's new token."""

    def make(user: User, *, read_only: bool = False) -> APIClient:
        _token, secret = tokens.issue_token(user, name="test", read_only=read_only)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make
