"""`{% main_nav_links %}`: the menu's links (includes/main_nav_links.html).

Every signed-in page shows them, and they depend only on the language, the
account's permissions (`can`, one table a role), whether it reads any figure
(a figure is readable by permission) and where the URLs are mounted: about 20
URLs reversed and 20 strings translated a page for the same few lines of HTML.
They are rendered once for each of those and reused by this process.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from jiayuan.core import metrics

register = template.Library()

_rendered: dict[tuple[Any, ...], SafeString] = {}
_LIMIT = 256  # languages × roles: a handful; the bound only guards against surprises


@register.simple_tag(takes_context=True)
def main_nav_links(context: template.Context) -> SafeString:
    can = context.get("can") or {}
    key = (get_language(), get_script_prefix(), get_urlconf(), tuple(can.items()))
    html = _rendered.get(key)
    if html is None:
        # The Reports link: the account reads at least one figure, which its
        # permissions (so `can`) decide.
        reads = metrics.reads_any(context.get("user"))
        html = SafeString(render_to_string("includes/main_nav_links.html",
                                           {"can": can, "reads_figures": reads}))
        if len(_rendered) < _LIMIT:
            _rendered[key] = html
    return html
