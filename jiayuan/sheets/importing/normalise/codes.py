"""Coded lists: ethnic group, relation to the head of household, residency."""

from __future__ import annotations

from datetime import date, time
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

from jiayuan.lib.ethnicity import ETHNIC_GROUPS, is_valid_ethnicity
from jiayuan.lib.text import fold
from jiayuan.registry.choices import Relation, Residency
from jiayuan.sheets.importing.normalise.identifiers import _WHOLE_WITH_ZEROS_RE
from jiayuan.sheets.importing.normalise.text import Cell, _error, text

# --- coded lists: ethnic group, relation, residency --------------------------------

_ETHNIC_ALIASES: dict[str, str] = {
    "维族": "05", "维": "05", "维吾儿族": "05", "维吾儿": "05", "uighur": "05",
    "uygur": "05", "uigur": "05", "蒙族": "02", "蒙": "02", "mongolian": "02",
    "哈族": "17", "kazak": "17", "柯族": "29", "kirghiz": "29", "kirgiz": "29",
    "回民": "03", "汉人": "01", "han chinese": "01", "buyi": "09", "wa": "21",
    "jingpho": "28", "drung": "51", "orochon": "52", "menba": "54", "luoba": "55",
    "jinuo": "56", "deang": "46", "baoan": "47", "xibo": "38", "sibe": "38",
    "乌兹别克族": "43", "乌兹别克": "43", "俄族": "44", "畬族": "22", "畬": "22",
    "其它": "97", "未识别民族": "97", "未识别": "97", "外国血统": "98", "入籍": "98",
}  # fmt: skip
_ETHNIC_AMBIGUOUS = {"土": "土族, 土家族", "哈": "哈萨克族, 哈尼族", "塔": "塔吉克族, 塔塔尔族"}


@lru_cache(maxsize=1)
def _ethnic_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for code, zh, en in ETHNIC_GROUPS:
        index[fold(zh)] = code
        index[fold(en)] = code
        if zh.endswith("族") and zh[:-1] not in _ETHNIC_AMBIGUOUS:
            index[fold(zh[:-1])] = code
    index.update({fold(alias): code for alias, code in _ETHNIC_ALIASES.items()})
    return index


@lru_cache(maxsize=1024)
def _ethnic_code(value: str) -> str | None:
    match = _WHOLE_WITH_ZEROS_RE.fullmatch(value)  # "5.0" from a csv
    if match:
        value = match[1]
    if value.isascii() and value.isdigit():
        code = f"{int(value):02d}" if len(value) <= 2 else ""
        return code if is_valid_ethnicity(code) else None
    return _ethnic_index().get(fold(value))


def ethnicity(cell: Cell) -> str:
    """The GB/T 3304 code of an ethnic group, or ``""`` (not declared).

    Takes the standard name (维吾尔族), the name without 族 (维吾尔), the common
    short forms (维族, 蒙族, 哈族, 柯族, 回, 汉…), Traditional characters
    (維吾爾族), the English name (Uyghur, Uighur) and the code itself (``05``,
    ``5``). ``土`` alone could be 土族 or 土家族 and is refused.
    """
    if isinstance(cell, bool | date | time):
        raise _error(_("“%(value)s” is not an ethnic group we know; write its standard "
                       "name, such as 汉族 or 维吾尔族, or leave it blank."), cell, "unknown")
    value = text(cell)
    if not value:
        return ""
    if value in _ETHNIC_AMBIGUOUS:
        raise _error(_("“%(value)s” could be %(choices)s; write the full name."),
                     cell, "ambiguous", choices=_ETHNIC_AMBIGUOUS[value])
    code = _ethnic_code(value)
    if code is None:
        raise _error(_("“%(value)s” is not an ethnic group we know; write its standard "
                       "name, such as 汉族 or 维吾尔族, or leave it blank."), cell, "unknown")
    return code


def _children() -> list[str]:
    orders = ["", "长", "次", "三", "四", "五", "六", "七", "幼", "小", "独生", "养", "继"]
    return [order + kid for order in orders for kid in ("子", "女")]


_RELATIONS: dict[str, str] = {
    **dict.fromkeys(["户主", "本人", "户长", "self", "head"], Relation.HEAD),
    **dict.fromkeys(["配偶", "妻", "妻子", "夫", "丈夫", "爱人", "老婆", "老公", "夫妻",
                     "wife", "husband"], Relation.SPOUSE),
    **dict.fromkeys([*_children(), "儿子", "女儿", "儿", "孩子", "子女", "小孩", "养子女",
                     "son", "daughter"], Relation.CHILD),
    **dict.fromkeys(["父", "母", "父亲", "母亲", "父母", "爸爸", "妈妈", "继父", "继母",
                     "养父", "养母", "公公", "婆婆", "岳父", "岳母", "father", "mother"],
                    Relation.PARENT),
    **dict.fromkeys(["孙", "孙子", "孙女", "外孙", "外孙子", "外孙女", "孙子女", "曾孙",
                     "曾孙子", "曾孙女", "孙媳", "孙媳妇", "孙女婿", "外孙媳妇", "外孙女婿",
                     "孙子女或外孙子女"], Relation.GRANDCHILD),
    **dict.fromkeys(["祖父", "祖母", "外祖父", "外祖母", "爷爷", "奶奶", "姥爷", "姥姥",
                     "外公", "外婆", "祖父母", "外祖父母", "曾祖父", "曾祖母",
                     "祖父母或外祖父母"], Relation.GRANDPARENT),
    **dict.fromkeys(["兄", "弟", "姐", "妹", "哥", "哥哥", "弟弟", "姐姐", "妹妹", "兄弟",
                     "姐妹", "兄妹", "姐弟", "兄弟姐妹", "brother", "sister"], Relation.SIBLING),
    **dict.fromkeys(["儿媳", "儿媳妇", "女婿", "儿媳或女婿"], Relation.CHILD_IN_LAW),
    # In-laws of the head's generation are "other relative": they are not siblings.
    **dict.fromkeys(["其他亲属", "亲属", "亲戚", "侄子", "侄女", "外甥", "外甥女", "嫂子", "嫂",
                     "弟媳", "姐夫", "妹夫", "叔叔", "伯父", "伯母", "婶婶", "舅舅", "舅妈",
                     "姑姑", "姑父", "姨妈", "姨父", "堂兄", "堂弟", "堂姐", "堂妹", "表兄",
                     "表弟", "表姐", "表妹", "侄孙", "relative"], Relation.OTHER_RELATIVE),
    **dict.fromkeys(["租户", "租客", "房客", "合租", "借住", "寄住", "借住人员", "非亲属",
                     "其他非亲属", "无亲属关系", "保姆", "雇工", "雇员", "朋友", "同事", "同学",
                     "室友", "借住人员/非亲属", "lodger", "tenant"], Relation.LODGER),
    # The English labels, so that an export in English reads back.
    "Head of household": Relation.HEAD, "Spouse": Relation.SPOUSE, "Child": Relation.CHILD,
    "Parent": Relation.PARENT, "Grandchild": Relation.GRANDCHILD,
    "Grandparent": Relation.GRANDPARENT, "Sibling": Relation.SIBLING,
    "Son- or daughter-in-law": Relation.CHILD_IN_LAW, "Other relative": Relation.OTHER_RELATIVE,
    "Lodger / not related": Relation.LODGER,
}  # fmt: skip
_RELATION_PREFIXES = ("户主之", "户主的", "户主", "之")


@lru_cache(maxsize=1)
def _relation_index() -> dict[str, str]:
    index = {fold(member.value): str(member.value) for member in Relation}
    index.update({fold(key): str(value) for key, value in _RELATIONS.items()})
    return index


@lru_cache(maxsize=1024)
def _relation_code(value: str) -> str | None:
    key = fold(value)
    index = _relation_index()
    for prefix in _RELATION_PREFIXES:
        if key not in index and key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix):]
    return index.get(key)


def relation(cell: Cell) -> str:
    """A ``Relation`` value from 户主, 妻, 之子, 长女, 孙女, 外祖母, 女婿, 租户…

    ``户主之妻`` reads as ``妻``. A bare ``其他`` is refused: it could be a relative
    or someone not related.
    """
    if cell is None or (isinstance(cell, str) and not text(cell)):
        return ""
    value = text(cell) if isinstance(cell, str) else ""  # numbers and dates are no relation
    if fold(value) in ("其他", "其它", "other"):
        raise _error(_("“%(value)s” is unclear; write 其他亲属 for a relative or 非亲属 for "
                       "someone not related."), cell, "ambiguous")
    code = _relation_code(value) if value else None
    if code is None:
        raise _error(_("“%(value)s” is not a relation to the head of household we know; "
                       "write one such as 户主, 配偶, 子, 女, 父, 母, 孙子, 儿媳, 其他亲属 or "
                       "非亲属."), cell, "unknown")
    return code


_RESIDENCIES: dict[str, str] = {
    **dict.fromkeys(["户籍", "户籍人口", "常住户籍", "户籍常住", "户籍居民", "本地户籍", "本地",
                     "本地人口", "registered"], Residency.REGISTERED),
    **dict.fromkeys(["常住", "常住人口", "居住证", "非户籍常住", "常住非户籍", "外来常住",
                     "常住人口(非本地户籍)", "resident"], Residency.RESIDENT),
    **dict.fromkeys(["流动", "流动人口", "暂住", "暂住人口", "外来流动", "临时", "临时居住",
                     "floating"], Residency.FLOATING),
    "Registered (hukou here)": Residency.REGISTERED,
    "Resident (hukou elsewhere)": Residency.RESIDENT,
    "Floating (temporary)": Residency.FLOATING,
}  # fmt: skip


@lru_cache(maxsize=1)
def _residency_index() -> dict[str, str]:
    return {fold(key): str(value) for key, value in _RESIDENCIES.items()}


def residency(cell: Cell) -> str:
    """A ``Residency`` value: 户籍 (registered), 常住 (resident), 流动/暂住 (floating)."""
    if cell is None or (isinstance(cell, str) and not text(cell)):
        return ""
    value = text(cell) if isinstance(cell, str) else ""
    code = _residency_index().get(fold(value)) if value else None
    if code is None:
        raise _error(_("“%(value)s” is not a residency type we know; write 户籍, 常住 or "
                       "流动."), cell, "unknown")
    return code
