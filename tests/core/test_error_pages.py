"""The product's own error pages: translated, phone-sized, and the 500 page
renders with no database and no request."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views import defaults

LANGS = [("zh-hans", "页面不存在"), ("zh-hant", "頁面不存在"), ("en", "Page not found")]


@pytest.mark.parametrize("lang,heading", LANGS)
def test_the_404_page_is_the_products_own_in_each_language(client: Any, db: Any, lang: str,
                                                           heading: str) -> None:
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 404
    html = response.content.decode()
    assert heading in html
    assert 'name="viewport"' in html and 'href="/favicon.ico"' in html


def test_a_missing_object_and_a_missing_page_read_the_same(client: Any, personas: dict) -> None:
    client.force_login(personas["head"])
    a = client.get("/households/999999/").content
    b = client.get("/no-such-page/").content
    assert a == b


@pytest.mark.parametrize("lang,heading", [("zh-hans", "无权访问"), ("zh-hant", "無權存取"),
                                          ("en", "Not allowed")])
def test_the_403_page_is_translated(client: Any, personas: dict, lang: str,
                                    heading: str) -> None:
    client.force_login(personas["gridworker"])
    response = client.get("/audit/", HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 403
    assert heading in response.content.decode()
    assert 'name="viewport"' in response.content.decode()


@pytest.mark.parametrize("lang,heading", [("zh-hans", "出错了"), ("zh-hant", "出錯了"),
                                          ("en", "Something went wrong")])
def test_the_500_page_needs_no_database_and_no_request_context(lang: str,
                                                               heading: str) -> None:
    # No `db` fixture: any query would fail the test.
    request = RequestFactory().get("/")
    with translation.override(lang):
        response = defaults.server_error(request)
    assert response.status_code == 500
    assert heading in response.content.decode()


def test_the_400_page_is_translated(db: Any) -> None:
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        response = defaults.bad_request(request, Exception("bad"))
    assert response.status_code == 400
    assert "无法理解" in response.content.decode()


@pytest.mark.parametrize("lang,heading", [("zh-hans", "表单已过期"), ("zh-hant", "表單已過期"),
                                          ("en", "The form has expired")])
def test_a_csrf_failure_gets_a_page_a_person_can_act_on(db: Any, lang: str,
                                                        heading: str) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "x", "password": "y"},
                           HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 403
    html = response.content.decode()
    assert heading in html
    assert "CSRF" not in html  # the reason stays in the log


def test_favicon_ico_leads_to_the_icon(client: Any, db: Any) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content) if icon.streaming else icon.content


def test_the_staff_pages_link_the_icon(client: Any, personas: dict) -> None:
    client.force_login(personas["head"])
    assert 'rel="icon"' in client.get("/").content.decode()
