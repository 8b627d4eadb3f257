"""A starting catalogue for a neighbourhood service station: the services it
offers, the government departments and the partner organisations that provide
them (the "48 services and 16 partner projects" of a typical station).

Texts are written here in Simplified Chinese and English; Traditional Chinese
is converted from the Simplified text with OpenCC. Every row has a stable
`code`: `load_catalogue()` creates the rows a database lacks and, only when
asked to (`update=True`), overwrites texts and targets of rows that exist. The
station head's local choices are never overwritten: whether a row is active,
and a department's contact person, phone and e-mail (a real station enters its
own; the catalogue ships none).

    manage.py load_catalogue            # first setup of a real station
    manage.py load_catalogue --update   # take the shipped texts and targets again
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import opencc
from django.db import transaction

from jiayuan.desk.choices import DepartmentKind
from jiayuan.desk.models import Department, ServiceCategory, ServiceItem

GOV, PARTNER = DepartmentKind.GOVERNMENT, DepartmentKind.PARTNER


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def hant(text: str) -> str:
    """Traditional Chinese of a Simplified text."""
    return _s2t().convert(text) if text else ""


@dataclass(frozen=True)
class Dept:
    code: str
    kind: str
    zh: str
    en: str
    handles_zh: str
    handles_en: str


@dataclass(frozen=True)
class Category:
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Item:
    code: str
    category: str
    zh: str
    en: str
    desc_zh: str
    desc_en: str
    docs_zh: tuple[str, ...]
    docs_en: tuple[str, ...]
    department: str | None
    response_hours: int
    resolution_days: int
    green_channel: bool = False
    onsite_required: bool = False


# Department names are the short forms staff write on a consent form
# ("同意将我的情况转介给区民政局"): a referral consent names the department by
# its Simplified Chinese name.
DEPARTMENTS: tuple[Dept, ...] = (
    Dept("education", GOV, "区教育局", "District Education Bureau",
         "义务教育入学、随迁子女入学、转学插班、幼儿园入园、家庭经济困难学生资助。",
         "School admission, including children who moved here with their parents; "
         "transfers between schools; kindergarten places; grants for pupils from "
         "low-income families."),
    Dept("health", GOV, "区卫健委", "District Health Commission",
         "家庭医生签约、基本公共卫生服务、预防接种、老年人健康管理。",
         "Family-doctor contracts, basic public health services, vaccinations and "
         "health care for older people."),
    Dept("hrss", GOV, "区人社局", "District Human Resources and Social Security Bureau",
         "就业失业登记、职业技能培训补贴、灵活就业人员社会保险、劳动保障监察（欠薪）。",
         "Registering as unemployed, training subsidies, social insurance for the "
         "self-employed, and labour inspection (unpaid wages)."),
    Dept("housing", GOV, "区住建局", "District Housing and Urban–Rural Development Bureau",
         "公共租赁住房和廉租住房的申请、审核、轮候，住房租赁补贴。",
         "Applications, checks and waiting lists for public rental and low-rent "
         "housing; rent subsidies."),
    Dept("civil-affairs", GOV, "区民政局", "District Civil Affairs Bureau",
         "最低生活保障、特困人员供养、临时救助、高龄津贴和养老服务补贴。",
         "The minimum living allowance (dibao), support for people in extreme "
         "poverty, temporary assistance, old-age allowances and care subsidies."),
    Dept("medical-insurance", GOV, "区医保局", "District Healthcare Security Bureau",
         "城乡居民医保参保、医疗费用报销、异地就医备案、大病医疗救助。",
         "Enrolment in residents' medical insurance, claims, registering treatment "
         "in another province, and help with the cost of serious illness."),
    Dept("justice", GOV, "街道司法所", "Sub-district Justice Office",
         "法律援助申请受理、人民调解工作指导、社区矫正。",
         "Legal-aid applications, guidance for the people's mediation committees, "
         "community corrections."),
    Dept("market-regulation", GOV, "区市场监管局", "District Market Regulation Administration",
         "个体工商户登记、食品经营许可、消费投诉、商铺经营纠纷。",
         "Registering small businesses, food business permits, consumer complaints "
         "and disputes over shops and stalls."),
    Dept("household-registration", GOV, "派出所户籍室", "Police station household registration office",
         "居住证办理与签注、流动人口居住登记、户口迁移、新生儿落户。",
         "Residence permits and their renewal, registration of newcomers' addresses, "
         "moving a hukou, registering a newborn."),
    Dept("ethnic-religious", GOV, "区民宗局", "District Ethnic and Religious Affairs Bureau",
         "民族政策咨询、清真食品管理、少数民族群众与原籍地的联络协调。",
         "Questions about ethnic policy, halal food rules, and liaison with "
         "residents' home regions."),
    Dept("veterans", GOV, "区退役军人事务局", "District Veterans Affairs Bureau",
         "优抚对象待遇、退役军人服务、光荣牌悬挂、走访慰问。",
         "Benefits for veterans and martyrs' families, services for veterans, honour "
         "plaques and visits."),
    Dept("disabled-persons", GOV, "区残联", "District Disabled Persons' Federation",
         "残疾人证办理、辅助器具适配、残疾人两项补贴、康复服务。",
         "Disability cards, assistive devices, the two disability allowances and "
         "rehabilitation."),
    Dept("law-clinic", PARTNER, "社区法律诊所", "Community law clinic",
         "律师志愿者每周二、周四下午坐班，提供免费法律咨询、代写文书。",
         "Volunteer lawyers on Tuesday and Thursday afternoons: free legal advice and "
         "help drafting letters and claims."),
    Dept("health-station", PARTNER, "社区卫生服务站", "Community health station",
         "家庭医生团队、慢病随访、老年人体检、上门巡诊。",
         "The family-doctor team: chronic-disease follow-up, health checks for older "
         "people, home visits."),
    Dept("hospital-outreach", PARTNER, "区人民医院下沉服务团队", "District People's Hospital outreach team",
         "专科医生每月到社区义诊，协助预约专科门诊和住院床位。",
         "Specialists hold a free clinic at the station each month and help book "
         "specialist appointments and hospital beds."),
    Dept("job-agency", PARTNER, "安业人力资源服务中心", "Anye job agency",
         "登记求职意向，推荐周边工厂、物流、餐饮岗位，组织招聘会。",
         "Registers job seekers and matches them with jobs in nearby factories, "
         "logistics and catering; runs job fairs."),
    Dept("vocational-school", PARTNER, "职业技能培训学校", "Vocational training school",
         "电工、育婴员、养老护理员、中式面点师等补贴性培训。",
         "Subsidised courses: electrician, childcare worker, elderly-care worker, "
         "pastry cook and more."),
    Dept("social-work", PARTNER, "同心社会工作服务中心", "Tongxin social-work centre",
         "困难家庭个案帮扶、青少年与老年人小组活动、志愿者培训。",
         "Casework with families in difficulty, groups for young and older people, "
         "training for volunteers."),
    Dept("interpreters", PARTNER, "多语种志愿翻译队", "Volunteer interpreters' team",
         "维吾尔语、藏语、朝鲜语、蒙古语、彝语和手语志愿翻译，陪同办事、就医。",
         "Volunteers interpreting Uyghur, Tibetan, Korean, Mongolian, Nuosu (Yi) and "
         "sign language; they go along to offices and clinics."),
    Dept("ethnic-volunteers", PARTNER, "民族先锋志愿行动队", "Ethnic unity volunteer team",
         "各族志愿者结对帮扶、节庆联谊、政策宣讲、邻里互助。",
         "Volunteers of every ethnic group: buddying, festival gatherings, explaining "
         "policies, neighbourly help."),
    Dept("mediation-committee", PARTNER, "社区人民调解委员会", "Community people's mediation committee",
         "邻里、家庭、租赁纠纷调解，调解协议书制作。",
         "Mediates disputes between neighbours, in families and over tenancies; drafts "
         "mediation agreements."),
    Dept("charity", PARTNER, "区慈善总会", "District Charity Federation",
         "急难救助、助学助医慈善项目、节日慰问物资。",
         "Emergency help, charity grants for school and medical costs, festival gift "
         "packages."),
    Dept("home-care", PARTNER, "居家养老服务中心", "Home-care centre for older people",
         "助餐、助洁、助浴、上门护理评估，独居老人关爱探访。",
         "Meals, cleaning, bathing, home-care assessments, and regular visits to "
         "older people who live alone."),
    Dept("counselling", PARTNER, "阳光心理服务站", "Sunshine counselling service",
         "心理咨询、情绪疏导、危机干预转介。",
         "Counselling, emotional support, and referral in a crisis."),
    Dept("after-school", PARTNER, "四点半课堂", "After-school club (\"4:30 class\")",
         "放学后作业辅导、兴趣课程，优先照顾双职工和随迁家庭子女。",
         "Homework help and activities after school, with priority for children of "
         "working parents and families who moved here."),
    Dept("culture-troupe", PARTNER, "社区民族文化宣传队", "Community culture troupe",
         "民族歌舞排练、邻里文化节、文体活动组织。",
         "Rehearses songs and dances of many ethnic groups, runs the neighbourhood "
         "culture festival and sports events."),
    Dept("property-office", PARTNER, "小区物业服务中心", "Estate management office",
         "公共部位维修、漏水排查、停车管理、楼道清理。",
         "Repairs to shared parts, tracing leaks, parking, clearing stairwells."),
    Dept("trade-union", PARTNER, "区总工会职工法律援助站", "Trade union workers' legal-aid desk",
         "职工欠薪、工伤、劳动合同纠纷的咨询与法律援助。",
         "Advice and legal aid for workers: unpaid wages, work injuries, employment "
         "contracts."),
)

CATEGORIES: tuple[Category, ...] = (
    Category("employment", "劳动就业", "Jobs and employment"),
    Category("culture-sports", "文化体育", "Culture and sports"),
    Category("health", "卫生健康", "Health"),
    Category("legal-aid", "法律援助", "Legal aid"),
    Category("hardship", "临时困难援助", "Help in hard times"),
    Category("ethnic-services", "民族特色服务", "Services for ethnic minority residents"),
    Category("policy", "政策咨询", "Policy questions"),
    Category("dibao", "城市低保", "Minimum living allowance (dibao)"),
    Category("housing", "住房保障", "Public and low-rent housing"),
    Category("medical-insurance", "医疗保险", "Medical insurance"),
    Category("special-care", "优抚服务", "Veterans and martyrs' families"),
    Category("mediation", "矛盾调解", "Mediation"),
    Category("education", "教育入学", "School and kindergarten places"),
    Category("residence", "户籍与居住证", "Hukou and residence permits"),
)

ID = ("身份证", "ID card")
HUKOU = ("户口簿", "Household register (hukou booklet)")
PERMIT = ("居住证", "Residence permit")
ID_OR_PERMIT = ("户口簿或居住证", "Household register or residence permit")
PHOTO = ("近期一寸免冠照片两张", "Two recent passport-size photos")
BANK = ("本人银行卡或存折", "Your own bank card or passbook")
LEASE = ("房屋租赁合同或房产证", "Tenancy agreement or property certificate")
INCOME = ("家庭成员收入证明", "Proof of income of every household member")


def _docs(*pairs: tuple[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


def _item(code: str, category: str, zh: str, en: str, desc_zh: str, desc_en: str,
          docs: tuple[tuple[str, ...], tuple[str, ...]], department: str | None,
          hours: int, days: int, *, green: bool = False, onsite: bool = False) -> Item:
    return Item(code, category, zh, en, desc_zh, desc_en, docs[0], docs[1], department,
                hours, days, green, onsite)


ITEMS: tuple[Item, ...] = (
    # Jobs and employment
    _item("job-matching", "employment", "求职登记与岗位推荐", "Registering as a job seeker and job matching",
          "登记求职意向，由合作人力资源机构推荐岗位，跟踪面试结果。",
          "We record what work you are looking for; our partner agency suggests jobs and "
          "we follow up after the interview.",
          _docs(ID, ("个人简历（如有）", "CV (if you have one)"),
                ("学历或技能证书（如有）", "Diplomas or skill certificates (if any)")),
          "job-agency", 24, 15),
    _item("skills-training", "employment", "职业技能培训报名", "Vocational training courses",
          "报名政府补贴的职业技能培训，结业后可申领培训补贴。",
          "Sign up for a government-subsidised training course; a subsidy can be claimed "
          "when you finish.",
          _docs(ID, ("就业失业登记证（如有）", "Employment and unemployment registration card (if any)"),
                PHOTO),
          "vocational-school", 48, 20),
    _item("unemployment-registration", "employment", "就业失业登记", "Registering as unemployed",
          "办理失业登记，享受免费就业服务和相关补贴。",
          "Register as unemployed to use free employment services and claim the related "
          "benefits.",
          _docs(ID, ID_OR_PERMIT, ("解除或终止劳动合同证明", "Proof that your employment contract ended")),
          "hrss", 24, 5),
    _item("flexible-insurance", "employment", "灵活就业人员社保参保", "Social insurance for the self-employed",
          "个体经营者、外卖骑手、网约车司机等灵活就业人员参加养老、医疗保险。",
          "Pension and medical insurance for the self-employed and gig workers: delivery "
          "riders, ride-hailing drivers and others.",
          _docs(ID, ID_OR_PERMIT, BANK), "hrss", 24, 10),
    _item("wage-arrears", "employment", "欠薪求助", "Help with unpaid wages",
          "被拖欠工资时，协助固定证据、联系劳动保障监察或工会法律援助。",
          "If your wages are not paid, we help you keep the evidence and contact labour "
          "inspection or the trade union's legal-aid desk.",
          _docs(ID, ("劳动合同或工作证明", "Employment contract or proof of work"),
                ("工资条、考勤记录或聊天记录", "Pay slips, attendance records or chat messages")),
          "trade-union", 24, 15, green=True),
    # Culture and sports
    _item("activity-signup", "culture-sports", "社区文体活动报名", "Community culture and sports activities",
          "广场舞、太极、合唱、书法、乒乓球等社区活动报名。",
          "Sign up for square dancing, tai chi, the choir, calligraphy, table tennis and "
          "other activities.",
          _docs(), "culture-troupe", 24, 7),
    _item("room-booking", "culture-sports", "民生会客厅与活动室预约", "Booking the residents' lounge or an activity room",
          "居民议事、兴趣小组、家庭聚会等预约社区活动场地。",
          "Book a room for a residents' meeting, a club or a family gathering.",
          _docs(("预约人身份证", "ID card of the person booking")), None, 24, 3),
    _item("festival-event", "culture-sports", "民族节庆活动协办", "Help organising a festival gathering",
          "开斋节、古尔邦节、藏历新年、中秋节（秋夕）等节庆联谊活动的场地和组织协助。",
          "A room and a hand in organising a gathering for Eid, Losar, Chuseok, the "
          "Mid-Autumn Festival and other festivals.",
          _docs(("活动方案（人数、时间、内容）", "A short plan: how many people, when, what")),
          "ethnic-volunteers", 48, 15),
    _item("after-school-place", "culture-sports", "四点半课堂报名", "A place in the after-school club",
          "小学生放学后作业辅导和兴趣活动，随迁子女和双职工家庭优先。",
          "Homework help and activities for primary pupils after school; children who "
          "moved here and children of working parents come first.",
          _docs(ID_OR_PERMIT, ("孩子的学生证或在读证明", "The child's student card or proof of enrolment")),
          "after-school", 24, 7),
    # Health
    _item("family-doctor", "health", "家庭医生签约", "Signing up with a family doctor",
          "与社区卫生服务站家庭医生团队签约，享受慢病随访、健康咨询。",
          "Sign a contract with the family-doctor team for chronic-disease follow-up and "
          "health advice.",
          _docs(ID, ("医保卡", "Medical insurance card")), "health-station", 24, 7),
    _item("elderly-checkup", "health", "老年人免费体检预约", "Free health check for people aged 65 and over",
          "65岁以上常住老年人每年一次免费体检，协助预约和陪同。",
          "Residents aged 65 and over get one free health check a year; we book it and can "
          "go along.",
          _docs(ID, ("医保卡", "Medical insurance card")), "health-station", 24, 15),
    _item("home-care-assessment", "health", "失能老人上门护理评估", "Home-care assessment for an older person",
          "行动不便或失能老人的上门护理需求评估，对接助餐、助洁、助浴服务。",
          "An assessment at home for an older person who cannot manage alone, then "
          "meals, cleaning or bathing help.",
          _docs(ID, ("近期病历或诊断证明", "Recent medical records or a diagnosis")),
          "home-care", 24, 15, onsite=True),
    _item("specialist-referral", "health", "专科就医预约协助", "Help booking a specialist",
          "协助预约区人民医院专科门诊，行动不便者可申请陪诊。",
          "We help book a specialist at the District People's Hospital; someone can go "
          "with you if you cannot manage alone.",
          _docs(ID, ("医保卡", "Medical insurance card"), ("既往病历", "Earlier medical records")),
          "hospital-outreach", 24, 7),
    _item("counselling", "health", "心理咨询与疏导", "Counselling and emotional support",
          "情绪困扰、家庭压力、丧亲等心理疏导，必要时转介专业机构。",
          "Support with worry, family stress or bereavement; referral to specialists when "
          "needed.",
          _docs(), "counselling", 24, 10),
    _item("disability-card", "health", "残疾人证办理与辅具申请", "Disability card and assistive devices",
          "办理或换领残疾人证，申请轮椅、助听器等辅助器具和残疾人补贴。",
          "Apply for or renew a disability card, and apply for wheelchairs, hearing aids "
          "and the disability allowances.",
          _docs(ID, HUKOU, PHOTO, ("医院诊断证明", "A hospital diagnosis")),
          "disabled-persons", 48, 30),
    # Legal aid
    _item("legal-advice", "legal-aid", "法律咨询", "Legal advice",
          "婚姻家庭、借贷、劳动、租房等问题的免费法律咨询。",
          "Free legal advice on marriage and family, loans, work, renting and more.",
          _docs(("与问题有关的合同、票据、聊天记录", "Contracts, receipts or messages about the problem")),
          "law-clinic", 24, 3),
    _item("legal-aid-application", "legal-aid", "法律援助申请", "Applying for legal aid",
          "经济困难或特定案件当事人申请免费律师代理。",
          "People on low incomes, and parties to certain cases, can ask for a free lawyer.",
          _docs(ID, ("经济困难状况说明或低保证明", "A statement of financial hardship or the dibao certificate"),
                ("案件相关材料", "Papers about the case")),
          "justice", 24, 10),
    _item("labour-dispute", "legal-aid", "劳动争议咨询与仲裁指引", "Labour disputes: advice and arbitration",
          "工伤、解除合同、社保欠缴等劳动争议的咨询，指导申请劳动仲裁。",
          "Advice on work injuries, dismissal and unpaid social insurance; help applying "
          "for labour arbitration.",
          _docs(ID, ("劳动合同或工作证明", "Employment contract or proof of work")),
          "law-clinic", 24, 10),
    # Help in hard times
    _item("temporary-assistance", "hardship", "临时救助申请", "Temporary assistance",
          "因灾、因病、突发事件导致基本生活暂时困难的家庭申请临时救助金。",
          "For households whose basic living is suddenly at risk after a disaster, an "
          "illness or an accident.",
          _docs(ID, ID_OR_PERMIT, ("困难情况说明", "A statement of the difficulty"),
                ("医疗费用票据（因病致困的）", "Medical bills (if illness caused it)")),
          "civil-affairs", 24, 14, green=True),
    _item("emergency-supplies", "hardship", "急难物资救助", "Emergency food and supplies",
          "为遭遇急难的家庭送去米面油、被褥等生活物资。",
          "Rice, flour, oil, bedding and other essentials delivered to a household in "
          "an emergency.",
          _docs(), "charity", 24, 3, green=True, onsite=True),
    _item("hardship-repair", "hardship", "困难家庭上门维修", "Home repairs for households in hardship",
          "为困难家庭、独居老人免费上门维修水电、门窗。",
          "Free repairs to water, electricity, doors and windows for households in "
          "hardship and older people living alone.",
          _docs(), "ethnic-volunteers", 24, 10, onsite=True),
    _item("charity-grant", "hardship", "慈善助学助医", "Charity grants for school and medical costs",
          "慈善项目资助困难家庭子女上学和大病治疗费用。",
          "Charity grants towards school costs and the treatment of serious illness for "
          "families in hardship.",
          _docs(ID, HUKOU, ("学校录取通知或医院费用清单", "School admission letter or hospital bill"),
                ("困难情况说明", "A statement of the difficulty")),
          "charity", 48, 30),
    # Services for ethnic minority residents
    _item("interpreting", "ethnic-services", "翻译陪同服务", "An interpreter to go with you",
          "维吾尔语、藏语、朝鲜语、蒙古语、彝语、手语志愿翻译，陪同到窗口、医院办事。",
          "A volunteer interpreter for Uyghur, Tibetan, Korean, Mongolian, Nuosu (Yi) or "
          "sign language goes with you to offices and hospitals.",
          _docs(), "interpreters", 24, 5),
    _item("document-help", "ethnic-services", "办证填表帮助", "Help with forms and documents",
          "为不熟悉汉字的居民解释材料要求、代为填表、预约窗口。",
          "For residents who read little Chinese: we explain what is needed, fill in "
          "forms with you and book the appointment.",
          _docs(ID, ("需要办理的表格或通知", "The form or letter you need help with")),
          "interpreters", 24, 7),
    _item("halal-food-info", "ethnic-services", "清真食品经营咨询", "Halal food: rules for shops and restaurants",
          "开办清真餐饮、清真食品店的相关规定和办理流程咨询。",
          "What the rules are, and what to do, to open a halal restaurant or food shop.",
          _docs(ID, ("营业执照（已办理的）", "Business licence (if you have one)")),
          "ethnic-religious", 24, 5),
    _item("hometown-liaison", "ethnic-services", "原籍地联络与证明协调", "Liaison with your home region",
          "协助与原籍地政府联系，开具户籍、婚育、无犯罪等证明。",
          "We contact the authorities of your home region for certificates: hukou, "
          "marriage and children, criminal record.",
          _docs(ID, ("需要开具的证明名称", "The name of the certificate you need")),
          "ethnic-religious", 48, 15),
    # Policy questions
    _item("policy-consultation", "policy", "政策咨询", "Policy questions",
          "社保、救助、住房、入学、落户等政策的一次性告知。",
          "One place to ask about social insurance, assistance, housing, schools and hukou.",
          _docs(), None, 24, 3),
    _item("points-scheme", "policy", "积分入学入户政策咨询", "Points schemes for school places and hukou",
          "流动人口积分管理、积分入学、积分落户的政策和积分计算咨询。",
          "How the points system for newcomers works, and how points count towards a "
          "school place or a local hukou.",
          _docs(PERMIT, ("社保缴纳记录", "Social insurance contribution record")),
          "education", 24, 3),
    _item("elderly-allowance", "policy", "高龄津贴与养老服务补贴", "Old-age allowance and care subsidies",
          "80周岁以上老人高龄津贴、困难老人养老服务补贴申请。",
          "The allowance for people aged 80 and over, and care subsidies for older people "
          "on low incomes.",
          _docs(ID, HUKOU, BANK), "civil-affairs", 48, 20),
    # Minimum living allowance
    _item("dibao-application", "dibao", "最低生活保障申请", "Applying for the minimum living allowance (dibao)",
          "家庭人均收入低于当地低保标准的，申请城市最低生活保障；需入户核查。",
          "Households whose income per person is below the local line can apply; a "
          "home visit is part of the check.",
          _docs(ID, HUKOU, INCOME, BANK, ("家庭财产申报表", "Declaration of household assets")),
          "civil-affairs", 48, 30, onsite=True),
    _item("dibao-review", "dibao", "低保年审与家庭变更", "Dibao: annual review and changes",
          "低保家庭年度复核，家庭人口、收入变化的申报。",
          "The yearly review of a dibao household, and reporting changes in who lives "
          "there or what they earn.",
          _docs(ID, HUKOU, INCOME), "civil-affairs", 48, 20),
    _item("extreme-poverty", "dibao", "特困人员供养申请", "Support for people in extreme poverty",
          "无劳动能力、无生活来源、无法定赡养人的老年人、残疾人申请特困供养。",
          "For older or disabled people with no ability to work, no income and no one "
          "obliged to support them.",
          _docs(ID, HUKOU, ("残疾人证或诊断证明（如有）", "Disability card or diagnosis (if any)")),
          "civil-affairs", 48, 30, onsite=True),
    # Housing
    _item("public-rental", "housing", "公共租赁住房申请", "Applying for public rental housing",
          "住房困难的本地家庭和稳定就业的外来务工人员申请公租房。",
          "For local households without adequate housing and for workers from elsewhere "
          "in steady employment.",
          _docs(ID, ID_OR_PERMIT, INCOME, ("劳动合同和社保缴纳记录", "Employment contract and social insurance record"),
                ("现住房情况说明", "A statement of your present housing")),
          "housing", 48, 60),
    _item("rent-subsidy", "housing", "廉租住房租赁补贴", "Rent subsidy for low-income households",
          "低保、低收入住房困难家庭申请廉租住房或租赁补贴。",
          "Households on dibao or a low income without adequate housing can apply for a "
          "low-rent flat or a rent subsidy.",
          _docs(ID, HUKOU, ("低保证或低收入证明", "Dibao certificate or proof of low income"),
                ("租赁合同", "Tenancy agreement")),
          "housing", 48, 30),
    # Medical insurance
    _item("insurance-enrolment", "medical-insurance", "城乡居民医保参保登记", "Enrolling in residents' medical insurance",
          "未参加职工医保的居民、学生、儿童参加城乡居民基本医疗保险。",
          "Residents, pupils and children without employee insurance join the residents' "
          "basic medical insurance.",
          _docs(ID, ID_OR_PERMIT), "medical-insurance", 24, 10),
    _item("medical-claims", "medical-insurance", "医疗费用报销与异地就医备案", "Medical claims and treatment in another province",
          "零星医疗费用报销，异地长期居住和转诊就医备案。",
          "Claiming back medical costs, and registering long stays or referrals for "
          "treatment in another province.",
          _docs(ID, ("医保卡", "Medical insurance card"), ("发票、费用清单和出院小结", "Receipts, itemised bills and the discharge summary")),
          "medical-insurance", 48, 20),
    _item("serious-illness-aid", "medical-insurance", "大病医疗救助", "Help with the cost of a serious illness",
          "低保、特困及因病致贫家庭的大额医疗费用救助。",
          "Help with large medical bills for households on dibao, in extreme poverty or "
          "made poor by illness.",
          _docs(ID, HUKOU, ("医疗费用发票和报销结算单", "Medical receipts and the insurance settlement")),
          "medical-insurance", 48, 30, green=True),
    # Veterans and martyrs' families
    _item("veterans-benefits", "special-care", "优抚对象待遇申请与年审", "Benefits for veterans and martyrs' families",
          "优抚对象抚恤补助的申请、年审和信息变更。",
          "Applying for, reviewing and updating the pensions and allowances of veterans "
          "and martyrs' families.",
          _docs(ID, HUKOU, ("退役证或优抚证件", "Discharge certificate or special-care card")),
          "veterans", 48, 30),
    _item("veterans-visit", "special-care", "优抚对象走访慰问", "Visits to veterans' families",
          "节日和生日走访慰问，了解生活和就医困难。",
          "Visits at festivals and birthdays to hear about any difficulties with daily "
          "life or health care.",
          _docs(), "veterans", 48, 15, onsite=True),
    # Mediation
    _item("neighbour-dispute", "mediation", "邻里纠纷调解", "Disputes between neighbours",
          "噪音、漏水、占用公共空间、宠物等邻里纠纷调解，需上门了解情况。",
          "Noise, leaks, shared spaces, pets: a mediator visits and helps both sides agree.",
          _docs(), "mediation-committee", 24, 15, onsite=True),
    _item("family-dispute", "mediation", "家庭矛盾调解", "Family disputes",
          "婚姻、赡养、继承等家庭矛盾调解。",
          "Mediation in disputes about marriage, caring for parents, or inheritance.",
          _docs(), "mediation-committee", 24, 15),
    _item("tenancy-dispute", "mediation", "租赁纠纷调解", "Disputes between tenants and landlords",
          "押金、房租、维修责任等租赁纠纷调解。",
          "Mediation over deposits, rent and who pays for repairs.",
          _docs(("租赁合同", "Tenancy agreement"), ("付款凭证", "Proof of payment")),
          "mediation-committee", 24, 15),
    _item("shop-dispute", "mediation", "商铺经营纠纷协调", "Disputes over shops and stalls",
          "油烟、占道经营、消费纠纷的协调，涉及证照的联系市场监管部门。",
          "Cooking fumes, stalls on the pavement, customer complaints; we involve market "
          "regulation where a licence is concerned.",
          _docs(), "market-regulation", 24, 15),
    _item("business-licence", "employment", "个体工商户证照办理指导", "Help with a business licence or food permit",
          "个体工商户营业执照、食品经营许可证办理和年报指导。",
          "Guidance on registering a small business, getting a food business permit and "
          "filing the annual report.",
          _docs(ID, LEASE), "market-regulation", 24, 10),
    # School and kindergarten places
    _item("school-place", "education", "随迁子女入学申请", "A school place for a child who moved here",
          "随父母来本地居住的适龄儿童申请义务教育阶段学位。",
          "A primary or junior secondary place for a child living here with parents "
          "whose hukou is elsewhere.",
          _docs(HUKOU, PERMIT, LEASE, ("父母劳动合同或营业执照、社保缴纳记录", "Parents' employment contract or business licence, and social insurance record"),
                ("儿童预防接种证", "The child's vaccination record")),
          "education", 48, 30),
    _item("kindergarten-place", "education", "幼儿园入园申请", "A kindergarten place",
          "3至6周岁儿童公办、普惠性幼儿园入园申请。",
          "A place at a public or subsidised kindergarten for a child aged 3 to 6.",
          _docs(HUKOU, ID_OR_PERMIT, ("儿童预防接种证", "The child's vaccination record"),
                ("入园体检表", "Kindergarten health check form")),
          "education", 48, 30),
    _item("student-aid", "education", "家庭经济困难学生资助", "Grants for pupils from low-income families",
          "义务教育和高中阶段家庭经济困难学生的生活补助申请。",
          "Living-cost grants for primary and secondary pupils from low-income families.",
          _docs(HUKOU, ("低保证或困难情况说明", "Dibao certificate or a statement of hardship"), BANK),
          "education", 48, 30),
    # Hukou and residence permits
    _item("residence-permit", "residence", "居住证办理", "Applying for a residence permit",
          "在本地居住满半年、有合法稳定就业或住所的，申领居住证。",
          "If you have lived here for six months and have steady work or a home, you can "
          "apply for a residence permit.",
          _docs(ID, PHOTO, ("已备案的房屋租赁合同或房产证", "Registered tenancy agreement or property certificate"),
                ("劳动合同或营业执照（如有）", "Employment contract or business licence (if any)")),
          "household-registration", 24, 15),
    _item("permit-renewal", "residence", "居住证签注（续期）", "Renewing a residence permit",
          "居住证每年签注一次，逾期需重新办理。",
          "A residence permit is renewed every year; a lapsed one must be applied for again.",
          _docs(PERMIT, ID, ("居住地址证明", "Proof of address")),
          "household-registration", 24, 7),
    _item("residence-registration", "residence", "流动人口居住登记", "Registering your address as a newcomer",
          "来本地居住的流动人口在30日内办理居住登记。",
          "People who come to live here register their address within 30 days.",
          _docs(ID, ("房屋租赁合同或房东证明", "Tenancy agreement or a note from the landlord")),
          "household-registration", 24, 3),
    _item("hukou-registration", "residence", "户口迁入与新生儿落户", "Moving your hukou here, or registering a newborn",
          "符合条件的户口迁入，新生儿出生登记落户。",
          "Moving a hukou here if you qualify, and registering a newborn baby.",
          _docs(HUKOU, ID, ("出生医学证明（新生儿）", "Birth medical certificate (for a newborn)"),
                ("结婚证", "Marriage certificate")),
          "household-registration", 48, 20),
)


# --- loading -----------------------------------------------------------------

def _department_fields(d: Dept) -> dict[str, Any]:
    return {"kind": d.kind, "name_zh_hans": d.zh, "name_zh_hant": hant(d.zh),
            "name_en": d.en, "handles_zh_hans": d.handles_zh,
            "handles_zh_hant": hant(d.handles_zh), "handles_en": d.handles_en}


def _category_fields(c: Category, order: int) -> dict[str, Any]:
    return {"name_zh_hans": c.zh, "name_zh_hant": hant(c.zh), "name_en": c.en,
            "order": order}


# Sensitive services: never listed, accepted or shown through Open311.
OPEN311_HIDDEN = frozenset({
    "counselling", "legal-advice", "legal-aid-application", "labour-dispute",
    "neighbour-dispute", "family-dispute", "tenancy-dispute", "shop-dispute"})


def _item_fields(i: Item, order: int, categories: dict[str, ServiceCategory],
                 departments: dict[str, Department]) -> dict[str, Any]:
    docs_zh = "\n".join(i.docs_zh)
    return {"category_id": categories[i.category].pk,
            "department_id": departments[i.department].pk if i.department else None,
            "name_zh_hans": i.zh, "name_zh_hant": hant(i.zh), "name_en": i.en,
            "description_zh_hans": i.desc_zh, "description_zh_hant": hant(i.desc_zh),
            "description_en": i.desc_en, "documents_zh_hans": docs_zh,
            "documents_zh_hant": hant(docs_zh), "documents_en": "\n".join(i.docs_en),
            "response_hours": i.response_hours, "resolution_days": i.resolution_days,
            "green_channel": i.green_channel, "onsite_required": i.onsite_required,
            "open311_hidden": i.code in OPEN311_HIDDEN, "order": order}


def _upsert(model: type, code: str, fields: dict[str, Any], update: bool,
            counts: dict[str, int]) -> Any:
    obj = model.objects.filter(code=code).first()
    if obj is None:
        obj = model(code=code, **fields)
        obj.save()
        counts["created"] += 1
    elif update and any(getattr(obj, k) != v for k, v in fields.items()):
        for key, value in fields.items():
            setattr(obj, key, value)
        obj.save()
        counts["updated"] += 1
    else:
        counts["kept"] += 1
    return obj


def load_catalogue(update: bool = False) -> dict[str, dict[str, int]]:
    """Create the catalogue's missing rows (by code); with `update`, also bring
    existing rows back to the shipped texts and targets. One transaction.

    Returns {"department"|"category"|"item": {"created", "updated", "kept"}}."""
    counts = {key: {"created": 0, "updated": 0, "kept": 0}
              for key in ("department", "category", "item")}
    with transaction.atomic():
        departments = {d.code: _upsert(Department, d.code, _department_fields(d), update,
                                       counts["department"]) for d in DEPARTMENTS}
        categories = {c.code: _upsert(ServiceCategory, c.code, _category_fields(c, n * 10),
                                      update, counts["category"])
                      for n, c in enumerate(CATEGORIES, start=1)}
        order: dict[str, int] = {}
        for item in ITEMS:
            order[item.category] = order.get(item.category, 0) + 10
            _upsert(ServiceItem, item.code,
                    _item_fields(item, order[item.category], categories, departments),
                    update, counts["item"])
    return counts


def fill_demo_contacts() -> int:
    """Invented phone numbers and example.org addresses for departments that
    have none, so the demo's referral screens have something to show. Only for
    the demo: a real station enters its own."""
    changed = 0
    for n, dept in enumerate(Department.objects.order_by("code"), start=1):
        fields = []
        if not dept.phone:
            dept.phone = f"0512-5555{n:04d}"
            fields.append("phone")
        if not dept.email:
            dept.email = f"{dept.code}@example.org"
            fields.append("email")
        if fields:
            dept.save(update_fields=fields)
            changed += 1
    return changed
