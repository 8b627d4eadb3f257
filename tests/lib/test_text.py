"""Tests for jiayuan.lib.text (folding, pinyin and search keys)."""

from __future__ import annotations

from jiayuan.lib.text import (
    KEY_MAX_LENGTH,
    display_pinyin,
    fold,
    fold_query,
    is_digit_query,
    is_latin_query,
    search_keys,
    syllables,
)


def test_it_folds_traditional_to_simplified() -> None:
    assert fold("鄭容哲") == "郑容哲"
    assert fold("陳美麗") == "陈美丽"


def test_it_folds_width_case_spaces_and_name_dots() -> None:
    assert fold("ＡＢＣ 123") == "abc123"
    assert fold("阿依古丽·买买提") == "阿依古丽买买提"
    assert fold("阿依古麗・買買提") == "阿依古丽买买提"
    assert fold("Anna-Maria_K.") == "annamariak"


def test_it_gives_toneless_pinyin_syllables() -> None:
    assert syllables("鄭容哲") == ["zheng", "rong", "zhe"]
    assert syllables("吕女士") == ["lv", "nv", "shi"]


def test_it_reads_the_first_character_as_a_surname() -> None:
    assert syllables("曾国藩")[0] == "zeng"
    assert syllables("单田芳")[0] == "shan"


def test_it_keeps_latin_runs_as_one_syllable() -> None:
    assert syllables("张David") == ["zhang", "david"]
    assert syllables("John Smith 2") == ["john", "smith", "2"]


def test_it_builds_the_documented_search_keys() -> None:
    assert search_keys("鄭容哲") == [
        ("name", 0, "郑容哲"),
        ("name", 1, "容哲"),
        ("name", 2, "哲"),
        ("pinyin", 0, "zhengrongzhe"),
        ("pinyin", 1, "rongzhe"),
        ("pinyin", 2, "zhe"),
        ("initials", 0, "zrz"),
        ("initials", 1, "rz"),
        ("initials", 2, "z"),
    ]


def test_it_indexes_a_name_with_a_latin_part() -> None:
    keys = search_keys("张David")
    assert ("name", 1, "david") in keys
    assert ("pinyin", 0, "zhangdavid") in keys
    assert ("initials", 0, "zd") in keys


def test_it_indexes_a_uyghur_name_without_its_dot() -> None:
    keys = search_keys("阿依古丽·买买提")
    assert ("name", 0, "阿依古丽买买提") in keys
    assert ("name", 4, "买买提") in keys
    assert ("pinyin", 4, "maimaiti") in keys
    assert ("initials", 0, "ayglmmt") in keys


def test_it_deduplicates_and_cuts_long_keys() -> None:
    keys = search_keys("a" * 100)
    assert all(len(key) <= KEY_MAX_LENGTH for _, _, key in keys)
    pairs = [(kind, key) for kind, _, key in keys]
    assert len(pairs) == len(set(pairs))
    assert search_keys("") == []


def test_it_displays_pinyin_surname_first() -> None:
    assert display_pinyin("鄭容哲") == "Zheng Rongzhe"
    assert display_pinyin("欧阳修") == "Ouyang Xiu"
    assert display_pinyin("吕女士") == "Lü Nüshi"
    assert display_pinyin("李") == "Li"


def test_it_displays_each_part_of_a_uyghur_name() -> None:
    assert display_pinyin("阿依古丽·买买提") == "Ayiguli Maimaiti"


def test_it_displays_a_latin_name_word_by_word() -> None:
    assert display_pinyin("john SMITH") == "John Smith"
    assert display_pinyin("张David") == "Zhang David"


def test_it_folds_queries() -> None:
    assert fold_query("   ") == ""
    assert fold_query("") == ""
    assert fold_query(" 鄭 ") == "郑"
    assert len(fold_query("x" * 200)) == KEY_MAX_LENGTH


def test_it_classifies_queries() -> None:
    assert is_latin_query(" ZRZ ")
    assert not is_latin_query("zrz1")
    assert not is_latin_query("郑")
    assert not is_latin_query("  ")
    assert is_digit_query("１２３４")
    assert is_digit_query("0512-5767")
    assert not is_digit_query("12a")
    assert not is_digit_query("")


def test_word_by_word_pinyin_equals_pypinyin_on_whole_segments() -> None:
    """_segment_syllables converts pypinyin's words one at a time (cached); the
    result must equal lazy_pinyin on the whole segment for every kind of name."""
    import random

    from pypinyin import Style, lazy_pinyin

    from jiayuan.lib.text import _latin_runs, _segment_syllables
    from jiayuan.registry.demo import names

    rng = random.Random(5)
    pools = [getattr(names, n) for n in dir(names)
             if n.endswith("_SURNAMES") and isinstance(getattr(names, n), tuple)
             and len(getattr(names, n)) == 2]
    assert len(pools) > 5
    samples = ["长安", "重庆", "曾经", "单于", "银行", "音乐", "abc中文", "李a1b", "ǖ"]
    common = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞"
    for _ in range(3000):
        pool = rng.choice(pools)
        surname = rng.choices(pool[0], weights=pool[1])[0]
        given = "".join(rng.choice(common) for _ in range(rng.randint(1, 3)))
        samples.append(surname + given)
    samples.extend(common[i:i + 4] for i in range(0, len(common) - 4, 3))
    for text in samples:
        expected = [s.replace("ü", "v") for s in
                    lazy_pinyin(text, style=Style.NORMAL, errors=_latin_runs) if s]
        assert _segment_syllables(text) == expected, text
