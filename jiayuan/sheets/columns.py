"""Which column of a roster holds which field: header row detection and mapping.

Header texts are compared by ``header_key``: NFKC (full-width to half-width),
Traditional to Simplified, lower case, with spaces, line breaks, ``*``, colons
and bracketed notes such as ``（必填）`` or ``(选填)`` removed, so that
``"身分證號\\n（必填）"`` and ``"身份证号"`` both become ``"身份证号"``. A key is
then looked up in the aliases of FIELDS; a key with a trailing number
(``电话1``, ``电话2``) falls back to the key without it.

Only exact aliases match: ``户主姓名`` (the head's name, not the person's) or
``户主身份证号`` are deliberately left unmapped rather than guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jiayuan.lib.text import fold

__all__ = ["FIELDS", "Field", "field_for", "find_header", "guess_mapping", "header_cells",
           "header_key", "is_blank", "is_total", "template_columns", "template_mapping"]


@dataclass(frozen=True)
class Field:
    key: str
    label: Promise | str
    aliases: tuple[str, ...]  # as typed in rosters; compared through header_key
    kind: str  # the jiayuan.sheets.importing.normalise function that cleans this field's cells


_FIELD_LIST = (
    Field("name", _("Name"), (
        "姓名", "名字", "居民姓名", "人员姓名", "成员姓名", "本人姓名", "name", "full name",
        "resident name"), "name"),
    Field("sex", _("Sex"), ("性别", "男/女", "sex", "gender"), "sex"),
    Field("birth_date", _("Birth date"), (
        "出生日期", "出生年月", "出生年月日", "生日", "出生时间", "birth date", "date of birth",
        "birthday", "dob"), "day"),
    Field("id_number", _("ID-card number"), (
        "公民身份号码", "身份证号", "身份证号码", "身份证", "证件号码", "证件号", "身份证件号码",
        "居民身份证号码", "身份号码", "身分证号", "身分证号码", "身分证字号", "本人身份证号",
        "id number", "id card", "id card number", "id no", "id-card number", "identity card"),
        "id_number"),
    Field("phone", _("Phone"), (
        "联系电话", "手机", "手机号", "电话", "联系方式", "手机号码", "电话号码", "联系号码",
        "本人电话", "本人手机", "本人联系电话", "移动电话", "联络电话", "phone", "mobile",
        "telephone", "tel", "phone number", "mobile phone"), "phone"),
    Field("ethnicity", _("Ethnic group"), ("民族", "族别", "ethnicity", "ethnic group"),
          "ethnicity"),
    Field("building", _("Building"), (
        "楼栋", "楼号", "栋号", "楼幢", "幢号", "栋", "楼", "楼栋号", "building", "building no"),
        "place_part"),
    Field("unit", _("Unit"), ("单元", "单元号", "unit", "unit no"), "place_part"),
    Field("room", _("Room"), (
        "房号", "门牌号", "房间号", "室", "房屋号", "房间", "户室号", "室号", "room", "room no"),
        "place_part"),
    Field("address", _("Address"), (
        "住址", "地址", "现住址", "居住地址", "家庭住址", "现居住地址", "居住地", "门牌地址",
        "address", "home address"), "address"),
    Field("relation", _("Relation to head"), (
        "与户主关系", "关系", "与户主的关系", "家庭关系", "户内关系", "relation",
        "relationship", "relation to head"), "relation"),
    Field("residency", _("Residency"), (
        "人员类别", "居住类型", "人口类型", "户籍类型", "人员类型", "人口类别", "居住类别",
        "户籍类别", "户籍性质", "residency", "resident type"), "residency"),
    Field("origin", _("Origin place"), (
        "户籍地", "籍贯", "户籍地址", "户籍所在地", "户口所在地", "户籍地详址", "原籍", "来源地",
        "origin", "origin place", "hukou"), "origin"),
    Field("permit_number", _("Residence permit number"), (
        "居住证号", "居住证号码", "居住证编号", "residence permit number", "permit number"),
        "text"),
    Field("permit_expiry", _("Residence permit expiry"), (
        "居住证有效期", "居住证到期日", "有效期至", "居住证有效期至", "居住证到期时间",
        "居住证到期日期", "permit expiry", "residence permit expiry"), "day"),
    Field("occupation", _("Occupation"), (
        "职业", "工作单位", "职业/工作单位", "工作单位及职务", "职务", "occupation", "job",
        "employer"), "text"),
    Field("household_no", _("Household number"), (
        "户号", "户编号", "家庭编号", "住户编号", "household number", "household no"), "text"),
    Field("grid", _("Grid"), ("网格", "所属网格", "网格名称", "网格号", "grid"), "text"),
    Field("moved_in", _("Moved in"), (
        "入住日期", "迁入日期", "入住时间", "迁入时间", "来本地时间", "迁入", "moved in", "move-in date"),
        "day"),
    Field("note", _("Note"), ("备注", "说明", "备注说明", "note", "notes", "remarks"), "text"),
)

#: Field key -> Field, in the order a mapping screen should list them.
FIELDS: dict[str, Field] = {f.key: f for f in _FIELD_LIST}

_BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕|<[^<>]*>|《[^《》]*》")
_DROP = re.compile(r"[\s*:：★☆#※]+")
_TRAILING_NUMBER = re.compile(r"(?<=\D)\d{1,2}$")
_TOTALS = ("合计", "小计", "总计", "共计")
_TOTALS_EN = ("total", "subtotal", "grand total", "sum")


def header_key(text: Any) -> str:
    """Normalised header text ("" for an empty cell); see the module docstring."""
    if text is None:
        return ""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    raw = unicodedata.normalize("NFKC", str(text))
    stripped = _BRACKETS.sub("", raw)
    # A header that is nothing but a bracketed note keeps its words.
    if _DROP.sub("", stripped):
        raw = stripped
    raw = _DROP.sub("", raw).strip("()（）[]【】")
    return fold(raw) if raw else ""


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for f in _FIELD_LIST:
        for alias in f.aliases:
            index.setdefault(header_key(alias), f.key)
    return index


def field_for(text: Any) -> str | None:
    """The field key a header cell names, or None."""
    key = header_key(text)
    if not key:
        return None
    index = _alias_index()
    if key in index:
        return index[key]
    base = _TRAILING_NUMBER.sub("", key)
    return index.get(base) if base != key else None


def is_blank(row: Sequence[Any] | None) -> bool:
    """True if every cell is empty or only whitespace (full-width spaces too)."""
    # A plain loop: called several times for every row of a roster.
    for c in row or ():
        if c is not None and not (isinstance(c, str) and not c.strip()):
            return False
    return True


def is_total(row: Sequence[Any] | None) -> bool:
    """True for a totals row: one of its first two filled cells says 合计, 小计,
    总计 or 共计 (Traditional forms too), or is "Total"/"Subtotal"."""
    seen = 0
    for c in row or ():
        if c is None:
            continue
        if isinstance(c, str):
            if not c.strip():
                continue
            if ("计" in c or "計" in c or not _PLAIN_HAN.fullmatch(c)) and _says_total(c):
                return True
        seen += 1
        if seen == 2:
            return False
    return False


_TOTALS_KEYS = frozenset(k.replace(" ", "") for k in _TOTALS_EN)
#: Text of Han characters only (a name, mostly): a totals word in it has 计 or 計,
#: the only characters whose folded form is 计; so without them it is no total,
#: known without normalising it (names are too many to cache).
_PLAIN_HAN = re.compile("[\u4e00-\u9fff]+")


@lru_cache(maxsize=8192)  # every data row asks about its first cells (names, 男/女…)
def _says_total(text: str) -> bool:
    key = header_key(text)
    return any(word in key for word in _TOTALS) or key in _TOTALS_KEYS


def _mapped(row: Sequence[Any]) -> list[str]:
    return [f for f in (field_for(c) for c in row) if f]


def _is_subheader(row: Sequence[Any]) -> bool:
    """A second header row: at least half of its filled cells name fields."""
    filled = [c for c in row if not is_blank([c])]
    return bool(filled) and 2 * len(_mapped(filled)) >= len(filled) and bool(_mapped(filled))


def find_header(rows: Sequence[Sequence[Any]], scan: int = 30) -> int | None:
    """Index into ``rows`` of the header row, or None.

    The header is the first row within the first ``scan`` rows where at least two
    cells name fields and one of them is the name; title rows above it are
    skipped. With a two-row header (a group cell such as "住址" above 楼栋 / 单元 /
    房号) the index of the lower row, which has the leaf names, is returned:
    data starts right below it, and ``header_cells(rows, index)`` gives the
    header with the upper row's cells filled in.
    """
    for i, row in enumerate(rows[:scan]):
        fields = _mapped(row)
        if len(set(fields)) >= 2 and "name" in fields:
            if i + 1 < len(rows) and _is_subheader(rows[i + 1]):
                return i + 1
            return i
    return None


def header_cells(rows: Sequence[Sequence[Any]], index: int) -> list[Any]:
    """The header at ``rows[index]``, its empty cells taken from the row above when
    that row is the upper half of a two-row header (Excel keeps a merged cell's
    text in its top cell only). Pass the result to ``guess_mapping``."""
    header = list(rows[index])
    if index == 0:
        return header
    above = rows[index - 1]
    if sum(1 for c in above if not is_blank([c])) < 2 or not _mapped(above):
        return header  # a title or a blank row, not a group row
    width = max(len(header), len(above))
    header += [None] * (width - len(header))
    return [above[j] if is_blank([header[j]]) and j < len(above) else header[j]
            for j in range(width)]


def guess_mapping(header: Sequence[Any]) -> dict[int, str]:
    """Column index -> field key, by the header's texts. Each field is used once:
    the first column that names it wins (a second 电话 column stays unmapped)."""
    mapping: dict[int, str] = {}
    used: set[str] = set()
    for j, cell in enumerate(header):
        key = field_for(cell)
        if key and key not in used:
            mapping[j] = key
            used.add(key)
    return mapping


def template_mapping(header: Sequence[Any], columns: Mapping[str, str]) -> dict[int, str]:
    """Column index -> field key through a saved template ``{header_key: field key}``.
    Keys are normalised again, unknown fields ignored, each field used once."""
    wanted = {header_key(k): v for k, v in columns.items() if v in FIELDS}
    mapping: dict[int, str] = {}
    used: set[str] = set()
    for j, cell in enumerate(header):
        key = wanted.get(header_key(cell))
        if key and key not in used:
            mapping[j] = key
            used.add(key)
    return mapping


def template_columns(header: Sequence[Any], mapping: Mapping[int, str]) -> dict[str, str]:
    """The ``{header_key: field key}`` to save as a template for ``mapping``."""
    return {header_key(header[j]): f for j, f in sorted(mapping.items())
            if j < len(header) and header_key(header[j]) and f in FIELDS}
