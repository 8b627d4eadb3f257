"""Matching a department's name as staff once typed it ("教育局", "區教育局 ")
to one department of the list: used to link free-text referral consents to
departments (the registry migration and `manage.py unmatched_consents`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from jiayuan.lib.text import fold


def match_department(text: str, names: Mapping[int, Iterable[str]]) -> int | None:
    """The pk of the one department `text` names, or None when it names none or
    several. `names` maps a department's pk to its names and code.

    Tried in order, the first rule that gives exactly one department wins:
    the name exactly as typed; the folded name (Traditional to Simplified,
    width, case, spaces and punctuation); one name containing the other
    ("教育局" in "区教育局"), for folded texts of at least two characters.
    """
    text = (text or "").strip()
    if not text:
        return None
    cleaned = {pk: [n.strip() for n in ns if n and n.strip()] for pk, ns in names.items()}

    def unique(hits: set[int]) -> int | None:
        return next(iter(hits)) if len(hits) == 1 else None

    exact = {pk for pk, ns in cleaned.items() if text in ns}
    if exact:
        return unique(exact)
    key = fold(text)
    if not key:
        return None
    folded = {pk: {fold(n) for n in ns} - {""} for pk, ns in cleaned.items()}
    same = {pk for pk, ns in folded.items() if key in ns}
    if same:
        return unique(same)
    if len(key) < 2:
        return None
    return unique({pk for pk, ns in folded.items()
                   if any(len(n) >= 2 and (key in n or n in key) for n in ns)})
