"""Render audit entries in the reader's language.

Entries are never rewritten (the hash chain covers them), so they keep labels
in their source form: `audit.record` writes an object's label and any lazy
label in a diff as the msgid, and the portal and departments as the codes
"portal" and "dept:<code>". These filters translate what is a msgid and leave
names, references and values as they are.
"""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.translation import gettext

register = template.Library()


# Labels built by models' __str__: "<label> <date>" (a duty, a visit, a festival
# date) and "<label> (<label>)" (a consent).
_DATED = re.compile(r"(?P<label>.+?) (?P<date>\d{4}-\d{2}-\d{2})")
_PAIRED = re.compile(r"(?P<label>.+?) \((?P<other>[^()]+)\)")


def _one(text: str) -> str:
    # gettext("") would return the catalogue's header.
    return gettext(text) if text.strip() else text


def _label(text: str) -> str:
    translated = _one(text)
    if translated != text:
        return translated
    if m := _DATED.fullmatch(text):
        return f"{_one(m['label'])} {m['date']}"
    if m := _PAIRED.fullmatch(text):
        return f"{_one(m['label'])} ({_one(m['other'])})"
    return text


def _translated(value: Any) -> Any:
    if isinstance(value, str):
        return _label(value)
    if isinstance(value, list):
        return [_translated(v) for v in value]
    return value


@register.filter
def audit_text(value: Any) -> Any:
    return _translated(value)


@register.filter
def audit_actor(username: str) -> str:
    if username == "portal":
        return gettext("Resident portal")
    return username


@register.filter
def audit_changes(changes: Any) -> list[tuple[str, Any]]:
    if not isinstance(changes, dict):
        return []
    return [(key, _translated(value)) for key, value in changes.items()]
