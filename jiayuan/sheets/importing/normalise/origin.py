"""Place of origin (籍贯) as a division code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

from jiayuan.lib.divisions import OriginError, normalize_origin, prefecture_choices
from jiayuan.lib.divisions import province_choices as _province_choices
from jiayuan.lib.ethnicity import ETHNIC_GROUPS
from jiayuan.lib.text import fold
from jiayuan.sheets.importing.normalise.text import Cell, CellError, _error, text

# --- place of origin --------------------------------------------------------------

_PROVINCE_SUFFIX_RE = re.compile(r"(?:省|市|(?:壮族|回族|维吾尔)?自治区|特别行政区)$")
_PREFECTURE_SUFFIX_RE = re.compile(r"(?:自治州|自治县|地区|林区|盟|市|县)$")
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})


@lru_cache(maxsize=1)
def _ethnic_words() -> tuple[str, ...]:
    """Ethnic names as they appear in autonomous prefectures, longest first."""
    words = {zh for _code, zh, _en in ETHNIC_GROUPS if zh.endswith("族")}
    words |= {word[:-1] for word in words if len(word) > 2}  # 伊犁哈萨克自治州
    return tuple(sorted(words, key=len, reverse=True))


def _short_place(full: str, suffix_re: re.Pattern[str]) -> str | None:
    """伊犁哈萨克自治州 -> 伊犁, 喀什地区 -> 喀什, 成都市 -> 成都, 四川省 -> 四川."""
    match = suffix_re.search(full)
    if not match:
        return None
    base = full[: match.start()]
    if match.group().startswith("自治"):
        stripped = True
        while stripped:
            stripped = False
            for word in _ethnic_words():
                if base.endswith(word) and len(base) - len(word) >= 2:
                    base, stripped = base[: -len(word)], True
                    break
    return base if len(base) >= 2 else None


@dataclass(frozen=True)
class _Places:
    """Folded place names as (name, code) lists, longest name first."""

    province_full: list[tuple[str, str]]
    province_short: list[tuple[str, str]]
    prefecture_full: list[tuple[str, str]]
    prefecture_short: list[tuple[str, str]]
    provinces: dict[str, str]  # code -> name
    undivided: frozenset[str]  # Taiwan, Hong Kong, Macau: no prefectures


def _longest_first(names: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(names, key=lambda item: -len(item[0]))


@lru_cache(maxsize=1)
def _places() -> _Places:
    provinces = dict(_province_choices())
    undivided = frozenset(code for code, _label in prefecture_choices() if code in provinces)
    pref_full: list[tuple[str, str]] = []
    pref_short: list[tuple[str, str]] = []
    for code, label in prefecture_choices():
        if code in undivided:
            continue
        full = label.split(" ", 1)[-1]
        pref_full.append((fold(full), code))
        short = _short_place(full, _PREFECTURE_SUFFIX_RE)
        if short:
            pref_short.append((fold(short), code))
            if full.endswith("自治州"):
                pref_short.append((fold(short + "州"), code))  # 伊犁州, 昌吉州
    return _Places(
        province_full=_longest_first([(fold(n), c) for c, n in provinces.items()]),
        province_short=_longest_first(
            [(fold(s), c) for c, n in provinces.items()
             if (s := _short_place(n, _PROVINCE_SUFFIX_RE))]
        ),
        prefecture_full=_longest_first(pref_full),
        prefecture_short=_longest_first(pref_short),
        provinces=provinces,
        undivided=undivided,
    )


def _prefix(key: str, names: list[tuple[str, str]], province: str = "") -> tuple[set[str], int]:
    """Codes of the longest names in ``names`` that ``key`` starts with, and that length."""
    found: set[str] = set()
    length = 0
    for name_key, code in names:
        if found and len(name_key) < length:
            break
        if key.startswith(name_key) and code.startswith(province):
            found.add(code)
            length = len(name_key)
    return found, length


@lru_cache(maxsize=2048)
def _origin_from_name(key: str) -> tuple[str, str, str]:
    """(code, problem, province code): problem is "" when code is found, else one of
    ``province_only``, ``not_in`` (the province), ``ambiguous``, ``unknown``."""
    places = _places()
    provinces, length = _prefix(key, places.province_full)
    if not provinces:
        found, _length = _prefix(key, places.prefecture_full)  # 吉林市 before 吉林
        if found:
            return found.pop(), "", ""
        provinces, length = _prefix(key, places.province_short)
    if not provinces:
        found, _length = _prefix(key, places.prefecture_short)
        if len(found) == 1:
            return found.pop(), "", ""
        return "", "ambiguous" if found else "unknown", ""
    province = provinces.pop()
    rest = key[length:]
    if province[:2] in _MUNICIPALITIES:  # 北京, 北京市朝阳区: the city itself
        return province[:2] + "0100", "", ""
    if province in places.undivided:
        return province, "", ""
    if not rest:
        return "", "province_only", province
    found, _length = _prefix(rest, places.prefecture_full, province[:2])
    if not found:
        found, _length = _prefix(rest, places.prefecture_short, province[:2])
    return (found.pop(), "", "") if found else ("", "not_in", province)


def origin(cell: Cell) -> str:
    """A GB/T 2260 place-of-origin code, at least to the prefecture, or ``""``.

    Takes a 6-digit code (checked by ``jiayuan.lib.divisions.normalize_origin``) or
    names, full or short, with or without the province: 新疆维吾尔自治区喀什地区,
    新疆喀什, 喀什, 四川省成都市, 四川成都, 伊犁州. Whatever follows the
    prefecture (a county, a street) is ignored; a municipality (北京, 重庆市万州区)
    gives its own code. A province alone is refused: the registry records the
    prefecture. A short name used in more than one province needs the province.
    """
    unknown = _("“%(value)s” is not a place we know; write a province and a city, as "
                "四川省成都市, or a 6-digit division code.")
    if isinstance(cell, bool | date | time):
        raise _error(unknown, cell, "unknown")
    value = text(cell)
    if not value:
        return ""
    if value.isascii() and value.isdigit():
        try:
            return normalize_origin(value)
        except OriginError as exc:
            raise CellError(exc.message, exc.code) from None
    code, problem, province = _origin_from_name(fold(value))
    if code:
        return normalize_origin(code)
    if problem == "province_only":
        raise _error(_("“%(value)s” names only a province; name the city or prefecture in "
                       "%(province)s too."), cell, problem,
                     province=_places().provinces[province])
    if problem == "not_in":
        raise _error(_("“%(value)s”: %(province)s has no city or prefecture by that name; "
                       "write it as in 四川省成都市."), cell, "unknown",
                     province=_places().provinces[province])
    if problem == "ambiguous":
        raise _error(_("“%(value)s” is a place name in more than one province; add the "
                       "province."), cell, problem)
    raise _error(unknown, cell, "unknown")
