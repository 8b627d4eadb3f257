"""The pager keeps the list's filters in its links, whatever they are named."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def test_the_pager_keeps_every_parameter_and_survives_one_named_items() -> None:
    request = RequestFactory().get("/audit/?items=abc&grid=1&grid=2&q=%E9%83%91&page=2")
    page = Paginator(list(range(100)), 10).page(2)
    html = render_to_string("includes/pager.html", {"page": page, "request": request})
    assert "items=abc" in html and "grid=1&amp;grid=2" in html and "q=%E9%83%91" in html
    assert "page=1" in html and "page=3" in html and "page=2" not in html
