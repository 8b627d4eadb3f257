"""Data describing the demo community: who lives there, where they come from,
what they do, which festivals some of them declare, what shops they keep.

Shares are invented but plausible for a multi-ethnic neighbourhood in a
manufacturing town of southern Jiangsu. Ethnic group here only shapes names,
origins, languages and the *options* a family may pick from; whether a
household declares its ethnicity or any festival is drawn per household.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# GB/T 2260 prefecture-level codes, by where migrants to Suzhou come from.
HAN_MIGRANT_ORIGINS = {
    "341200": 8, "341600": 6, "340100": 3, "341300": 5, "340300": 2, "341500": 3,  # Anhui
    "411300": 5, "411600": 6, "411500": 4, "410100": 2, "411400": 3,  # Henan
    "511300": 4, "511600": 3, "510100": 2, "511900": 3,  # Sichuan
    "421100": 4, "420100": 2, "421000": 2,  # Hubei
    "430500": 3, "430100": 1, "431000": 1,  # Hunan
    "360700": 3, "361100": 2, "360100": 1,  # Jiangxi
    "520500": 2, "520300": 2,  # Guizhou
    "321300": 4, "320800": 3, "320700": 2, "320900": 3,  # northern Jiangsu
    "371300": 2, "500100": 3,  # Shandong, Chongqing
}
# Kunshan (320583) for most old local families, other Suzhou districts for some.
SUZHOU_ORIGINS = {"320583": 80, "320505": 4, "320506": 4, "320508": 3, "320581": 4,
                  "320585": 5}

CHILD_JOBS_AGE = 16


@dataclass(frozen=True)
class Group:
    """An ethnic group as it shapes the demo data (never a column of its own)."""

    key: str
    ethnicity: str  # GB/T 3304 code, written only when the family declares it
    share: float  # share of households
    residency: tuple[float, float, float]  # registered, resident, floating
    origins: dict[str, float]
    naming: str  # han | uyghur | tibetan | mongol | yi
    surnames: str  # key of names.SURNAME_POOLS (for Han-style naming)
    languages: tuple[str, ...]  # family languages besides Mandarin
    home_language_share: float  # share of families that list them
    festivals: tuple[tuple[tuple[str, ...], float], ...]
    declares_festivals: float  # share of households that declare any festival
    mixed_spouse: float  # chance a spouse is Han
    jobs: tuple[str, ...] = field(default=())


_HAN_FESTIVALS = (
    (("spring_festival",), 40), (("mid_autumn", "spring_festival"), 30),
    (("mid_autumn", "qingming", "spring_festival"), 15),
    (("dragon_boat", "mid_autumn", "spring_festival"), 10),
    (("double_ninth", "spring_festival"), 3), (("christmas", "spring_festival"), 2),
)

GROUPS: tuple[Group, ...] = (
    Group("han", "01", 84.0, (60, 24, 16), HAN_MIGRANT_ORIGINS, "han", "han", (), 0,
          _HAN_FESTIVALS, 0.33, 0.0),
    Group("hui", "03", 5.0, (25, 35, 40),
          {"622900": 45, "640100": 15, "640300": 15, "630100": 15, "640400": 10},
          "han", "hui", (), 0,
          ((("eid_al_adha", "eid_al_fitr"), 60), (("eid_al_adha", "eid_al_fitr", "mawlid"), 15),
           (("eid_al_adha", "eid_al_fitr", "spring_festival"), 25)),
          0.55, 0.08, ("拉面店经营", "拉面师傅", "牛肉面馆帮厨", "餐馆服务员", "牛羊肉店经营")),
    Group("uyghur", "05", 3.0, (5, 35, 60),
          {"653100": 40, "653200": 25, "650100": 20, "652900": 15},
          "uyghur", "", ("ug",), 1.0,
          ((("eid_al_adha", "eid_al_fitr"), 55), (("eid_al_adha", "eid_al_fitr", "nowruz"), 45)),
          0.55, 0.0, ("水果摊主", "干果店经营", "烤串摊主", "馕坑烤馕师傅", "餐馆厨师",
                      "服装店经营")),
    Group("korean", "10", 1.5, (40, 35, 25), {"222400": 85, "210100": 15},
          "han", "korean", ("ko",), 0.9,
          ((("chuseok", "seollal"), 50), (("chuseok", "seollal", "spring_festival"), 30),
           (("chuseok", "spring_festival"), 20)),
          0.5, 0.1, ("冷面馆经营", "韩语翻译", "外贸公司职员", "餐馆服务员", "韩资企业职员")),
    Group("tibetan", "04", 1.0, (10, 40, 50),
          {"540100": 30, "513300": 35, "632700": 20, "623000": 15},
          "tibetan", "", ("bo",), 0.95,
          ((("losar",), 40), (("losar", "shoton"), 45), (("losar", "spring_festival"), 15)),
          0.55, 0.05, ("藏餐馆服务员", "唐卡画师", "工厂工人", "高原特产店经营")),
    Group("manchu", "11", 1.5, (60, 25, 15),
          {"210100": 25, "210400": 30, "211400": 20, "210600": 15, "130800": 10},
          "han", "manchu", (), 0,
          ((("spring_festival",), 60), (("mid_autumn", "spring_festival"), 40)),
          0.35, 0.45),
    Group("tujia", "15", 1.5, (25, 35, 40), {"422800": 50, "433100": 35, "520600": 15},
          "han", "tujia", (), 0,
          ((("spring_festival",), 60), (("other", "spring_festival"), 40)),
          0.35, 0.35),
    Group("mongol", "02", 0.7, (30, 35, 35),
          {"150100": 30, "150200": 20, "152500": 25, "150500": 25},
          "mongol", "mongol", ("mn",), 0.6,
          ((("naadam", "spring_festival"), 50), (("naadam",), 20), (("spring_festival",), 30)),
          0.45, 0.3),
    Group("zhuang", "08", 0.7, (25, 35, 40), {"450100": 35, "450200": 35, "451000": 30},
          "han", "zhuang", ("za",), 0.4,
          ((("spring_festival", "third_of_march"), 60), (("third_of_march",), 40)),
          0.4, 0.35, ("螺蛳粉店经营", "工厂工人")),
    Group("miao", "06", 0.6, (20, 30, 50), {"522600": 60, "433100": 25, "522700": 15},
          "han", "miao", ("other",), 0.2,
          ((("spring_festival",), 50), (("other", "spring_festival"), 50)),
          0.35, 0.3, ("酸汤鱼馆帮厨", "工厂工人")),
    Group("yi", "07", 0.5, (15, 30, 55), {"513400": 70, "532300": 30},
          "yi", "yi", ("ii",), 0.7,
          ((("torch",), 55), (("spring_festival", "torch"), 45)),
          0.45, 0.2),
)
GROUP_BY_KEY = {g.key: g for g in GROUPS}

JOBS_GENERAL = (
    ("工厂工人", 16), ("快递员", 6), ("外卖骑手", 5), ("网约车司机", 4), ("保洁", 4), ("保安", 4),
    ("厨师", 3), ("建筑工人", 3), ("装修工", 3), ("超市收银员", 3), ("理发师", 1), ("家政服务员", 3),
    ("个体经营", 5), ("公司职员", 8), ("销售", 4), ("电工", 2), ("物业管理员", 2), ("餐馆服务员", 3),
    ("仓库管理员", 2), ("自由职业", 2), ("待业", 4), ("无业", 3),
)
JOBS_LOCAL = (
    ("公司职员", 14), ("教师", 5), ("医生", 2), ("护士", 3), ("公务员", 2), ("会计", 3),
    ("工程师", 5), ("程序员", 3), ("个体经营", 6), ("工厂工人", 8), ("社区工作者", 2),
    ("银行职员", 2), ("出租车司机", 2), ("销售", 4), ("待业", 2),
)
ELDER_JOBS = (("退休", 80), ("无业", 10), ("照看孙辈", 10))
MIGRANT_ELDER_JOBS = (("照看孙辈", 45), ("无业", 30), ("退休", 15), ("保洁", 10))

# Business templates: (group key or "" for anyone, kind, name pattern, place, weight).
# {s} is the owner's surname or first name part, {road} the community's street.
BUSINESSES = (
    ("hui", "restaurant", "{s}记兰州牛肉拉面", "road", 9),
    ("hui", "restaurant", "临夏清真手抓馆", "road", 2),
    ("hui", "retail", "{s}家清真牛羊肉店", "market", 2),
    ("uyghur", "grocery", "{s}新疆干果店", "road", 4),
    ("uyghur", "grocery", "新疆水果摊", "market", 4),
    ("uyghur", "street_food", "新疆烤串", "night", 4),
    ("uyghur", "street_food", "喀什烤馕", "market", 2),
    ("korean", "restaurant", "延边朝鲜族冷面馆", "road", 3),
    ("korean", "retail", "{s}氏朝鲜族泡菜店", "market", 1),
    ("tibetan", "retail", "高原特产店", "road", 1),
    ("zhuang", "restaurant", "柳州螺蛳粉", "road", 1),
    ("miao", "restaurant", "贵州酸汤鱼", "road", 1),
    ("", "retail", "{estate}便民超市", "road", 6),
    ("", "retail", "{s}家便利店", "ground", 5),
    ("", "services", "{s}师傅理发店", "road", 5),
    ("", "grocery", "{s}记水果店", "road", 4),
    ("", "grocery", "蔬菜摊", "market", 4),
    ("", "restaurant", "早餐店", "road", 4),
    ("", "restaurant", "沙县小吃", "road", 3),
    ("", "restaurant", "重庆小面", "road", 2),
    ("", "restaurant", "安徽板面", "road", 2),
    ("", "restaurant", "河南烩面馆", "road", 2),
    ("", "services", "修车铺", "road", 3),
    ("", "services", "手机维修", "ground", 3),
    ("", "services", "快递驿站", "ground", 3),
    ("", "services", "好帮手家政服务", "home", 2),
    ("", "services", "裁缝铺", "ground", 2),
    ("", "retail", "五金店", "road", 2),
    ("", "street_food", "煎饼果子摊", "night", 2),
    ("", "street_food", "烧烤摊", "night", 2),
    ("", "other", "小区代收点", "home", 1),
)
BUSINESS_JOBS = {
    "restaurant": "餐馆经营", "grocery": "水果摊主", "street_food": "小吃摊主",
    "services": "个体经营", "retail": "小店经营", "other": "个体经营",
}
LICENCE_NOTES = {
    "restaurant": ("营业执照、食品经营许可证齐全", "食品经营许可证 2027 年到期",
                   "待补办食品经营许可证，已预约窗口"),
    "grocery": ("个体工商户营业执照", "市场摊位租赁合同至 2027 年", "营业执照已年报"),
    "street_food": ("已在街道登记临时经营点", "夜市统一管理摊位", "健康证已办理，待办摊位登记"),
    "services": ("个体工商户营业执照", "家庭经营，已登记", "营业执照 2025 年换发"),
    "retail": ("营业执照齐全", "个体工商户营业执照", "烟草专卖零售许可证已办理"),
    "other": ("无需执照，已报备物业", "已登记"),
}

CIRCUMSTANCES = (  # kind, weight, applies to (household | adult | elder | child), note options
    ("hardship", 22, "household", ("家庭主要劳动力患病，收入骤减", "临时困难，房租拖欠", "突发变故")),
    ("minimum_income", 14, "household", ("享受城市低保", "低保边缘户")),
    ("disability", 20, "adult", ("肢体残疾，行动不便", "听力残疾，使用手语", "视力残疾",
                                 "智力残疾，由家人照护")),
    ("serious_illness", 18, "elder", ("定期透析", "术后康复期", "慢性病需长期服药", "肿瘤治疗中")),
    ("unemployed", 12, "adult", ("工厂裁员后待业", "求职中，希望参加技能培训")),
    ("special_care", 4, "elder", ("退役军人家庭",)),
    ("other", 4, "household", ("需要关注",)),
)
DEPARTMENTS = {
    "hardship": "区民政局", "minimum_income": "区民政局", "disability": "区残联",
    "serious_illness": "区医保局", "unemployed": "区人社局", "left_behind_child": "区教育局",
    "elderly_alone": "区民政局", "special_care": "区退役军人事务局", "other": "区民政局",
}
OTHER_REFERRALS = ("区教育局", "区人社局", "区医保局", "区住建局", "街道司法所")

# Invented community names for the district scale: first + second + 社区; the
# first part also names the estates, the street and the market.
COMMUNITY_FIRST = ["青阳", "柳溪", "石桥", "东湖", "南港", "金泾", "枫林", "桃园", "玉泉", "长泾", "新塘", "陈巷", "白莲", "花溪", "梅园", "横塘", "蓬朗", "朝阳"]
COMMUNITY_SECOND = ["新村", "花园", "里", "苑", "北", "南"]
ESTATE_SUFFIXES = ("新村", "花园", "小区", "公寓", "家园", "佳苑")
ROAD_SUFFIXES = ("路", "街", "北路", "南路")
GRID_NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
