"""The security headers every page carries (docs/deployment.md, "Headers"):
Content-Security-Policy, Permissions-Policy, Referrer-Policy,
Cross-Origin-Opener-Policy, and `Cache-Control: no-store` on every page (staff
pages always; static files keep their caching).

The expected values are written out here, not read from settings: removing the
middleware or changing the setting fails these tests. The browser's side (no
violation on real pages, behaviours still working) is tests/e2e/test_csp_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from jiayuan.core.middleware import NoStoreMiddleware
from jiayuan.desk.portal.forms import issue_stamp

CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'sha256-La1AB/RaHKOEZ5sQsf4vdzUM8da79ERYs4+i9lUPhLE='"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), "
    "encrypted-media=(), fullscreen=(self), geolocation=(), gyroscope=(), hid=(), "
    "idle-detection=(), magnetometer=(), microphone=(), midi=(), payment=(), "
    "picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), serial=(), "
    "usb=(), xr-spatial-tracking=()")
TEMPLATES = Path(__file__).resolve().parents[2] / "jiayuan"


def policy(response: HttpResponse) -> dict[str, list[str]]:
    """The CSP header as directive → sources (django-csp writes them in any order)."""
    parts = (p.split() for p in response["Content-Security-Policy"].split(";") if p.strip())
    return {name: sources for name, *sources in parts}


def assert_security_headers(response: HttpResponse) -> None:
    assert policy(response) == CSP
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def assert_no_store(response: HttpResponse) -> None:
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-store", "no-cache", "must-revalidate", "private", "max-age=0"} <= directives
    assert "public" not in directives


def staff_urls(household: Any, case: Any) -> dict[str, str]:
    return {
        "home": reverse("home"),
        "households": reverse("household_list"),
        "household": reverse("household_detail", args=[household.pk]),
        "person": reverse("person_detail", args=[household.head_id]),
        "cases": reverse("desk"),
        "case": reverse("case_detail", args=[case.pk]),
        "visit form": reverse("visit_new"),
        "reports": reverse("report"),
        "wall chart": reverse("wall_chart"),
    }


# (role, page): each role a page it may open.
STAFF_PAGES = [
    ("head", "home"), ("head", "household"), ("head", "case"), ("head", "reports"),
    ("head", "wall chart"),
    ("caseworker", "cases"), ("caseworker", "case"), ("caseworker", "person"),
    ("gridworker", "households"), ("gridworker", "household"), ("gridworker", "visit form"),
    ("auditor", "home"),
]


@pytest.mark.parametrize(("role", "name"), STAFF_PAGES)
def test_it_sends_every_header_on_staff_pages(role, name, personas, household, case):
    client = Client()
    client.force_login(personas[role])
    response = client.get(staff_urls(household, case)[name])
    assert response.status_code == 200
    assert_security_headers(response)
    assert_no_store(response)


def test_it_sends_every_header_on_the_admin(personas):
    admin = personas["admin"]
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(admin)
    for url in (reverse("admin:index"), reverse("admin:core_user_changelist")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response)
        assert_no_store(response)


def test_a_staff_file_is_never_cached_whatever_its_view_says(personas, household):
    client = Client()
    client.force_login(personas["head"])
    response = client.get(reverse("household_pdf", args=[household.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert_no_store(response)
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def portal_form(school_item: Any, **overrides: Any) -> dict[str, Any]:
    data = {"service": school_item.code, "summary": "孩子需要入学", "details": "",
            "name": "韩美玲", "phone": "139 1234 5678", "consent": "on", "website": "",
            "stamp": issue_stamp(now=time.time() - 10)}
    return {**data, **overrides}


def test_the_portal_form_shown_again_with_an_error_is_never_cached(community, school_item):
    client = Client(REMOTE_ADDR="192.0.2.10")
    response = client.post(reverse("portal_request"),
                           portal_form(school_item, phone="1391234567"))
    page = response.content.decode()
    assert response.status_code == 200 and 'id="id_phone_error"' in page
    assert "韩美玲" in page  # the name typed is on the page again
    assert_no_store(response)
    assert_security_headers(response)


def test_anonymous_pages_are_never_cached(community, school_item):
    client = Client(REMOTE_ADDR="192.0.2.11")
    for url in (reverse("login"), reverse("portal"), reverse("portal_request"),
                reverse("portal_status_lookup")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_store(response)
        assert_security_headers(response)
    assert client.post(reverse("portal_request"), portal_form(school_item)).status_code == 302
    from jiayuan.desk.models import Case

    case = Case.objects.get()
    response = client.get(reverse("portal_status", args=[case.ref, case.public_token]))
    assert response.status_code == 200 and case.ref in response.content.decode()
    assert_no_store(response)
    assert_security_headers(response)


def test_static_files_keep_their_caching_and_carry_the_policies(db):
    response = Client().get("/static/css/app.css")
    assert response.status_code == 200
    cache = response["Cache-Control"]
    assert "no-store" not in cache and "private" not in cache and "max-age" in cache
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert policy(response) == CSP


def test_an_anonymous_page_keeps_a_cache_control_its_view_chose_a_staff_one_does_not(
        personas):
    def cached(request: Any) -> HttpResponse:
        response = HttpResponse("public page")
        response["Cache-Control"] = "public, max-age=300"
        return response

    middleware = NoStoreMiddleware(cached)
    request = RequestFactory().get("/portal/")
    request.user = AnonymousUser()
    assert middleware(request)["Cache-Control"] == "public, max-age=300"
    request = RequestFactory().get("/portal/")
    request.user = personas["head"]
    response = middleware(request)
    assert_no_store(response)


def test_the_error_pages_inline_style_is_the_one_the_policy_allows(db):
    """templates/errors/page.html keeps its CSS inline (a 500 page must render
    without static files); the policy allows exactly that block by its hash.
    When the block changes, put the hash printed here in CONTENT_SECURITY_POLICY."""
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    block = re.search(r"<style>(.*?)</style>", response.content.decode(), re.S)
    assert block is not None
    digest = base64.b64encode(hashlib.sha256(block.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy(response)["style-src"]
    assert_no_store(response)


INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.I)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)


def test_no_template_has_inline_script_handlers_or_style_attributes():
    """The browser would refuse them under the policy: behaviours are data-
    attributes (static/js/behaviours.js), widths are SVG geometry or classes."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = re.sub(r"{#.*?#}", "", path.read_text(), flags=re.S)
        text = re.sub(r"{% comment %}.*?{% endcomment %}", "", text, flags=re.S)
        for pattern in (INLINE_HANDLER, STYLE_ATTRIBUTE, INLINE_SCRIPT):
            found += [f"{path.relative_to(TEMPLATES)}: {m.group(0)[:60]}"
                      for m in pattern.finditer(text)]
    assert found == []
