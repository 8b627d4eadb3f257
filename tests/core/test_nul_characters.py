"""A NUL character anywhere in a request is refused with the site's own 400:
PostgreSQL cannot bind one (a DataError, a 500) and no person types one."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("url", ["/search/?q=%00", "/households/?q=a%00b",
                                 "/desk/new/requester/?q=%00", "/portal/?x%00=1"])
def test_it_refuses_a_nul_character_with_the_sites_400(client, head, url):
    client.force_login(head)
    response = client.get(url)
    assert response.status_code == 400
    assert b"<html" in response.content.lower()


def test_it_refuses_a_nul_character_in_a_form_field(client, head):
    client.force_login(head)
    response = client.post("/search/", "q=zrz%00",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_it_lets_an_ordinary_query_through(client, head):
    client.force_login(head)
    assert client.post("/search/", {"q": "zrz"}, follow=True).status_code == 200
