"""GB/T 2260 administrative divisions at province and prefecture level.

Used for a person's place of origin (籍贯), recorded at least to the prefecture:
a prefecture-level city, 地区, 自治州 or 盟. Data lives in ``divisions.json``:

* ``provinces``: the 34 province-level units, ``xx0000``;
* ``prefectures``: prefecture-level units ``xxyy00``; the four municipalities
  (Beijing, Tianjin, Shanghai, Chongqing) appear once, as their ``xx0100`` code;
* ``prefecture_aliases``: other prefecture slots of the same unit mapped to the
  code shown: Chongqing's counties are numbered 5002xx, and old ID numbers still
  carry the former 1102xx/1202xx/3102xx county codes of the other municipalities;
* ``direct_units``: county-level units governed directly by a province (济源,
  仙桃, Hainan's counties, the XPCC cities of Xinjiang), which stand in for the
  prefecture since they have none;
* ``undivided_provinces``: Taiwan, Hong Kong and Macau, which have no prefecture
  codes in GB/T 2260 and so are accepted as a whole.

Place names are proper nouns and are not translated.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from jiayuan.lib._i18n import LibError, interpolate

__all__ = [
    "OriginError",
    "normalize_origin",
    "origin_label",
    "prefecture_choices",
    "province_choices",
]

_DATA_FILE = Path(__file__).with_name("divisions.json")
_CODE_RE = re.compile(r"[0-9]{6}")


class OriginError(LibError):
    """A place-of-origin code is invalid; ``code`` is one of ``format``,
    ``unknown``, ``province_only``."""


@dataclass(frozen=True)
class _Divisions:
    provinces: dict[str, str]
    prefectures: dict[str, str]
    aliases: dict[str, str]
    direct_units: dict[str, str]
    undivided: frozenset[str]


@lru_cache(maxsize=1)
def _data() -> _Divisions:
    raw = json.loads(_DATA_FILE.read_text(encoding="utf-8"))
    return _Divisions(
        provinces=raw["provinces"],
        prefectures=raw["prefectures"],
        aliases=raw["prefecture_aliases"],
        direct_units=raw["direct_units"],
        undivided=frozenset(raw["undivided_provinces"]),
    )


def _province_of(code: str) -> str:
    return code[:2] + "0000"


def _label(code: str) -> str:
    """Label of a prefecture, direct unit or undivided province code (known)."""
    data = _data()
    province = data.provinces[_province_of(code)]
    if code in data.undivided:
        return province
    name = data.prefectures.get(code) or data.direct_units[code]
    # The municipalities' districts code carries the municipality's own name.
    return province if name == province else f"{province} {name}"


def _unit_of(code: str) -> str | None:
    """The prefecture-level code that ``code`` (any level below province) falls in."""
    data = _data()
    if code in data.direct_units or code in data.undivided:
        return code
    prefecture = code[:4] + "00"
    prefecture = data.aliases.get(prefecture, prefecture)
    return prefecture if prefecture in data.prefectures else None


def province_choices() -> list[tuple[str, str]]:
    """(code, name) of every province-level unit, in code order."""
    return sorted(_data().provinces.items())


def prefecture_choices(province_code: str | None = None) -> list[tuple[str, str]]:
    """(code, "省 市") of every unit selectable as a place of origin, in code order.

    ``province_code`` (``"320000"`` or ``"32"``) limits the list to one province.
    Direct units and the undivided provinces are included, aliases are not.
    """
    data = _data()
    codes = [*data.prefectures, *data.direct_units, *data.undivided]
    if province_code is not None:
        codes = [c for c in codes if c[:2] == province_code[:2]]
    return [(code, _label(code)) for code in sorted(codes)]


def origin_label(code: str) -> str:
    """Display label of a place-of-origin code.

    A county code is shown as its prefecture (``320583`` -> ``"江苏省 苏州市"``); a
    bare province code as the province. Unknown codes are returned unchanged so
    that stored data always displays.
    """
    data = _data()
    if not _CODE_RE.fullmatch(code):
        return code
    unit = _unit_of(code)
    if unit is not None:
        return _label(unit)
    return data.provinces.get(code, code)


def normalize_origin(code: str) -> str:
    """Validate a place-of-origin code; returns the 6-digit code as given.

    Accepted: a prefecture-level code or any code below a known prefecture (the
    county is not checked), a direct unit, or Taiwan/Hong Kong/Macau. A province
    alone is refused with ``province_only``.
    """
    data = _data()
    cleaned = "".join(unicodedata.normalize("NFKC", code).split())
    if not _CODE_RE.fullmatch(cleaned):
        raise OriginError(
            _("A place of origin is a 6-digit administrative division code."), "format"
        )
    if _province_of(cleaned) not in data.provinces:
        raise OriginError(
            interpolate(
                _("%(code)s is not a known administrative division code."), {"code": cleaned}
            ),
            "unknown",
        )
    if cleaned in data.provinces and cleaned not in data.undivided:
        raise OriginError(
            interpolate(
                _("Choose a city or prefecture in %(province)s, not only the province."),
                {"province": data.provinces[cleaned]},
            ),
            "province_only",
        )
    if _unit_of(cleaned) is None:
        raise OriginError(
            interpolate(
                _("%(code)s is not a known administrative division code."), {"code": cleaned}
            ),
            "unknown",
        )
    return cleaned
