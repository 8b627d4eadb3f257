"""Ethnic groups of China with their GB/T 3304-1991 codes.

Codes 01-56 are the 56 officially recognised ethnic groups in the standard's order;
97 is "other" (an unrecognised group) and 98 a Chinese citizen of foreign origin.

Labels are English msgids with the message context ``"ethnic group"`` (so that
"Korean", "Russian" or "Other" here can be translated independently of the same
words elsewhere). ``ethnicity_zh.json`` beside this file maps each English label to
its standard Chinese name, for the zh-Hans/zh-Hant catalogues.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

__all__ = [
    "ETHNICITY_CHOICES",
    "ETHNIC_GROUPS",
    "ethnicity_label",
    "is_valid_ethnicity",
]

#: (code, standard Chinese name, English name), in the standard's code order.
ETHNIC_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("01", "汉族", "Han"),
    ("02", "蒙古族", "Mongol"),
    ("03", "回族", "Hui"),
    ("04", "藏族", "Tibetan"),
    ("05", "维吾尔族", "Uyghur"),
    ("06", "苗族", "Miao"),
    ("07", "彝族", "Yi"),
    ("08", "壮族", "Zhuang"),
    ("09", "布依族", "Bouyei"),
    ("10", "朝鲜族", "Korean"),
    ("11", "满族", "Manchu"),
    ("12", "侗族", "Dong"),
    ("13", "瑶族", "Yao"),
    ("14", "白族", "Bai"),
    ("15", "土家族", "Tujia"),
    ("16", "哈尼族", "Hani"),
    ("17", "哈萨克族", "Kazakh"),
    ("18", "傣族", "Dai"),
    ("19", "黎族", "Li"),
    ("20", "傈僳族", "Lisu"),
    ("21", "佤族", "Va"),
    ("22", "畲族", "She"),
    ("23", "高山族", "Gaoshan"),
    ("24", "拉祜族", "Lahu"),
    ("25", "水族", "Sui"),
    ("26", "东乡族", "Dongxiang"),
    ("27", "纳西族", "Naxi"),
    ("28", "景颇族", "Jingpo"),
    ("29", "柯尔克孜族", "Kyrgyz"),
    ("30", "土族", "Tu"),
    ("31", "达斡尔族", "Daur"),
    ("32", "仫佬族", "Mulao"),
    ("33", "羌族", "Qiang"),
    ("34", "布朗族", "Blang"),
    ("35", "撒拉族", "Salar"),
    ("36", "毛南族", "Maonan"),
    ("37", "仡佬族", "Gelao"),
    ("38", "锡伯族", "Xibe"),
    ("39", "阿昌族", "Achang"),
    ("40", "普米族", "Pumi"),
    ("41", "塔吉克族", "Tajik"),
    ("42", "怒族", "Nu"),
    ("43", "乌孜别克族", "Uzbek"),
    ("44", "俄罗斯族", "Russian"),
    ("45", "鄂温克族", "Evenki"),
    ("46", "德昂族", "De'ang"),
    ("47", "保安族", "Bonan"),
    ("48", "裕固族", "Yugur"),
    ("49", "京族", "Jing"),
    ("50", "塔塔尔族", "Tatar"),
    ("51", "独龙族", "Derung"),
    ("52", "鄂伦春族", "Oroqen"),
    ("53", "赫哲族", "Hezhen"),
    ("54", "门巴族", "Monba"),
    ("55", "珞巴族", "Lhoba"),
    ("56", "基诺族", "Jino"),
    ("97", "其他", "Other"),
    ("98", "外国血统中国籍人士", "Chinese citizen of foreign origin"),
)

# Literal calls, one per group, so that makemessages can extract every msgid.
_LABELS: dict[str, Promise] = {
    "01": pgettext_lazy("ethnic group", "Han"),
    "02": pgettext_lazy("ethnic group", "Mongol"),
    "03": pgettext_lazy("ethnic group", "Hui"),
    "04": pgettext_lazy("ethnic group", "Tibetan"),
    "05": pgettext_lazy("ethnic group", "Uyghur"),
    "06": pgettext_lazy("ethnic group", "Miao"),
    "07": pgettext_lazy("ethnic group", "Yi"),
    "08": pgettext_lazy("ethnic group", "Zhuang"),
    "09": pgettext_lazy("ethnic group", "Bouyei"),
    "10": pgettext_lazy("ethnic group", "Korean"),
    "11": pgettext_lazy("ethnic group", "Manchu"),
    "12": pgettext_lazy("ethnic group", "Dong"),
    "13": pgettext_lazy("ethnic group", "Yao"),
    "14": pgettext_lazy("ethnic group", "Bai"),
    "15": pgettext_lazy("ethnic group", "Tujia"),
    "16": pgettext_lazy("ethnic group", "Hani"),
    "17": pgettext_lazy("ethnic group", "Kazakh"),
    "18": pgettext_lazy("ethnic group", "Dai"),
    "19": pgettext_lazy("ethnic group", "Li"),
    "20": pgettext_lazy("ethnic group", "Lisu"),
    "21": pgettext_lazy("ethnic group", "Va"),
    "22": pgettext_lazy("ethnic group", "She"),
    "23": pgettext_lazy("ethnic group", "Gaoshan"),
    "24": pgettext_lazy("ethnic group", "Lahu"),
    "25": pgettext_lazy("ethnic group", "Sui"),
    "26": pgettext_lazy("ethnic group", "Dongxiang"),
    "27": pgettext_lazy("ethnic group", "Naxi"),
    "28": pgettext_lazy("ethnic group", "Jingpo"),
    "29": pgettext_lazy("ethnic group", "Kyrgyz"),
    "30": pgettext_lazy("ethnic group", "Tu"),
    "31": pgettext_lazy("ethnic group", "Daur"),
    "32": pgettext_lazy("ethnic group", "Mulao"),
    "33": pgettext_lazy("ethnic group", "Qiang"),
    "34": pgettext_lazy("ethnic group", "Blang"),
    "35": pgettext_lazy("ethnic group", "Salar"),
    "36": pgettext_lazy("ethnic group", "Maonan"),
    "37": pgettext_lazy("ethnic group", "Gelao"),
    "38": pgettext_lazy("ethnic group", "Xibe"),
    "39": pgettext_lazy("ethnic group", "Achang"),
    "40": pgettext_lazy("ethnic group", "Pumi"),
    "41": pgettext_lazy("ethnic group", "Tajik"),
    "42": pgettext_lazy("ethnic group", "Nu"),
    "43": pgettext_lazy("ethnic group", "Uzbek"),
    "44": pgettext_lazy("ethnic group", "Russian"),
    "45": pgettext_lazy("ethnic group", "Evenki"),
    "46": pgettext_lazy("ethnic group", "De'ang"),
    "47": pgettext_lazy("ethnic group", "Bonan"),
    "48": pgettext_lazy("ethnic group", "Yugur"),
    "49": pgettext_lazy("ethnic group", "Jing"),
    "50": pgettext_lazy("ethnic group", "Tatar"),
    "51": pgettext_lazy("ethnic group", "Derung"),
    "52": pgettext_lazy("ethnic group", "Oroqen"),
    "53": pgettext_lazy("ethnic group", "Hezhen"),
    "54": pgettext_lazy("ethnic group", "Monba"),
    "55": pgettext_lazy("ethnic group", "Lhoba"),
    "56": pgettext_lazy("ethnic group", "Jino"),
    "97": pgettext_lazy("ethnic group", "Other"),
    "98": pgettext_lazy("ethnic group", "Chinese citizen of foreign origin"),
}

#: Django choices: (code, translatable label).
ETHNICITY_CHOICES: list[tuple[str, Promise]] = [
    (code, _LABELS[code]) for code, _, _ in ETHNIC_GROUPS
]


def ethnicity_label(code: str) -> str:
    """The translated label of ``code``, or ``code`` itself if it is unknown."""
    label = _LABELS.get(code)
    return str(label) if label is not None else code


def is_valid_ethnicity(code: str) -> bool:
    return code in _LABELS
