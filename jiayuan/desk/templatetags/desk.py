from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def field(form: Any, name: str) -> Any:
    """`form|field:"note"`: a bound field by a name held in a variable."""
    return form[name]
