"""public_url(): the site's public address and a path, nothing from a request."""

from __future__ import annotations

import pytest
from django.test import override_settings

from jiayuan.core.urls_public import public_url


@override_settings(SITE_URL="https://jiayuan.example.org")
def test_a_path_goes_on_the_public_address() -> None:
    assert public_url("/portal/") == "https://jiayuan.example.org/portal/"


def test_an_address_that_is_not_a_path_is_refused() -> None:
    with pytest.raises(ValueError, match="path"):
        public_url("http://10.0.0.5/portal/")
