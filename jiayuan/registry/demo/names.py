"""Invented but realistic personal names for the demo data.

Everything here is data plus small pure functions that draw from it with a
caller-supplied ``random.Random``; nothing touches the global RNG. Han
surnames are weighted by their approximate national frequency (per mille);
given names depend on sex and birth decade, because naming fashions do.
"""

from __future__ import annotations

import random


def _weighted(spec: str) -> tuple[list[str], list[float]]:
    """"王:72 李:72 …" -> (["王", "李", …], [72.0, 72.0, …])."""
    names, weights = [], []
    for item in spec.split():
        name, weight = item.split(":")
        names.append(name)
        weights.append(float(weight))
    return names, weights


# Han surnames with frequency per mille (national, rounded).
HAN_SURNAMES = _weighted("""
王:72 李:72 张:68 刘:54 陈:45 杨:31 黄:22 赵:22 吴:20 周:19 徐:15 孙:14 马:13
朱:13 胡:12 郭:11 何:11 高:10 林:10 罗:9 郑:8 梁:8 谢:7 宋:6 唐:6 许:6 韩:6
冯:6 邓:5 曹:5 彭:5 曾:5 肖:5 田:5 董:5 袁:5 潘:5 于:4 蒋:4 蔡:4 余:4 杜:4
叶:4 程:4 苏:4 魏:4 吕:4 丁:4 任:3 沈:3 姚:3 卢:3 姜:3 崔:3 钟:3 谭:3 陆:3
汪:3 范:3 金:2 石:2 廖:2 贾:2 夏:2 韦:2 付:2 方:2 白:2 邹:2 孟:2 熊:2 秦:2
邱:2 江:2 尹:2 薛:2 闫:2 段:1 雷:1 侯:1 龙:1 史:1 陶:1 黎:1 贺:1 顾:1 毛:1
郝:1 龚:1 邵:1 万:1 钱:1 严:1 覃:1 武:1 戴:1 莫:1 孔:1 向:1 汤:1 常:1
欧阳:0.3 司马:0.05 诸葛:0.05 上官:0.05
""")

# Old Suzhou families: the same list with local surnames boosted.
SUZHOU_SURNAMES = _weighted("""
顾:30 陆:28 沈:28 钱:22 吴:26 徐:24 周:24 朱:24 张:30 王:30 陈:28 李:18 金:14
蒋:12 屈:6 费:6 范:10 姚:10 潘:12 汤:8 邹:10 包:5 叶:10 孙:14 杨:14 黄:14
刘:14 许:10 蔡:8 郁:6 浦:5 殷:5 严:8 冯:8 褚:4 盛:5 缪:4 袁:8 马:8
""")

HUI_SURNAMES = _weighted("马:40 白:8 哈:4 纳:3 丁:6 杨:8 韩:5 冶:3 穆:3 海:3 沙:3 撒:2 李:5 王:5 张:4 喇:2 鲜:1 米:2")
MANCHU_SURNAMES = _weighted("关:12 佟:10 那:6 富:6 赵:8 金:6 罗:4 肇:3 钮:3 鄂:3 索:4 白:4 吴:4 王:6 何:3 依:2 郎:3 傅:4")
TUJIA_SURNAMES = _weighted("田:12 向:12 彭:10 覃:8 冉:6 杨:6 张:6 王:5 黄:4 谭:5 李:5 龙:3 滕:3 舒:3 符:2")
ZHUANG_SURNAMES = _weighted("韦:14 黄:12 覃:10 陆:6 蒙:6 莫:6 农:5 梁:5 卢:4 蓝:4 潘:4 李:4 廖:3 岑:3")
MIAO_SURNAMES = _weighted("龙:10 杨:12 吴:10 石:8 麻:5 王:5 潘:6 张:4 欧:3 罗:4 李:4 侯:3 滕:3")
MONGOL_SURNAMES = _weighted("包:12 白:10 宝:8 鲍:5 韩:4 吴:4 王:4 陈:3 那:3 苏:3")
YI_SURNAMES = _weighted("李:10 杨:10 普:6 罗:8 起:4 鲁:4 毕:4 张:4 王:4 自:3 施:3")
KOREAN_SURNAMES = _weighted("""
金:22 李:15 朴:9 崔:5 郑:4 姜:3 赵:3 尹:2 张:2 林:2 韩:2 申:1 权:1 黄:1 安:1
宋:1 全:1 洪:1 柳:1 玄:1 南:1 许:1 池:1 方:1 文:1 卢:1 吴:1 徐:1 孙:1 严:1
""")

SURNAME_POOLS: dict[str, tuple[list[str], list[float]]] = {
    "han": HAN_SURNAMES, "suzhou": SUZHOU_SURNAMES, "hui": HUI_SURNAMES,
    "manchu": MANCHU_SURNAMES, "tujia": TUJIA_SURNAMES, "zhuang": ZHUANG_SURNAMES,
    "miao": MIAO_SURNAMES, "mongol": MONGOL_SURNAMES, "yi": YI_SURNAMES,
    "korean": KOREAN_SURNAMES,
}

# Han given names by era (birth year) and sex: whole given names as people get them.
_HAN_GIVEN = {
    ("old", "M"): """建国 建华 国强 国庆 德明 志强 振华 卫国 学文 永福 金生 根宝 荣生 福林 国华
        文华 建新 保国 宝林 正清 德胜 耀祖 水根 阿福 兴华 长林 庆余 伟 强 军 明 勇 刚 林 平
        文 华 斌 忠 民 福 贵 祥""",
    ("old", "F"): """桂英 秀英 玉兰 秀珍 凤英 淑珍 丽华 美华 建英 素珍 月英 金凤 桂兰 玉珍
        秀兰 凤珍 小妹 阿珍 彩英 翠英 梅英 巧云 桂芳 秀梅 美英 惠珍 爱华 红英 珍 英 兰 芳
        萍 华 琴 娥 霞""",
    ("mid", "M"): """志刚 海涛 建军 晓东 立新 文斌 永刚 国华 伟东 俊杰 小平 春雷 明亮 宏伟 卫东
        建平 振宇 晓峰 海峰 志勇 建林 新华 勇军 红兵 立军 云飞 雪峰 海波 东升 金龙 浩 鹏
        勇 军 磊 斌 超 涛 刚 亮 健 辉 峰 波 杰 毅 彬 锋""",
    ("mid", "F"): """丽娟 红梅 晓燕 春梅 海燕 秀梅 丽萍 晓红 婷婷 丽君 玉梅 小燕 雪梅 慧敏
        美玲 红霞 建芳 晓丽 丽丽 翠萍 桂香 艳红 海霞 冬梅 艳 静 敏 燕 丽 娟 霞 玲 芳 慧
        颖 洁 琳 倩 蓉""",
    ("young", "M"): """浩然 子豪 宇轩 俊熙 子轩 浩宇 宇航 博文 天宇 皓轩 明轩 一鸣 思远 嘉豪
        家乐 志远 文博 鑫磊 俊豪 晨阳 宇翔 建宇 世杰 子健 嘉伟 浩南 俊宇 凯文 睿 辰 宇 昊
        鑫 帅 杰 凯 旭 晨 阳""",
    ("young", "F"): """梓涵 欣怡 诗涵 雨涵 思琪 佳怡 可馨 雨桐 紫萱 梦瑶 语嫣 心怡 子涵 婉清
        佳琪 雨欣 思雨 晓雯 梦琪 诗雨 雅婷 欣然 思彤 佳慧 静怡 雪婷 悦 琪 璐 萌 瑶 婕 晗
        彤 雯 妍""",
    ("kid", "M"): """梓轩 沐宸 浩宇 子墨 一诺 宇泽 奕辰 承泽 铭泽 安然 睿泽 子睿 宸希 梓睿
        俊熙 景行 嘉懿 浩轩 宇辰 锦程 思源 沐阳 泽宇 晨曦 明哲 煜城 逸飞 君浩 昊然 屹 骁
        泽 睿 航""",
    ("kid", "F"): """若汐 一诺 依诺 梓萱 欣妍 语桐 沐晴 可欣 诗雨 梓涵 芊芊 悦彤 雨萱 安琪
        语汐 梦琪 思涵 佳宁 若曦 语嫣 米朵 芷若 子琪 婉儿 星冉 依依 沐瑶 梓瑜 书瑶 晗 萱
        琳 妍""",
}
HAN_GIVEN: dict[tuple[str, str], list[str]] = {k: v.split() for k, v in _HAN_GIVEN.items()}

# Characters combined into further given names so that a large district has
# plenty of distinct names (while common names like 张伟 still repeat).
_HAN_CHARS = {
    "M": ("建 志 国 文 海 明 晓 永 德 俊 家 子 浩 宇 天 嘉 博 思 一 承 立 振 金 世 忠 春",
          "华 强 军 平 林 涛 明 杰 辉 东 波 峰 斌 宇 轩 然 豪 睿 泽 晨 龙 成 刚 伟 新 荣"),
    "F": ("丽 秀 玉 美 晓 春 雪 海 红 慧 静 佳 欣 梦 思 雨 诗 可 婉 雅 紫 月 金 彩 小 若",
          "英 兰 珍 梅 燕 娟 霞 萍 琴 婷 怡 涵 琪 瑶 萱 妍 彤 雯 洁 丹 芳 莹 蓉 悦 菲 倩"),
}
HAN_CHARS = {sex: (first.split(), second.split()) for sex, (first, second) in _HAN_CHARS.items()}

# Hui families mostly use Han-style names; a few characters are more frequent.
HUI_GIVEN_EXTRA = {
    "M": ["忠华", "福祥", "有福", "成林", "国良", "学仁", "永福", "占海", "志明", "德福", "海龙", "成福", "福海", "忠良", "文清", "占林", "有才"],
    "F": ["秀兰", "玉梅", "海燕", "翠兰", "玉兰", "桂花", "秀英", "梅花", "艳梅", "凤兰", "玉霞", "秀芳", "海英", "玉莲"],
}

KOREAN_GIVEN = {
    "M": ["容哲", "成浩", "东哲", "光日", "永哲", "明哲", "京日", "哲洙", "在勋", "承焕", "宇镇", "民俊", "俊赫", "贤宇", "成镇", "龙范", "昌浩", "英哲", "太俊", "宰民", "东旭", "承民", "俊浩", "铉宇", "永吉", "相哲", "昌洙", "钟国", "日男", "光洙"],
    "F": ["顺姬", "英姬", "美善", "顺子", "明淑", "贞淑", "恩惠", "秀妍", "智媛", "惠珍", "美英", "春花", "玉顺", "惠英", "善美", "贤珠", "秀贤", "敏智", "瑞妍", "银珠", "京子", "美兰", "顺玉", "贞姬", "恩静", "海兰", "叶兰", "昌淑", "莲花", "丽花"],
}

# Uyghur names: given name, a middle dot, then the father's given name.
UYGHUR_GIVEN = {
    "M": ["阿卜杜拉", "艾买提", "买买提", "艾力", "吐尔逊", "亚森", "阿里木", "依明", "热合曼", "麦麦提", "吾斯曼", "卡德尔", "帕尔哈提", "艾尔肯", "迪力夏提", "阿迪力", "艾克拜尔", "伊斯拉木", "肉孜", "吐逊江", "阿布都克力木", "赛买提", "艾则孜", "努尔买买提", "阿不都热依木", "塔依尔", "玉素甫", "买合木提", "艾合买提", "阿布来提", "依力亚尔", "木拉提", "阿力甫", "居来提", "米吉提", "托合提", "热西提", "吾买尔", "吐拉克", "艾山"],
    "F": ["古丽娜尔", "阿依古丽", "热依拉", "帕提古丽", "迪丽娜尔", "古丽巴哈尔", "阿依努尔", "米热古丽", "努尔古丽", "祖丽菲亚", "热娜", "萨拉", "玛依拉", "阿米娜", "帕丽达", "再努尔", "阿依夏木", "古再丽努尔", "布维热木", "热孜宛古丽", "海丽倩", "米娜瓦尔", "阿依加马丽", "努尔尼萨", "佐然古丽", "妮露排尔", "美合日班", "古丽加米拉", "阿尔祖古丽", "沙吉旦"],
}

# Tibetan names have no surname: one or two two-character parts.
TIBETAN_FIRST = {
    "M": ["扎西", "次仁", "格桑", "索朗", "尼玛", "达瓦", "丹增", "洛桑", "强巴", "平措", "次旦", "边巴", "普布", "巴桑", "多吉", "才让", "贡布", "罗布"],
    "F": ["次仁", "格桑", "达瓦", "尼玛", "央金", "白玛", "德吉", "拉巴", "普布", "卓嘎", "措姆", "仁青", "桑珠", "才让", "边巴", "扎西"],
}
TIBETAN_SECOND = {
    "M": ["次仁", "多吉", "旺堆", "平措", "顿珠", "罗布", "加措", "扎西", "朗杰", "群培", "尼玛", "才旦", "旦增", "桑布", "塔杰"],
    "F": ["卓玛", "拉姆", "央宗", "曲珍", "卓嘎", "玉珍", "德吉", "措姆", "旺姆", "拉毛", "吉宗", "白珍", "央拉", "次珍"],
}

# Mongolian names (one part, no surname), as written in Chinese characters.
MONGOL_GIVEN = {
    "M": ["巴特尔", "额尔敦", "宝音", "那日苏", "敖登", "阿拉坦", "朝鲁", "巴图", "呼和", "孟和", "苏和", "特木尔", "巴雅尔", "毕力格", "格日勒图", "哈斯"],
    "F": ["苏日娜", "乌云", "其木格", "斯琴", "图雅", "萨仁", "乌兰", "格日勒", "吉雅", "娜仁", "高娃", "塔娜", "琪琪格", "乌日娜", "阿茹娜", "萨如拉"],
}

# Liangshan Yi names: clan name, then given name.
YI_CLANS = ["吉克", "阿苏", "沙马", "阿尔", "吉伍", "马海", "俄木", "海来", "阿克", "曲比", "阿的", "吉木", "瓦扎", "勒格", "阿约", "吉吉"]
YI_GIVEN = {
    "M": ["曲布", "拉则", "木呷", "尔古", "日火", "阿木", "史哈", "拉日", "伍呷", "尔布", "子哈", "石且", "阿说", "克惹"],
    "F": ["阿呷", "阿依", "伍各", "史妞", "尔作", "阿支", "日古", "曲莫", "阿牛", "拉莫", "伍果", "尔各", "阿芝", "莫色"],
}
ALL_SURNAMES = frozenset(name for names, _w in SURNAME_POOLS.values() for name in names
                         if len(name) == 1)


def era(birth_year: int) -> str:
    if birth_year < 1965:
        return "old"
    if birth_year < 1990:
        return "mid"
    if birth_year < 2010:
        return "young"
    return "kid"


def surname(rng: random.Random, pool: str) -> str:
    names, weights = SURNAME_POOLS[pool]
    return rng.choices(names, weights)[0]


def han_given(rng: random.Random, sex: str, birth_year: int, extra: list[str] | None = None) -> str:
    """A Han-style given name, one or two characters."""
    if extra and rng.random() < 0.3:
        return rng.choice(extra)
    if rng.random() < 0.7:
        return rng.choice(HAN_GIVEN[(era(birth_year), sex)])
    first, second = HAN_CHARS[sex]
    a, b = rng.choice(first), rng.choice(second)
    return a + b if a != b else a


def korean_given(rng: random.Random, sex: str) -> str:
    return rng.choice(KOREAN_GIVEN[sex])


def uyghur_given(rng: random.Random, sex: str) -> str:
    return rng.choice(UYGHUR_GIVEN[sex])


def uyghur_name(given: str, father_given: str) -> str:
    return f"{given}·{father_given}"


def tibetan_name(rng: random.Random, sex: str) -> str:
    first = rng.choice(TIBETAN_FIRST[sex])
    if rng.random() < 0.2:
        return rng.choice(TIBETAN_SECOND[sex])
    second = rng.choice([s for s in TIBETAN_SECOND[sex] if s != first])
    return first + second


def mongol_given(rng: random.Random, sex: str) -> str:
    return rng.choice(MONGOL_GIVEN[sex])


def yi_clan(rng: random.Random) -> str:
    return rng.choice(YI_CLANS)


def yi_given(rng: random.Random, sex: str) -> str:
    return rng.choice(YI_GIVEN[sex])


# Staff of the station: (username, role, surname, given name, grid index or None).
STAFF = [
    ("head", "head", "陆", "雪梅", None),
    ("caseworker", "caseworker", "马", "晓燕", None),
    ("gridworker", "gridworker", "顾", "建平", 0),
    ("gridworker2", "gridworker", "买买提", "阿依努尔", 1),
    ("mediator", "mediator", "金", "春花", None),
    ("coordinator", "coordinator", "周", "婷", None),
    ("auditor", "auditor", "沈", "国华", None),
    ("admin", "admin", "陈", "磊", None),
]
STAFF_USERNAMES = [row[0] for row in STAFF]
