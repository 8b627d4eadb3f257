"""The pager's links: the page's own query string with another page number."""

from __future__ import annotations

from django import template
from django.http import HttpRequest

register = template.Library()


@register.simple_tag
def page_query(request: HttpRequest, number: int) -> str:
    """`?…&page=N`, keeping every other parameter (repeated ones too) as the
    page received it. A parameter named like a dict method (`?items=`) is
    just a parameter here, not a lookup the template engine would make."""
    query = request.GET.copy()
    query["page"] = str(number)
    return "?" + query.urlencode()
