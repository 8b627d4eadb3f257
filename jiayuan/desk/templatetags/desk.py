from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def field(form: Any, name: str) -> Any:
    """`form|field:"note"`: a bound field by a name held in a variable."""
    return form[name]


@register.filter
def for_action(form: Any, action: str) -> Any:
    """`form|for_action:a.name`: the same form with ids of its own. The case
    page shows one blank transition form per action (the one that failed keeps
    the plain ids its error messages are named by); each action's "note"
    needs an id of its own, or a label finds the wrong field."""
    import copy

    clone = copy.copy(form)
    clone.auto_id = f"id_{action}_%s"
    clone._bound_fields_cache = {}
    return clone
