"""Sections that higher apps add to the registry's household and person pages.

The registry imports nothing of the apps built on it; the service desk's
requests and care's visits, duties, disputes and pairings still belong on a
household's file. Each app registers a section in its AppConfig.ready():

    panels.household_section(order=10)(desk.panels.household_cases)

A section is `callable(actor, obj, query) -> (template, context)` or None
(nothing to show), `query` being the request's GET parameters (a section that
pages its rows reads `page` there); the page renders each template with its context plus the object under
its usual name (`h` for a household, `p` for a person, `b` for a business)
and the request's own context (`user`, `can`, `request`), in `order`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

Section = Callable[[Any, Any, Any], "tuple[str, dict[str, Any]] | None"]


@dataclass(frozen=True)
class _Entry:
    order: int
    name: str
    section: Section


class Panel:
    """The sections of one kind of page (household, person, business)."""

    def __init__(self, var: str) -> None:
        self.var = var  # the name the page's templates use for the object
        self._entries: dict[str, _Entry] = {}

    def register(self, section: Section, *, order: int, name: str | None = None) -> Section:
        """Add `section` (re-registering the same name replaces it, so a
        ready() run twice adds nothing twice)."""
        key = name or f"{section.__module__}.{section.__qualname__}"
        self._entries[key] = _Entry(order, key, section)
        return section

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)

    def sections(self) -> list[Section]:
        return [e.section for e in sorted(self._entries.values(),
                                          key=lambda e: (e.order, e.name))]

    def render(self, request: HttpRequest, obj: Any,
               extra: dict[str, Any] | None = None) -> list[SafeString]:
        """Each section's HTML for `obj`, in order (template output is escaped
        by the template engine, hence safe to insert)."""
        out = []
        for section in self.sections():
            result = section(request.user, obj, request.GET)
            if result is None:
                continue
            template, context = result
            html = render_to_string(template, {self.var: obj, **(extra or {}), **context},
                                    request=request)
            out.append(mark_safe(html))  # noqa: S308 - rendered by a template
        return out


household = Panel("h")
person = Panel("p")
business = Panel("b")
