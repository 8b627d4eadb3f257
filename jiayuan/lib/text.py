"""Chinese text folding and pinyin, for name search and display.

Search works on *folded* text: full-width characters become half-width, Traditional
characters become Simplified (鄭 -> 郑), Latin letters are lower-cased, and spaces
and the dots used in transliterated names (阿依古丽·买买提) are dropped. Names are
indexed by ``search_keys`` so that a query can match any suffix of the name, of its
pinyin, or of its initials with a plain prefix look-up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import cast

import opencc
from pypinyin import Style, lazy_pinyin
from pypinyin.seg.simpleseg import seg as _pinyin_words

__all__ = [
    "KEY_MAX_LENGTH",
    "display_pinyin",
    "fold",
    "fold_query",
    "is_digit_query",
    "is_latin_query",
    "search_keys",
    "syllables",
]

#: Longest key stored by ``search_keys`` (and longest folded query).
KEY_MAX_LENGTH = 64

# Dots and dashes that separate the parts of transliterated names. After NFKC,
# full-width ．－＿ and the half-width katakana dot ･ have become . - _ ・.
_NAME_SEPARATORS = "·•・‧･∙⋅.\\-_\u2010\u2011\u2012\u2013\u2014\u2015\u30fb\u2027\u00b7"
_SEPARATOR_RE = re.compile(f"[{_NAME_SEPARATORS}]+")
_REMOVE_RE = re.compile(f"[\\s{_NAME_SEPARATORS}]+")
_LATIN_RUN_RE = re.compile(r"[a-z0-9]+")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")

# Characters whose reading as a surname differs from pypinyin's default reading.
# Applied only to the first character of a Chinese-order name.
_SURNAME_READINGS: dict[str, str] = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao", "区": "ou",
    "查": "zha", "盖": "ge", "缪": "miao", "乐": "yue", "覃": "qin", "翟": "zhai",
    "阚": "kan", "种": "chong", "召": "shao", "秘": "bi", "繁": "po", "折": "she",
    "长": "chang", "牟": "mou", "祭": "zhai", "隗": "wei", "员": "yun", "冼": "xian",
}  # fmt: skip

# Two-character surnames, so that display_pinyin writes "Ouyang Xiu", not "Ou Yangxiu".
_COMPOUND_SURNAMES: frozenset[str] = frozenset(
    {
        "欧阳", "太史", "端木", "上官", "司马", "东方", "独孤", "南宫", "万俟", "闻人", "夏侯", "诸葛",
        "尉迟", "公羊", "赫连", "澹台", "皇甫", "宗政", "濮阳", "公冶", "太叔", "申屠", "公孙", "慕容",
        "仲孙", "钟离", "长孙", "宇文", "司徒", "鲜于", "司空", "闾丘", "子车", "亓官", "司寇", "巫马",
        "公西", "颛孙", "壤驷", "公良", "漆雕", "乐正", "宰父", "谷梁", "拓跋", "夹谷", "轩辕", "令狐",
        "段干", "百里", "呼延", "东郭", "南门", "羊舌", "微生", "梁丘", "左丘", "西门", "第五", "单于",
    }
)  # fmt: skip
_COMPOUND_READINGS: dict[str, list[str]] = {
    "长孙": ["zhang", "sun"],
    "单于": ["chan", "yu"],
    "万俟": ["mo", "qi"],
    "尉迟": ["yu", "chi"],
    "乐正": ["yue", "zheng"],
}

# Display follows GB/T 28039 (Chinese names in pinyin) and writes ü, which search
# keys spell v.
_DISPLAY_U: dict[str, str] = {"lv": "lü", "nv": "nü", "lve": "lüe", "nve": "nüe"}


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    # Building the converter loads dictionaries from disk: do it once, on first use.
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _soft_fold(text: str) -> str:
    """NFKC, Traditional -> Simplified and lower case, keeping spaces and dots."""
    text = unicodedata.normalize("NFKC", text)
    return _t2s().convert(text).lower()


def fold(text: str) -> str:
    """Canonical search form of ``text`` (see the module docstring)."""
    return _REMOVE_RE.sub("", _soft_fold(text))


def fold_query(q: str) -> str:
    """``fold`` for a user's query: ``""`` for blank input, at most KEY_MAX_LENGTH.

    Cut to the key length because longer keys are stored cut too, so a longer query
    could never match them by prefix.
    """
    if not q or q.isspace():
        return ""
    return fold(q)[:KEY_MAX_LENGTH]


def is_latin_query(q: str) -> bool:
    """True if the folded query is only ASCII letters (pinyin or initials)."""
    folded = fold_query(q)
    return bool(folded) and folded.isascii() and folded.isalpha()


def is_digit_query(q: str) -> bool:
    """True if the folded query is only ASCII digits (phone or ID number parts)."""
    folded = fold_query(q)
    return bool(folded) and folded.isascii() and folded.isdigit()


def _latin_runs(text: str) -> list[str]:
    """Non-Han text as lowercase ASCII runs: ü -> v, other accents dropped."""
    text = text.replace("ü", "v")
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    return _LATIN_RUN_RE.findall(text)


@lru_cache(maxsize=65536)
def _word_syllables(word: str) -> tuple[str, ...]:
    # pypinyin calls `errors` with the characters it has no pinyin for and takes
    # a string or a list of strings back (its documentation); its stub only says str.
    errors = cast("Callable[[str], str]", _latin_runs)
    result: list[str] = lazy_pinyin(word, style=Style.NORMAL, errors=errors)
    # pypinyin already writes ü as v in Style.NORMAL; keep that invariant explicit.
    return tuple(s.replace("ü", "v") for s in result if s)


def _segment_syllables(segment: str) -> list[str]:
    # pypinyin's own first step: split into words (phrases from its dictionary,
    # single characters, non-Han runs); converting each word is the slow part,
    # and names share their words (surnames, common given-name characters), so
    # each word is converted once per process. Same result as
    # lazy_pinyin(segment) (tests/lib/test_text.py), about 10x faster on a roster.
    result: list[str] = []
    for word in _pinyin_words(segment):
        result.extend(_word_syllables(word))
    return result


def _segments(name: str) -> list[str]:
    """Parts of a name split at whitespace and name separators, soft-folded."""
    return [s for s in re.split(rf"[\s{_NAME_SEPARATORS}]+", _soft_fold(name)) if s]


def _is_transliterated(name: str) -> bool:
    return len([p for p in _SEPARATOR_RE.split(_soft_fold(name)) if p.strip()]) > 1


def _han_surname_length(folded: str) -> int:
    """1 or 2: the length of the surname of a Chinese-order name ``folded``."""
    han_count = len(_HAN_RE.findall(folded))
    if han_count >= 3 and folded[:2] in _COMPOUND_SURNAMES:
        return 2
    return 1


def syllables(name: str) -> list[str]:
    """Pinyin of each Han character of ``name``, toneless and lower case.

    Runs of Latin letters and digits become one syllable each; ``ü`` is written
    ``v``. The first character of a Chinese-order name is read as a surname
    (曾 -> zeng, 单 -> shan).
    """
    return list(_syllables(name))


@lru_cache(maxsize=65536)
def _syllables(name: str) -> tuple[str, ...]:
    # Cached: display_pinyin and search_keys both need a name's syllables.
    result: list[str] = []
    for segment in _segments(name):
        result.extend(_segment_syllables(segment))
    folded = fold(name)
    if result and folded and _HAN_RE.match(folded) and not _is_transliterated(name):
        if folded[:2] in _COMPOUND_READINGS and _han_surname_length(folded) == 2:
            result[:2] = _COMPOUND_READINGS[folded[:2]]
        elif folded[0] in _SURNAME_READINGS and not (
            folded[:2] in _COMPOUND_SURNAMES and _han_surname_length(folded) == 2
        ):
            result[0] = _SURNAME_READINGS[folded[0]]
    return tuple(result)


def _display_join(syls: list[str]) -> str:
    return "".join(_DISPLAY_U.get(s, s) for s in syls).capitalize()


def display_pinyin(name: str) -> str:
    """Romanized name for display: ``鄭容哲`` -> ``"Zheng Rongzhe"``.

    Transliterated names with dots get each part capitalized:
    ``阿依古丽·买买提`` -> ``"Ayiguli Maimaiti"``. Names without Han characters keep
    their words: ``"john SMITH"`` -> ``"John Smith"``.
    """
    soft = _soft_fold(name)
    if _is_transliterated(name):
        parts = [p for p in _SEPARATOR_RE.split(soft) if p.strip()]
        return " ".join(_display_join(syllables(part)) for part in parts)
    syls = syllables(name)
    if not syls:
        return ""
    folded = fold(name)
    if not _HAN_RE.search(folded):
        return " ".join(s.capitalize() for s in syls)
    surname_length = _han_surname_length(folded) if _HAN_RE.match(folded) else 1
    surname = _display_join(syls[:surname_length])
    given = _display_join(syls[surname_length:])
    return f"{surname} {given}" if given else surname


def search_keys(name: str) -> list[tuple[str, int, str]]:
    """Index keys ``(kind, pos, key)`` for ``name``.

    * ``name``: every suffix of the folded name, ``pos`` its start character;
    * ``pinyin``: for each syllable index ``i``, the syllables from ``i`` joined;
    * ``initials``: for each ``i``, the first letters of the syllables from ``i``.

    Keys are cut to KEY_MAX_LENGTH characters; a ``(kind, key)`` pair appears once,
    at its first position.
    """
    folded = fold(name)
    syls = _syllables(name)
    joined = "".join(syls)
    if len(folded) <= KEY_MAX_LENGTH and len(joined) <= KEY_MAX_LENGTH:
        # Nothing is cut, and syllables are never empty: each kind's keys are
        # suffixes of one string, all of different lengths, so none repeats and
        # the general loop below would keep them all, in this order.
        fast: list[tuple[str, int, str]] = [("name", i, folded[i:]) for i in range(len(folded))]
        at = 0
        for i, s in enumerate(syls):
            fast.append(("pinyin", i, joined[at:]))
            at += len(s)
        initials = "".join([s[0] for s in syls])
        fast.extend([("initials", i, initials[i:]) for i in range(len(initials))])
        return fast
    candidates: list[tuple[str, int, str]] = []
    candidates.extend(("name", i, folded[i:]) for i in range(len(folded)))
    candidates.extend(("pinyin", i, "".join(syls[i:])) for i in range(len(syls)))
    candidates.extend(("initials", i, "".join(s[0] for s in syls[i:])) for i in range(len(syls)))
    seen: set[tuple[str, str]] = set()
    keys: list[tuple[str, int, str]] = []
    for kind, pos, key in candidates:
        key = key[:KEY_MAX_LENGTH]
        if key and (kind, key) not in seen:
            seen.add((kind, key))
            keys.append((kind, pos, key))
    return keys


def first_line(text: str, limit: int = 120) -> str:
    """The first non-blank line of `text`, cut to `limit` characters with "…"."""
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[:limit - 1] + "…"
    return ""
