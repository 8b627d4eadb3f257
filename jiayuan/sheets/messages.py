"""Stored messages: what a check or an import says about a row, kept as msgids and
parameters, and put into words in the language of whoever reads them.

A check runs in the language of who asked for it (or of a background tick), but
its result is read later, by anyone. So a reason is never stored translated:

    encode(message)  -> JSON: a plain ``str`` for text that is not translated
                        (a header cell typed in the file), else
                        {"msgid": …, "params": {…}} (params encoded the same way),
                        {"msgid": …, "context": …} or {"join": [...], "sep": …}
    render(stored)   -> str, in the active language

The messages themselves stay what the code builds: lazy strings
(``gettext_lazy``, ``pgettext_lazy``, ``jiayuan.lib._i18n.interpolate``), which
``encode`` takes apart without translating them, and ``Joined`` for a list.
Anything else (a number, an eagerly translated str) is stored as its text, and
rows stored before messages were encoded hold plain strings: both render as
they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext

from jiayuan.lib._i18n import _interpolate

Stored = Any  # str | dict: the JSON form


class Joined:
    """Messages shown one after the other (``sep`` between them), rendered lazily."""

    __slots__ = ("parts", "sep")

    def __init__(self, parts: Iterable[Any], sep: str = ", ") -> None:
        self.parts, self.sep = list(parts), sep

    def __str__(self) -> str:
        return self.sep.join(str(p) for p in self.parts)

    def __bool__(self) -> bool:
        return bool(self.parts)


def encode(message: Any) -> Stored:
    """``message`` as JSON that `render` turns into words later (see module docstring)."""
    if isinstance(message, Joined):
        return {"join": [encode(p) for p in message.parts], "sep": message.sep}
    if isinstance(message, Promise):
        reduced = message.__reduce__()
        func, args = reduced[1][0], reduced[1][1]
        if func is _interpolate and isinstance(args[1], dict):
            return {"msgid": _msgid(args[0]),
                    "params": {str(k): _param(v) for k, v in args[1].items()}}
        if func is gettext and len(args) == 1:
            return {"msgid": str(args[0])}
        if func is pgettext and len(args) == 2:
            return {"msgid": str(args[1]), "context": str(args[0])}
    return str(message)


def _msgid(message: Any) -> Stored:
    """The template of an interpolated message: its msgid when translatable."""
    encoded = encode(message)
    return encoded["msgid"] if isinstance(encoded, dict) and set(encoded) == {"msgid"} \
        else encoded


def _param(value: Any) -> Stored:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int | float):
        return value
    return encode(value)


def render(stored: Stored) -> str:
    """A stored message in the active language (a plain string as it is)."""
    if isinstance(stored, str):
        return stored
    if not isinstance(stored, dict):
        return "" if stored is None else str(stored)
    if "join" in stored:
        return str(stored.get("sep", ", ")).join(render(p) for p in stored["join"])
    msgid = stored.get("msgid", "")
    if isinstance(msgid, dict):  # an interpolated template that was itself composite
        text = render(msgid)
    elif "context" in stored:
        text = pgettext(stored["context"], msgid)
    else:
        text = gettext(msgid) if msgid else ""
    params = stored.get("params")
    if params is None:
        return text
    values = {k: render(v) if isinstance(v, str | dict) else v for k, v in params.items()}
    try:
        return text % values
    except (KeyError, ValueError, TypeError):
        return msgid if isinstance(msgid, str) else text


def row_reasons(problems: list[dict[str, Any]], outcome: str, note: Stored) -> list[str]:
    """Why a stored row is not imported, one line per problem, in the reader's words."""
    out = [f"{render(p.get('column', ''))}: {render(p.get('reason', ''))}" for p in problems]
    if outcome == "duplicate":
        out.append(render(note) + " "
                   + gettext("Import it anyway by ticking it on the check page."))
    return out


def entry_reasons(entry: dict[str, Any]) -> list[str]:
    """The reasons of an ImportBatch.not_imported entry: stored as problems and a
    note since messages are encoded, as ready-made lines before."""
    if "problems" in entry:
        return row_reasons(entry["problems"], entry.get("outcome", ""), entry.get("note", ""))
    return [str(r) for r in entry.get("reasons", ())]
