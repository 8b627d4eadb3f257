"""A year of invented service-desk cases for each demo community.

Called by the registry demo loader after a community's registry rows are
written, with the generator's batch (households, people, circumstances,
consents) still in memory. Everything is drawn from a ``random.Random`` seeded
with the demo seed and the community's index; times are counted back from the
start of the demo's ``today``, so the same seed on the same day gives the same
cases. Public tokens and reply-link nonces are random (they open pages), and
callers' phone ciphertexts differ between loads like the registry's.

Each case is first planned as a whole life (received, acknowledged, worked,
perhaps waiting on the resident or a department, resolved, the follow-up
call); the plan is then cut at ``now``: what lies after it has not happened
yet, which leaves recent cases spread over the open statuses. Referrals go
only to a department the requester has consented to in writing (a consent is
recorded at the desk when they agree); the demo never uses the head's override.

Rows are written in bulk with explicit primary keys (COPY on PostgreSQL).
"""

from __future__ import annotations

import itertools
import json
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from jiayuan.core.crypto import decrypt, encrypt, lookup_hash
from jiayuan.desk import timeline
from jiayuan.desk.choices import (
    COUNTED_OUTCOMES,
    Channel,
    EventKind,
    Outcome,
    Priority,
    ReferralStatus,
    Status,
)
from jiayuan.desk.models import (
    Case,
    CaseDocument,
    CaseEvent,
    DigestLog,
    FollowUp,
    RefCounter,
    Referral,
    Reminder,
    ServiceItem,
)
from jiayuan.desk.selectors import repeat_threshold
from jiayuan.desk.services import targets
from jiayuan.lib.phone import mask_phone
from jiayuan.registry.choices import ConsentPurpose, ConsentStatus
from jiayuan.registry.demo import names as N
from jiayuan.registry.demo.generator import MOBILE_PREFIXES, REFERENCE_DATE, age_on
from jiayuan.registry.models import Consent

S, E = Status, EventKind
CASES_PER_HOUSEHOLD = 1.8  # a year's requests per household (about 2,700 per station)
DAYS = 365
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# The station's working day: work (as opposed to requests) happens in it.
OPEN_S, CLOSE_S = 8 * 3600, 18 * 3600
WORK_DAY = CLOSE_S - OPEN_S

# --- what residents ask for ---------------------------------------------------


@dataclass(frozen=True)
class Profile:
    weight: float
    audience: str
    outcome: str
    months: tuple[int, ...] = ()  # busier in these months (x3)
    quantity: tuple[int, int] = (1, 1)


PROFILES: dict[str, Profile] = {
    "job-matching": Profile(6, "jobless", Outcome.JOB, (2, 3)),
    "skills-training": Profile(3, "worker", Outcome.ANSWERED, (3, 9)),
    "unemployment-registration": Profile(2, "jobless", Outcome.CERTIFICATE),
    "flexible-insurance": Profile(3, "worker", Outcome.SOCIAL_SECURITY),
    "wage-arrears": Profile(2, "worker", Outcome.MEDIATED, (12, 1)),
    "business-licence": Profile(2, "shopkeeper", Outcome.CERTIFICATE),
    "activity-signup": Profile(5, "adult", Outcome.ANSWERED, (5, 10)),
    "room-booking": Profile(3, "adult", Outcome.ANSWERED),
    "festival-event": Profile(1.5, "minority", Outcome.ANSWERED, (3, 4, 6)),
    "after-school-place": Profile(2, "parent_primary", Outcome.ANSWERED, (2, 9)),
    "family-doctor": Profile(4, "elder", Outcome.REFERRED),
    "elderly-checkup": Profile(4, "elder", Outcome.REFERRED, (4, 5)),
    "home-care-assessment": Profile(1.5, "old", Outcome.REFERRED),
    "specialist-referral": Profile(2, "ill", Outcome.REFERRED),
    "counselling": Profile(1, "adult", Outcome.REFERRED),
    "disability-card": Profile(1, "disabled", Outcome.CERTIFICATE),
    "legal-advice": Profile(5, "adult", Outcome.ANSWERED),
    "legal-aid-application": Profile(1, "low_income", Outcome.REFERRED),
    "labour-dispute": Profile(2, "worker", Outcome.MEDIATED),
    "temporary-assistance": Profile(2, "low_income", Outcome.SUBSIDY),
    "emergency-supplies": Profile(1, "low_income", Outcome.SUBSIDY, (1, 2)),
    "hardship-repair": Profile(2, "old", Outcome.REFERRED),
    "charity-grant": Profile(1, "low_income", Outcome.SUBSIDY, (8, 9)),
    "interpreting": Profile(2, "language", Outcome.ANSWERED),
    "document-help": Profile(2, "language", Outcome.CERTIFICATE),
    "halal-food-info": Profile(0.7, "muslim", Outcome.ANSWERED),
    "hometown-liaison": Profile(1, "minority_newcomer", Outcome.CERTIFICATE),
    "policy-consultation": Profile(9, "adult", Outcome.ANSWERED),
    "points-scheme": Profile(3, "newcomer", Outcome.ANSWERED, (3, 4, 5)),
    "elderly-allowance": Profile(2, "old", Outcome.SUBSIDY),
    "dibao-application": Profile(1.5, "low_income", Outcome.SUBSIDY),
    "dibao-review": Profile(1.5, "dibao", Outcome.ANSWERED, (6, 7)),
    "extreme-poverty": Profile(0.3, "old", Outcome.SUBSIDY),
    "public-rental": Profile(2, "newcomer", Outcome.HOUSING),
    "rent-subsidy": Profile(1.5, "low_income", Outcome.SUBSIDY),
    "insurance-enrolment": Profile(5, "adult", Outcome.SOCIAL_SECURITY, (9, 10, 11, 12),
                                   (1, 4)),
    "medical-claims": Profile(4, "ill", Outcome.SUBSIDY),
    "serious-illness-aid": Profile(1, "ill", Outcome.SUBSIDY),
    "veterans-benefits": Profile(0.7, "veteran", Outcome.SUBSIDY),
    "veterans-visit": Profile(0.7, "veteran", Outcome.ANSWERED, (1, 8)),
    "neighbour-dispute": Profile(4, "adult", Outcome.MEDIATED, (7, 8)),
    "family-dispute": Profile(1.5, "adult", Outcome.MEDIATED, (1, 2)),
    "tenancy-dispute": Profile(2, "newcomer", Outcome.MEDIATED, (6, 7)),
    "shop-dispute": Profile(1, "shopkeeper", Outcome.MEDIATED, (6, 7, 8)),
    "school-place": Profile(5, "parent_school", Outcome.SCHOOL_PLACE, (4, 5, 6, 7, 8),
                            (1, 2)),
    "kindergarten-place": Profile(3, "parent_small", Outcome.SCHOOL_PLACE, (4, 5, 6, 7)),
    "student-aid": Profile(2, "parent_school_low", Outcome.SUBSIDY, (9, 10)),
    "residence-permit": Profile(8, "newcomer", Outcome.CERTIFICATE),
    "permit-renewal": Profile(7, "permit", Outcome.CERTIFICATE),
    "residence-registration": Profile(5, "newcomer", Outcome.CERTIFICATE, (2, 3)),
    "hukou-registration": Profile(2, "registered", Outcome.CERTIFICATE),
}

# Short Chinese summaries as a worker writes them. {kid}: 儿子/女儿,
# {lang}: the requester's language, {m}: a month.
SUMMARIES: dict[str, tuple[str, ...]] = {
    "job-matching": ("工厂裁员后待业，希望找附近的普工岗位", "想找白班工作，方便接送孩子",
                     "会开叉车，求职仓储物流岗位", "想找餐饮后厨工作"),
    "skills-training": ("想报名育婴员培训", "咨询电工证培训和补贴", "报名中式面点师培训"),
    "unemployment-registration": ("合同到期未续签，办理失业登记", "公司搬迁离职，申请失业登记"),
    "flexible-insurance": ("外卖骑手，想自己交养老和医疗保险", "个体经营，咨询灵活就业参保"),
    "wage-arrears": ("工地拖欠三个月工资，求助", "原工厂离职后工资一直未结清",
                     "装修队老板拖欠工钱，联系不上"),
    "business-licence": ("拉面店想办理食品经营许可证", "水果摊想办个体工商户执照",
                         "营业执照年报不会操作"),
    "activity-signup": ("报名社区广场舞队", "报名邻里文化节合唱节目", "想参加太极拳班",
                        "报名社区乒乓球比赛"),
    "room-booking": ("预约民生会客厅开楼道议事会", "预约活动室给老人过集体生日",
                     "书法兴趣小组每周借用活动室"),
    "festival-event": ("开斋节想在社区办一次邻里聚餐", "秋夕节朝鲜族家庭联谊，借场地",
                       "藏历新年联欢，需要场地和音响"),
    "after-school-place": ("{kid}上二年级，父母都上班，报名四点半课堂",
                           "放学后无人接，想报名四点半课堂"),
    "family-doctor": ("老人有高血压，想签约家庭医生", "糖尿病患者续签家庭医生"),
    "elderly-checkup": ("预约今年的老年人免费体检", "老人腿脚不便，体检需要陪同"),
    "home-care-assessment": ("老人卧床，申请上门护理评估", "独居老人行动不便，需要助餐助洁"),
    "specialist-referral": ("需预约心内科专家门诊", "老人眼睛看不清，想约眼科检查",
                            "术后复查，需协助预约"),
    "counselling": ("家人去世后情绪低落，需要心理疏导", "孩子厌学，家长寻求心理咨询"),
    "disability-card": ("残疾人证到期换领", "申请助听器", "申请轮椅和残疾人补贴"),
    "legal-advice": ("借钱给老乡不还，咨询如何起诉", "离婚财产分割咨询",
                     "网购被骗，咨询如何维权", "房东不退押金，咨询法律途径"),
    "legal-aid-application": ("工伤赔偿案件申请法律援助", "低保户追索抚养费，申请法律援助"),
    "labour-dispute": ("在厂里受伤，老板不认工伤", "被辞退没有补偿，咨询劳动仲裁",
                       "公司未缴社保，咨询怎么办"),
    "temporary-assistance": ("家中主要劳动力住院，生活困难", "突发火灾，家中物品受损",
                             "丈夫车祸住院，申请临时救助"),
    "emergency-supplies": ("刚来本地找工作，身上没钱吃饭", "家中断粮，需要急难物资"),
    "hardship-repair": ("独居老人家中水管漏水", "困难家庭门锁坏了无法锁门",
                        "老人家里电路老化跳闸"),
    "charity-grant": ("孩子考上大学，学费有困难", "老人做手术，自费部分负担不起"),
    "interpreting": ("老人只会说{lang}，去医院看病需要翻译", "办居住证需要{lang}翻译陪同",
                     "孩子学校家长会需要{lang}翻译"),
    "document-help": ("看不懂社保通知，需要帮忙填表", "居住证申请表不会填，主要使用{lang}",
                      "帮忙看懂医院的缴费单和报告"),
    "halal-food-info": ("准备开清真拉面店，咨询需要办哪些手续", "咨询清真食品标识的规定"),
    "hometown-liaison": ("需要老家开具婚育证明", "孩子入学需要原籍户籍证明",
                         "需要开无犯罪记录证明，老家较远"),
    "policy-consultation": ("咨询养老保险转移接续", "咨询生育津贴怎么领",
                            "咨询新能源车充电桩安装政策", "咨询公积金提取"),
    "points-scheme": ("咨询积分入学需要多少分", "积分不够，咨询怎么加分", "咨询积分落户条件"),
    "elderly-allowance": ("老人满80岁，申请高龄津贴", "困难老人申请养老服务补贴"),
    "dibao-application": ("丈夫患病无法工作，申请低保", "离婚后独自带孩子，收入低，申请低保"),
    "dibao-review": ("低保年审", "家里孩子工作了，申报收入变化", "低保户家庭人口变化申报"),
    "extreme-poverty": ("孤寡老人无人赡养，申请特困供养",),
    "public-rental": ("在本地工作五年，申请公租房", "一家五口住一间房，申请公租房"),
    "rent-subsidy": ("低保家庭申请租赁补贴", "租房开支太大，咨询廉租房补贴"),
    "insurance-enrolment": ("为全家办理明年的居民医保", "孩子出生后办理医保参保",
                            "老人医保断缴，咨询补缴"),
    "medical-claims": ("在老家住院的费用报销", "办理异地就医备案", "门诊慢病费用报销"),
    "serious-illness-aid": ("孩子白血病治疗，申请大病救助", "透析费用负担重，申请医疗救助"),
    "veterans-benefits": ("优抚对象年审", "退役军人申请优待证", "烈属抚恤金信息变更"),
    "veterans-visit": ("老兵生日，安排走访慰问", "八一前走访退役军人家庭"),
    "neighbour-dispute": ("楼上漏水到楼下，双方协商不成", "邻居装修噪音太大",
                          "楼道堆放杂物引发争吵", "邻居养狗夜里吠叫"),
    "family-dispute": ("兄弟之间为赡养老人发生矛盾", "婆媳矛盾，请社区调解"),
    "tenancy-dispute": ("房东提前收房，不退押金", "合租室友拖欠水电费", "租房漏水，房东不修"),
    "shop-dispute": ("烧烤摊油烟影响楼上住户", "店门口占道经营引发投诉"),
    "school-place": ("{kid}明年上小学，办理随迁子女入学", "{kid}小升初，咨询学位",
                     "积分不够，{kid}入学有困难"),
    "kindergarten-place": ("{kid}三岁，申请公办幼儿园", "普惠幼儿园入园报名"),
    "student-aid": ("低保家庭孩子申请学生资助", "家庭困难，申请高中助学金"),
    "residence-permit": ("刚满半年，申请办理居住证", "办理居住证，需要租房合同备案",
                         "孩子入学需要居住证，申请办理"),
    "permit-renewal": ("居住证签注", "居住证快到期，办理签注", "居住证过期，咨询怎么补办"),
    "residence-registration": ("新搬来，办理居住登记", "合租新室友办理居住登记"),
    "hukou-registration": ("新生儿落户", "结婚后户口迁入", "大学毕业户口迁回"),
}

DETAILS = ("居民希望下午联系。", "居民白天上班，晚上七点后方便接电话。",
           "已告知所需材料，居民下次带齐。", "居民第一次来站，已登记联系方式。")
LANGUAGE_NAMES = {"ug": "维吾尔语", "bo": "藏语", "ko": "朝鲜语", "mn": "蒙古语",
                  "ii": "彝语", "za": "壮语", "sgn": "手语"}

NOTES = ("已电话告知居民所需材料", "居民到站补交了材料", "已将材料整理上报",
         "与居民约定下周二再来站里", "已在系统中查询办理进度", "居民来电询问进度，已解释")
CALLS = ("电话联系居民，告知办理进度", "电话回访居民，确认材料已收到",
         "电话联系承办窗口，确认受理情况", "居民电话咨询进度，已答复")
ONSITE = {
    "dibao": ("入户核查家庭收入和财产情况", "上门核实家庭人口和居住情况"),
    "mediation": ("到现场查看情况，双方均在场", "上门分别听取双方意见"),
    "hardship": ("上门查看，需更换水管阀门", "送去米面油，了解家庭近况"),
    "health": ("上门评估老人日常生活能力", "入户了解老人起居和用药情况"),
    "special-care": ("上门走访，老人身体尚好", "入户慰问，送去慰问品"),
}
ONSITE_DEFAULT = ("上门走访，了解实际情况",)
WAIT_RESIDENT = ("缺少{doc}，请居民补交", "需居民本人到场签字", "等居民确认时间")
WAIT_DEPARTMENT = ("已电话咨询{dept}，等待答复", "材料已报{dept}审核")
NO_CONSENT = "居民不同意转介个人信息，仅电话向{dept}咨询政策"
RESUME_CALL = "{dept}电话答复：材料齐全，可以办理"
REFERRAL_MESSAGE = ("请协助办理：{summary}", "居民申请{item}，材料已初审，请审核。",
                    "{summary}，请协助核实并答复。")
ANSWERS = {
    "government": ("已受理，材料齐全，预计两周内办结。", "经审核符合条件，已录入系统，请居民按短信通知办理。",
                   "已安排专人联系居民，请社区协助通知补充材料。", "已办结，结果已告知居民本人。"),
    "partner": ("已与居民取得联系，本周内上门。", "已安排服务，居民已确认时间。",
                "已接收，志愿者将于周末跟进。"),
}
ANSWERER_TITLES = ("老师", "科员", "经理", "女士", "先生")
WITHDRAW_REFERRAL = "居民已自行到窗口办理"
OUTCOME_NOTES = {
    Outcome.NOT_HELPED: ("不符合申请条件，已解释政策并告知其他途径", "居民未提供所需材料，多次联系未果",
                         "居民已搬离本社区"),
    Outcome.ANSWERED: ("已一次性告知政策和办理流程", "已解答，居民表示清楚了", ""),
    Outcome.MEDIATED: ("双方达成口头协议", "签订调解协议书", "双方各让一步，问题解决"),
    Outcome.REFERRED: ("已由合作机构跟进服务", "已对接服务，居民满意", ""),
}
FOLLOW_UP_COMMENTS = ("办得很快，谢谢社区", "工作人员很耐心", "希望周末也能办理",
                      "还需要再跑一趟，有点麻烦", "翻译帮了大忙", "")
WITHDRAWN_NOTES = ("居民表示问题已自行解决，撤回申请", "居民已搬离本社区，撤回申请")

CHANNELS = ((Channel.WALK_IN, 46), (Channel.HOTLINE, 20), (Channel.HOME_VISIT, 12),
            (Channel.PORTAL, 10), (Channel.MEETING, 7), (Channel.DEPARTMENT, 5),
            (Channel.VOLUNTEER, 3))  # an information officer's report (信息员)
WEEKDAY_WEIGHT = (1.0, 1.0, 1.0, 1.0, 1.0, 0.45, 0.2)
MINORITY_LANGUAGES = frozenset(LANGUAGE_NAMES)
REFER_ROLES = ("head", "caseworker")
COVER_ATTEMPTS = 25  # draws of a case forced into a status before giving up


# --- shared state of one load ---------------------------------------------------

@dataclass
class DeskContext:
    seed: int
    today: date
    now: datetime  # start of `today`: every demo case happened before it
    items: dict[str, ServiceItem]
    staff: dict[str, Any]  # username -> User
    grid_workers: dict[int, str]  # grid pk -> username of its grid worker
    consent_id: Callable[[], int]
    recorder_id: int
    # month -> (item codes, cumulative weights): busy seasons weigh three times
    item_weights: dict[int, tuple[list[str], list[float]]] = field(default_factory=dict)
    next_id: dict[str, int] = field(default_factory=dict)
    refs: dict[tuple[str, int], int] = field(default_factory=dict)

    def take(self, key: str) -> int:
        value = self.next_id[key]
        self.next_id[key] = value + 1
        return value


def make_context(*, seed: int, today: date, staff: dict[str, Any], station_grids: list,
                 consent_id: Callable[[], int]) -> DeskContext:
    """Load the catalogue (missing rows only) and set up one demo load."""
    from jiayuan.desk.demo.catalogue import fill_demo_contacts, load_catalogue

    load_catalogue()
    fill_demo_contacts()
    items = {i.code: i for i in ServiceItem.objects.filter(active=True)
             .select_related("department", "category")}
    codes = [code for code in PROFILES if code in items]
    item_weights = {}
    for month in range(1, 13):
        weights = [PROFILES[c].weight * (3 if month in PROFILES[c].months else 1)
                   for c in codes]
        item_weights[month] = (codes, list(itertools.accumulate(weights)))
    grid_workers = {}
    from jiayuan.registry.demo.names import STAFF

    for username, _role, _s, _g, grid_index in STAFF:
        if grid_index is not None and grid_index < len(station_grids):
            grid_workers[station_grids[grid_index].pk] = username
    next_id = {key: (model._base_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
               for key, model in (("case", Case), ("event", CaseEvent),
                                  ("follow_up", FollowUp), ("referral", Referral))}
    refs = {(prefix, year): last for prefix, year, last in
            RefCounter.objects.values_list("prefix", "year", "last")}
    return DeskContext(seed=seed, today=today,
                       now=_aware(datetime.combine(today, time())),
                       items=items, item_weights=item_weights, staff=staff,
                       grid_workers=grid_workers,
                       consent_id=consent_id, recorder_id=staff["caseworker"].pk,
                       next_id=next_id, refs=refs)


# --- working time ------------------------------------------------------------------
# Station time (settings.TIME_ZONE) without django.utils.timezone's per-call
# look-up of the active time zone: a district load converts millions of times.

def _local(t: datetime) -> datetime:
    return t.astimezone(timezone.get_default_timezone())


def _aware(local: datetime) -> datetime:
    """A naive station-time datetime as an aware UTC one."""
    return local.replace(tzinfo=timezone.get_default_timezone()).astimezone(UTC)


def _clip(t: datetime) -> datetime:
    """`t`, or the next opening of the station if it is outside working hours."""
    local = _local(t)
    sod = local.hour * 3600 + local.minute * 60 + local.second
    if sod < OPEN_S:
        t += timedelta(seconds=OPEN_S - sod)
    elif sod >= CLOSE_S:
        t += timedelta(seconds=86400 - sod + OPEN_S)
    return t.replace(microsecond=0)


def _work_offset(t: datetime) -> tuple[date, int]:
    local = _local(t)
    return local.date(), local.hour * 3600 + local.minute * 60 + local.second - OPEN_S


def _work_between(a: datetime, b: datetime) -> int:
    """Working seconds from `a` to `b` (both within working hours)."""
    (da, sa), (db, sb) = _work_offset(a), _work_offset(b)
    return (db - da).days * WORK_DAY + sb - sa


def _work_add(a: datetime, seconds: float) -> datetime:
    """`seconds` of working time after `a` (within working hours)."""
    da, sa = _work_offset(a)
    days, rem = divmod(int(sa + seconds), WORK_DAY)
    local = datetime.combine(da + timedelta(days=days), time()) + timedelta(seconds=OPEN_S + rem)
    return _aware(local)


# --- who may ask for what -----------------------------------------------------------

def _pools(batch: Any) -> dict[str, list[Any]]:
    """Requesters by audience: living members of households still here."""
    circumstances: dict[int, set[str]] = {}
    personal: dict[int, set[str]] = {}
    for c in batch.circumstances:
        if c.ended is None:
            circumstances.setdefault(c.household_id, set()).add(c.kind)
            if c.person_id:
                personal.setdefault(c.person_id, set()).add(c.kind)
    shop_owners = {b.owner_id for b in batch.businesses if b.owner_id}
    pools: dict[str, list[Any]] = {}

    def add(key: str, person: Any) -> None:
        pools.setdefault(key, []).append(person)

    for household in batch.households:
        if household.moved_out:
            continue
        people = [p for p in household.members_list if p.left_on is None]
        ages = [age_on(p.birth_date, REFERENCE_DATE) for p in people]
        kinds = circumstances.get(household.pk, set())
        kids = [a for a in ages if a < 16]
        family_languages = {lang for p in people for lang in p.languages}
        low = bool(kinds & {"hardship", "minimum_income"})
        for person, age in zip(people, ages, strict=True):
            if age < 19:
                continue
            group = person.member.group.key
            add("adult", person)
            if age < 60:
                add("worker", person)
                if person.occupation in ("待业", "无业") or "unemployed" in kinds:
                    add("jobless", person)
            if age >= 60:
                add("elder", person)
            if age >= 75 or "elderly_alone" in kinds:
                add("old", person)
            if any(6 <= k <= 15 for k in kids) and age < 60:
                add("parent_school", person)
                if low:
                    add("parent_school_low", person)
            if any(6 <= k <= 11 for k in kids) and age < 60:
                add("parent_primary", person)
            if any(2 <= k <= 5 for k in kids) and age < 60:
                add("parent_small", person)
            if household.residency != "registered":
                add("newcomer", person)
                if group != "han":
                    add("minority_newcomer", person)
            else:
                add("registered", person)
            if person.permit_number:
                add("permit", person)
            if low:
                add("low_income", person)
            if "minimum_income" in kinds:
                add("dibao", person)
            if "disability" in personal.get(person.pk, set()) or "disability" in kinds:
                add("disabled", person)
            if "serious_illness" in kinds or age >= 70:
                add("ill", person)
            if "special_care" in kinds:
                add("veteran", person)
            if group != "han":
                add("minority", person)
            if group in ("hui", "uyghur"):
                add("muslim", person)
            if family_languages & MINORITY_LANGUAGES and (
                    age >= 50 or set(person.languages) & MINORITY_LANGUAGES):
                add("language", person)
            if person.pk in shop_owners:
                add("shopkeeper", person)
    return pools


FALLBACK = {"jobless": "worker", "old": "elder", "parent_school_low": "parent_school",
            "parent_primary": "parent_school", "parent_small": "parent_school",
            "minority_newcomer": "minority", "dibao": "low_income", "disabled": "elder",
            "veteran": "elder", "language": "minority", "muslim": "minority",
            "shopkeeper": "worker", "permit": "newcomer", "ill": "elder",
            "low_income": "adult", "parent_school": "adult", "minority": "adult",
            "newcomer": "adult", "registered": "adult", "worker": "adult", "elder": "adult"}


# --- one planned case ----------------------------------------------------------------

@dataclass
class Ev:
    at: datetime
    kind: str
    actor: int | None = None
    actor_name: str = ""
    from_status: str = ""
    to_status: str = ""
    text: str = ""
    public: bool = False
    # A system line: rendered in the reader's language (jiayuan.desk.timeline).
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class RefPlan:
    department: Any
    sent: datetime
    sent_by: int
    message: str
    acknowledged: datetime | None
    ended: datetime | None
    withdrawn: bool
    answer: str
    answered_by: str
    consent_id: int | None = None


@dataclass
class Plan:
    opened: datetime
    channel: str
    item: ServiceItem
    person: Any = None
    household_id: int | None = None
    grid_id: int | None = None
    caller_name: str = ""
    caller_phone: str = ""
    priority: str = Priority.NORMAL
    summary: str = ""
    details: str = ""
    owner: int | None = None
    owner_from: datetime | None = None  # owner assigned (None: from the start)
    created_by: int | None = None
    matched_at: datetime | None = None
    duplicate_of: Plan | None = None
    events: list[Ev] = field(default_factory=list)
    referrals: list[RefPlan] = field(default_factory=list)
    follow_ups: list[tuple[datetime, int, bool, int | None, str]] = field(default_factory=list)
    t_ack: datetime | None = None
    t_res: datetime | None = None
    t_close: datetime | None = None
    t_cancel: datetime | None = None
    t_onsite: datetime | None = None
    outcome: str = ""
    quantity: int | None = None
    outcome_note: str = ""
    response_due: datetime | None = None
    due: datetime | None = None
    id: int = 0
    ref: str = ""


class CommunityCases:
    def __init__(self, dctx: DeskContext, batch: Any, index: int) -> None:
        self.d = dctx
        self.batch = batch
        self.rng = random.Random(f"jiayuan-demo-desk/{dctx.seed}/{index}")
        self.community = batch.communities[0]
        self.pools = _pools(batch)
        self.households = {h.pk: h for h in batch.households}
        self.consents: dict[tuple[int, int | None], tuple[int, date]] = {}
        for c in batch.consents:
            if c.purpose == ConsentPurpose.REFERRAL and c.status == ConsentStatus.GIVEN:
                self.consents.setdefault((c.person_id, c.department_id), (c.pk, c.recorded_on))
        self.new_consents: list[Consent] = []
        self.plans: list[Plan] = []
        self.now = dctx.now
        self.is_station = bool(dctx.grid_workers) and index == 0
        self.names = {u: dctx.staff[u].display_name for u in dctx.staff}
        self.ids = {u: dctx.staff[u].pk for u in dctx.staff}
        self.roles = {dctx.staff[u].pk: dctx.staff[u].role for u in dctx.staff}

    # -- drawing ------------------------------------------------------------------
    def _opening_times(self, n: int) -> list[datetime]:
        rng, today = self.rng, self.d.today
        days = [today - timedelta(days=k) for k in range(DAYS, 0, -1)]
        weights = []
        for day in days:
            w = WEEKDAY_WEIGHT[day.weekday()]
            weights.append(w)
        chosen = rng.choices(days, weights, k=n)
        return sorted(self._on_day(day, 0) for day in chosen)

    def _on_day(self, day: date, seconds: int) -> datetime:
        local = datetime.combine(day, time()) + timedelta(seconds=seconds)
        return _aware(local)

    def _time_of_day(self, channel: str) -> int:
        rng = self.rng
        if channel == Channel.HOTLINE:
            hour = rng.choice((7, 8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 16, 17, 18, 19, 20, 21, 22))
        elif channel == Channel.PORTAL:
            hour = rng.choice((0, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 19, 20, 21, 21, 22, 23))
        elif channel == Channel.MEETING:
            hour = rng.choice((9, 10, 19, 19))
        else:
            hour = rng.choice((8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 16, 17))
        return hour * 3600 + rng.randrange(30 if hour == 8 else 0, 60) * 60

    def _item(self, opened: datetime) -> ServiceItem:
        codes, cumulative = self.d.item_weights[_local(opened).month]
        return self.d.items[self.rng.choices(codes, cum_weights=cumulative)[0]]

    def _requester(self, item: ServiceItem, opened: datetime) -> Any:
        audience = PROFILES[item.code].audience
        day = opened.date()
        while audience:
            pool = self.pools.get(audience)
            if pool:
                for _attempt in range(6):
                    person = self.rng.choice(pool)
                    if self.households[person.household_id].moved_in <= day:
                        return person
            audience = FALLBACK.get(audience, "")
        return None

    # -- staff ----------------------------------------------------------------------
    def _owner(self, item: ServiceItem, grid_id: int | None) -> int:
        rng = self.rng
        if item.category.code == "mediation" and rng.random() < 0.75:
            return self.ids["mediator"]
        worker = self.d.grid_workers.get(grid_id) if self.is_station else None
        if worker and rng.random() < 0.45:
            return self.ids[worker]
        return self.ids["caseworker"] if rng.random() < 0.75 else self.ids["head"]

    def _referrer(self, owner: int) -> int:
        return owner if self.roles.get(owner) in REFER_ROLES else self.ids["caseworker"]

    # -- planning ---------------------------------------------------------------------
    def plan_all(self) -> None:
        n = max(1, round(sum(1 for h in self.batch.households if not h.moved_out)
                         * CASES_PER_HOUSEHOLD))
        for opened in self._opening_times(n):
            channel = self.rng.choices([c for c, _w in CHANNELS], [w for _c, w in CHANNELS])[0]
            opened += timedelta(seconds=self._time_of_day(channel))
            if opened >= self.now:
                opened = self.now - timedelta(minutes=self.rng.randint(10, 600))
            self.plans.append(self._plan(opened, channel))
        self._cover()

    def _plan(self, opened: datetime, channel: str, *, force: str = "") -> Plan:
        rng = self.rng
        item, person, duplicate_of = None, None, None
        roll = rng.random()
        if force == S.CANCELLED or (not force and roll < 0.03):
            duplicate_of = self._original(opened, wide=force == S.CANCELLED)
        if duplicate_of is not None:
            item, person = duplicate_of.item, duplicate_of.person
            channel = Channel.PORTAL if duplicate_of.channel != Channel.PORTAL else Channel.HOTLINE
        elif not force and roll < 0.07:
            earlier = self._recent(opened, days=30)
            if earlier is not None:
                item, person = earlier.item, earlier.person
        if item is None:
            item = self._item(opened)
            while force == S.WAITING_DEPARTMENT and item.department is None:
                item = self._item(opened)
            person = self._requester(item, opened)
        plan = Plan(opened=opened, channel=channel, item=item, duplicate_of=duplicate_of)
        unmatched = person is None or (
            channel == Channel.PORTAL and rng.random() < 0.35) or (
            channel == Channel.HOTLINE and rng.random() < 0.08)
        if force == "unmatched":
            unmatched = True
        caller = None
        if unmatched and duplicate_of is None and rng.random() < 0.5:
            caller, person = person, None  # never matched: not registered, or no need to
        if unmatched:
            plan.caller_name = N.surname(rng, "han") + rng.choice(("先生", "女士"))
            plan.caller_phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"
            # A third of them are residents after all, calling from the phone on their
            # file, and so is the new portal request the queue always shows: triage
            # offers them by that number. No random draw: the seeded year stays.
            resident = (caller or person) if force == "unmatched" else (
                caller if caller is not None and caller.pk % 3 == 0 else None)
            if resident is not None and resident.phone_enc:
                plan.caller_name = resident.name
                plan.caller_phone = decrypt(resident.phone_enc)
        if person is not None:
            plan.person = person
            plan.household_id, plan.grid_id = person.household_id, person.grid_id
            if unmatched:
                plan.caller_name = person.name
        plan.priority = Priority.URGENT if rng.random() < (
            0.3 if item.category.code in ("hardship", "health") else 0.05) else Priority.NORMAL
        plan.summary = (duplicate_of.summary if duplicate_of else self._summary(item, person))
        if rng.random() < 0.15:
            plan.details = rng.choice(DETAILS)
        if person is not None and (set(person.languages) & MINORITY_LANGUAGES) and \
                "zh" not in person.languages:
            plan.details = (plan.details + " 居民主要使用"
                            f"{self._language(person)}，需翻译陪同。").strip()
        plan.response_due, plan.due = targets(item, plan.priority, opened)
        self._life(plan, force=force)
        return plan

    def _language(self, person: Any) -> str:
        for code in person.languages:
            if code in LANGUAGE_NAMES:
                return LANGUAGE_NAMES[code]
        return "少数民族语言"

    def _summary(self, item: ServiceItem, person: Any) -> str:
        template = self.rng.choice(SUMMARIES.get(item.code) or (str(item.name_zh_hans),))
        lang = self._language(person) if person is not None else "维吾尔语"
        return template.format(kid=self.rng.choice(("儿子", "女儿", "孩子")), lang=lang)[:200]

    def _original(self, opened: datetime, wide: bool = False) -> Plan | None:
        """A recent case still open, that a second request repeats (`wide`: any
        earlier case that is not cancelled)."""
        for plan in reversed(self.plans if wide else self.plans[-60:]):
            if opened - plan.opened > 10 * DAY and not wide:
                break
            if (plan.duplicate_of is None and plan.person is not None
                    and plan.t_cancel is None and plan.opened < opened
                    and (wide or plan.t_res is None or plan.t_res > opened)):
                return plan
        return None

    def _recent(self, opened: datetime, days: int) -> Plan | None:
        candidates = [p for p in self.plans[-80:] if p.person is not None
                      and timedelta(0) < opened - p.opened < days * DAY]
        return self.rng.choice(candidates) if candidates else None

    def _work_time(self, after: datetime, hours: float) -> datetime:
        """`hours` after `after`, moved into the station's opening hours."""
        return _clip(after + timedelta(seconds=int(hours * 3600)))

    def _life(self, plan: Plan, *, force: str) -> None:
        """The case's whole planned life, from intake to the follow-up call."""
        rng = self.rng
        item, opened = plan.item, plan.opened
        dept = item.department
        events = plan.events
        owner = self._owner(item, plan.grid_id)
        receiver = owner
        if plan.channel == Channel.PORTAL:
            receiver = None
        elif plan.channel == Channel.HOTLINE and rng.random() < 0.5:
            receiver = self.ids["caseworker"]
        elif plan.channel == Channel.MEETING:
            receiver = self.ids["head"]
        plan.created_by = receiver
        events.append(Ev(opened, E.CREATED, receiver, public=True, code="received",
                         params={"item": timeline.names(item),
                                 **({} if receiver else {"by": timeline.PORTAL})}))
        plan.owner = owner
        assign_later = receiver is None or (plan.channel == Channel.HOTLINE
                                            and rng.random() < 0.3)

        span_h = (plan.response_due - opened).total_seconds() / 3600
        if force == S.NEW:
            ack = self.now - opened + timedelta(hours=rng.uniform(1, 4))
        elif plan.channel in (Channel.WALK_IN, Channel.HOME_VISIT) and rng.random() < 0.75:
            ack = timedelta(minutes=rng.randint(3, 50))
        elif rng.random() < 0.06:
            ack = timedelta(hours=span_h * rng.uniform(1.1, 3.0))
        else:
            ack = timedelta(hours=span_h * rng.uniform(0.05, 0.9))
        t_ack = (opened + ack).replace(microsecond=0)
        if plan.priority != Priority.URGENT and force != S.NEW:
            t_ack = _clip(t_ack)  # the 24-hour hotline takes urgent requests at night
        if force and force != S.NEW and t_ack >= self.now:
            # A case shown in an open status was taken on before the demo's today,
            # whatever weekday or hour that is (the draw above may fall after it).
            quick = _clip(opened + timedelta(minutes=rng.randint(3, 50)))
            t_ack = quick if quick < self.now else (opened + (self.now - opened) / 2
                                                    ).replace(microsecond=0)
        if assign_later:  # triage: someone takes the request on
            plan.owner_from = t_ack
            events.append(Ev(t_ack, E.ASSIGNED, self.ids["caseworker"], code="owner",
                             params={"name": self._name(owner)}))
        if plan.person is not None and plan.caller_name:
            plan.matched_at = t_ack
            events.append(Ev(t_ack, E.MATCHED, self.ids["caseworker"], text=plan.person.name))

        if plan.duplicate_of is not None:
            plan.t_cancel = t_ack
            events.append(Ev(t_ack, E.STATUS, owner, from_status=S.NEW, to_status=S.CANCELLED,
                             public=True, code="duplicate"))  # ref filled in when known
            return
        if force == S.CANCELLED or (not force and rng.random() < 0.015):
            plan.t_cancel = t_ack + timedelta(days=rng.uniform(0.2, 3))
            plan.t_ack = t_ack
            events.append(Ev(t_ack, E.STATUS, owner, from_status=S.NEW,
                             to_status=S.ACKNOWLEDGED, public=True))
            events.append(Ev(plan.t_cancel, E.STATUS, owner, from_status=S.ACKNOWLEDGED,
                             to_status=S.CANCELLED, public=True,
                             text=rng.choice(WITHDRAWN_NOTES)))
            return

        plan.t_ack = t_ack
        status = S.NEW
        two_step = force == S.ACKNOWLEDGED or (not force and plan.channel != Channel.WALK_IN
                                               and rng.random() < 0.55)
        if two_step:
            events.append(Ev(t_ack, E.STATUS, owner, from_status=S.NEW,
                             to_status=S.ACKNOWLEDGED, public=True))
            status = S.ACKNOWLEDGED
            if force == S.ACKNOWLEDGED:
                t_start = self.now + timedelta(hours=rng.uniform(2, 30))
            else:
                t_start = self._work_time(t_ack, rng.uniform(0.5, min(48, span_h + 20)))
        else:
            t_start = t_ack
        events.append(Ev(t_start, E.STATUS, owner, from_status=status,
                         to_status=S.IN_PROGRESS, public=True))

        days = (plan.due - opened).total_seconds() / 86400
        late = rng.random() < (0.14 if dept is not None and dept.kind == "government" else 0.08)
        if force in (S.IN_PROGRESS, S.WAITING_RESIDENT, S.WAITING_DEPARTMENT):
            t_res = self.now + timedelta(days=rng.uniform(2, 6))
        elif force == S.RESOLVED:
            t_res = self._on_day(self.d.today - DAY, 9 * 3600 + rng.randrange(8 * 3600))
        else:
            share = rng.uniform(1.05, 1.8) if late else rng.betavariate(2, 2.5) * 0.93 + 0.02
            t_res = opened + timedelta(days=days * share)
        base = _clip(t_start)
        t_res = _clip(max(t_res, base + HOUR))
        span = max(_work_between(base, t_res), 60)

        def at(frac: float) -> datetime:
            return _work_add(base, span * frac)

        if force in (S.WAITING_RESIDENT, S.WAITING_DEPARTMENT):
            now_frac = _work_between(base, _clip(self.now)) / span
            a = (max(0.01, now_frac - 0.05), min(0.99, now_frac + 0.1))
        else:
            a = (rng.uniform(0.05, 0.2), 0)
            a = (a[0], a[0] + rng.uniform(0.1, 0.25))
        b0 = (a[1] if force != S.WAITING_DEPARTMENT else a[0]) + rng.uniform(0.01, 0.05)
        b = (b0, min(0.95, b0 + rng.uniform(0.2, 0.5)))
        if force == S.WAITING_DEPARTMENT:
            b = a
        wants_resident = force == S.WAITING_RESIDENT or (not force and rng.random() < 0.14)
        wants_dept = force == S.WAITING_DEPARTMENT or (
            not force and dept is not None and b[0] < 0.9 and rng.random() < (
                0.25 if dept.kind == "government" else 0.15))
        needs_onsite = item.onsite_required
        middle: list[Ev] = []
        if needs_onsite:
            if plan.channel == Channel.HOME_VISIT:
                plan.t_onsite = opened + timedelta(minutes=rng.randint(1, 20))
            else:
                plan.t_onsite = at(rng.uniform(0.02, 0.5) if not wants_resident else a[0] / 2)
            middle.append(Ev(plan.t_onsite, E.ONSITE, self._onsite_actor(owner, plan.grid_id),
                             text=rng.choice(ONSITE.get(item.category.code, ONSITE_DEFAULT))))
        if wants_resident:
            docs = [line for line in item.documents_zh_hans.splitlines() if line.strip()]
            note = rng.choice(WAIT_RESIDENT).format(doc=rng.choice(docs) if docs else "材料")
            middle.append(Ev(at(a[0]), E.STATUS, owner, from_status=S.IN_PROGRESS,
                             to_status=S.WAITING_RESIDENT, public=True, text=note))
            middle.append(Ev(at(a[1]), E.STATUS, owner, from_status=S.WAITING_RESIDENT,
                             to_status=S.IN_PROGRESS, public=True))
        if wants_dept:
            middle.extend(self._department(plan, owner, at(b[0]), at(b[1]),
                                           force == S.WAITING_DEPARTMENT))
        for _n in range(rng.choice((0, 0, 1, 1, 1, 2, 3))):
            kind = E.CALL if rng.random() < 0.5 else E.NOTE
            middle.append(Ev(at(rng.uniform(0.01, 0.98)), kind, owner,
                             text=rng.choice(CALLS if kind == E.CALL else NOTES)))
        middle.sort(key=lambda e: e.at)
        events.extend(middle)

        profile = PROFILES.get(item.code)
        outcome = profile.outcome if profile else Outcome.ANSWERED
        if rng.random() < 0.04:
            outcome = Outcome.NOT_HELPED
        elif plan.referrals and outcome == Outcome.ANSWERED:
            outcome = Outcome.REFERRED
        plan.outcome = outcome
        if outcome in COUNTED_OUTCOMES and profile:
            low, high = profile.quantity
            plan.quantity = low if rng.random() < 0.85 else rng.randint(low, high)
        plan.outcome_note = rng.choice(OUTCOME_NOTES.get(outcome, ("",)))
        plan.t_res = t_res
        last = events[-1].at
        events.append(Ev(max(t_res, last), E.STATUS, owner, from_status=S.IN_PROGRESS,
                         to_status=S.RESOLVED, public=True, code="resolved",
                         params={"outcome": outcome, "quantity": plan.quantity,
                                 "note": plan.outcome_note}))
        plan.t_res = events[-1].at

        # The follow-up call(s).
        caller = owner
        t_fu = self._work_time(plan.t_res, rng.uniform(20, 140) if force != S.RESOLVED
                               else (self.now - plan.t_res).total_seconds() / 3600
                               + rng.uniform(4, 40))
        for attempt in range(1, settings.DESK_FOLLOWUP_ATTEMPTS + 1):
            reached = rng.random() < 0.85
            score = None
            comment = ""
            if reached:
                score = rng.choices((5, 4, 3, 2, 1), (62, 28, 7, 2, 1))[0]
                comment = rng.choice(FOLLOW_UP_COMMENTS) if rng.random() < 0.3 else ""
                code, params = "followup_reached", {"n": score}
            else:
                code, params = "followup_unreached", {
                    "n": attempt, "max": settings.DESK_FOLLOWUP_ATTEMPTS}
            plan.follow_ups.append((t_fu, caller, reached, score, comment))
            events.append(Ev(t_fu, E.FOLLOW_UP, caller, code=code,
                             params={**params, "comment": comment}))
            if reached or attempt == settings.DESK_FOLLOWUP_ATTEMPTS:
                plan.t_close = t_fu
                events.append(Ev(t_fu, E.STATUS, caller, from_status=S.RESOLVED,
                                 to_status=S.CLOSED, public=True,
                                 **({} if reached else {"code": "closed_unanswered",
                                                        "params": {"n": attempt}})))
                break
            t_fu = self._work_time(t_fu, rng.uniform(20, 60))

    def _onsite_actor(self, owner: int, grid_id: int | None) -> int:
        worker = self.d.grid_workers.get(grid_id) if self.is_station else None
        return self.ids[worker] if worker and self.rng.random() < 0.6 else owner

    def _name(self, user_id: int) -> str:
        for username, pk in self.ids.items():
            if pk == user_id:
                return self.names[username]
        return ""

    def _department(self, plan: Plan, owner: int, start: datetime, end: datetime,
                    forced: bool) -> list[Ev]:
        """Waiting on the item's department: a referral if the requester has
        consented (or consents now), otherwise a phone enquiry."""
        rng = self.rng
        dept = plan.item.department
        name = dept.name_zh_hans
        events: list[Ev] = []
        consent = None
        if plan.person is not None:
            known = self.consents.get((plan.person.pk, dept.pk))
            if known is not None and known[1] <= start.date():
                consent = known[0]
            elif known is None and (forced or rng.random() < 0.65):
                consent = self._new_consent(plan.person, dept.pk, start)
        if consent is None:
            text = (NO_CONSENT if plan.person is not None and rng.random() < 0.3
                    else rng.choice(WAIT_DEPARTMENT)).format(dept=name)
            events.append(Ev(start, E.STATUS, owner, from_status=S.IN_PROGRESS,
                             to_status=S.WAITING_DEPARTMENT, public=True, text=text))
            events.append(Ev(end, E.CALL, owner, text=RESUME_CALL.format(dept=name)))
            events.append(Ev(end, E.STATUS, owner, from_status=S.WAITING_DEPARTMENT,
                             to_status=S.IN_PROGRESS, public=True))
            return events
        sender = self._referrer(owner)
        acknowledged = None
        if rng.random() < 0.6:
            acknowledged = _clip(start + (end - start) * rng.uniform(0.05, 0.4))
            if acknowledged >= end:
                acknowledged = None
        withdrawn = not forced and rng.random() < 0.04
        answerer = N.surname(rng, "han") + rng.choice(ANSWERER_TITLES)
        ref = RefPlan(department=dept, sent=start, sent_by=sender,
                      message=rng.choice(REFERRAL_MESSAGE).format(
                          summary=plan.summary, item=plan.item.name_zh_hans),
                      acknowledged=acknowledged, ended=end, withdrawn=withdrawn,
                      answer="" if withdrawn else rng.choice(ANSWERS[dept.kind]),
                      answered_by="" if withdrawn else answerer, consent_id=consent)
        plan.referrals.append(ref)
        who = f"{name} · {answerer}"
        by = timeline.department_by(dept, answerer)
        events.append(Ev(start, E.REFERRAL, sender, public=True, code="referred",
                         params={"dept": timeline.names(dept)}))
        events.append(Ev(start, E.STATUS, sender, from_status=S.IN_PROGRESS,
                         to_status=S.WAITING_DEPARTMENT, public=True))
        if acknowledged is not None:
            events.append(Ev(acknowledged, E.REPLY, actor_name=name, public=True,
                             code="dept_acknowledged",
                             params={"by": timeline.department_by(dept, "")}))
        if withdrawn:
            events.append(Ev(end, E.REFERRAL, sender, code="referral_withdrawn", params={
                "dept": timeline.names(dept), "reason": WITHDRAW_REFERRAL}))
            events.append(Ev(end, E.STATUS, owner, from_status=S.WAITING_DEPARTMENT,
                             to_status=S.IN_PROGRESS, public=True))
        else:
            events.append(Ev(end, E.REPLY, actor_name=who, text=ref.answer,
                             params={"by": by}))
            events.append(Ev(end, E.STATUS, actor_name=who, from_status=S.WAITING_DEPARTMENT,
                             to_status=S.IN_PROGRESS, public=True, code="dept_answered",
                             params={"by": by}))
        return events

    def _new_consent(self, person: Any, department: int, when: datetime) -> int:
        on = _local(when).date()
        consent = Consent(
            pk=self.d.consent_id(), person_id=person.pk, purpose=ConsentPurpose.REFERRAL,
            department_id=department, status=ConsentStatus.GIVEN, recorded_on=on,
            recorded_by_id=self.d.recorder_id,
            evidence=f"转介同意书 {on.year}-{self.rng.randint(1, 999):04d} 号，本人签字")
        consent.demo_used = False
        self.new_consents.append(consent)
        self.consents[(person.pk, department)] = (consent.pk, on)
        return consent.pk

    # -- coverage --------------------------------------------------------------------
    def _cover(self) -> None:
        """However the draws fell, show a few cases in every open status (the
        queues a worker sees), and every status and channel at least once
        (the tiny scale has only about a hundred cases)."""
        rng = self.rng
        want = max(1, round(len(self.plans) / 450))
        counts: dict[str, int] = {}
        for plan in self.plans:
            status = self._status(plan)
            counts[status] = counts.get(status, 0) + 1
        extra = []
        days_ago = {S.NEW: (1, 2), S.ACKNOWLEDGED: (1, 2), S.IN_PROGRESS: (2, 8),
                    S.WAITING_RESIDENT: (3, 8), S.WAITING_DEPARTMENT: (3, 8),
                    S.RESOLVED: (3, 6), S.CANCELLED: (1, 3)}
        for status, (low, high) in days_ago.items():
            for n in range(want - counts.get(status, 0)):
                # A forced life can still miss its status on some days (an
                # acknowledgement or a resolution moved into the next opening
                # hours, past the demo's today): draw again until it shows.
                for _attempt in range(COVER_ATTEMPTS):
                    channel = (Channel.PORTAL if status == S.NEW and n == 0 else
                               rng.choice((Channel.WALK_IN, Channel.WALK_IN, Channel.HOTLINE,
                                           Channel.PORTAL)))
                    day = self.d.today - timedelta(days=rng.randint(low, high))
                    opened = self._on_day(day, self._time_of_day(channel))
                    if status == S.NEW and n == 0:
                        plan = self._forced_new(self._plan(opened, channel,
                                                           force="unmatched"))
                    else:
                        plan = self._plan(opened, channel, force=status)
                    if self._status(plan) == status:
                        break
                extra.append(plan)
        seen_channels = {p.channel for p in self.plans + extra}
        for channel, _w in CHANNELS:
            if channel not in seen_channels:
                day = self.d.today - timedelta(days=rng.randint(40, 300))
                extra.append(self._plan(self._on_day(day, self._time_of_day(channel)),
                                        channel))
        self.plans.extend(extra)
        self.plans.sort(key=lambda p: p.opened)

    def _forced_new(self, plan: Plan) -> Plan:
        """An unmatched portal request nobody has looked at yet."""
        plan.events = plan.events[:1]
        plan.t_ack = plan.t_res = plan.t_close = plan.t_onsite = plan.t_cancel = None
        plan.referrals, plan.follow_ups = [], []
        plan.owner, plan.owner_from, plan.matched_at = None, None, None
        plan.person, plan.household_id, plan.grid_id = None, None, None
        return plan

    def _status(self, plan: Plan) -> str:
        status = S.NEW
        for ev in plan.events:
            if ev.kind == E.STATUS and ev.at < self.now:
                status = ev.to_status
        return status

    # -- writing -------------------------------------------------------------------
    def rows(self) -> dict[str, list[tuple]]:
        d, now = self.d, self.now
        out: dict[str, list[tuple]] = {"case": [], "event": [], "follow_up": [],
                                       "referral": []}
        dt = _dt_adapter()
        code = self.community.code
        window = repeat_threshold(self.community.pk).days  # as services.case_create
        repeats: dict[tuple[int, int], list[Plan]] = {}
        used_consents: set[int] = set()
        for plan in self.plans:
            plan.id = d.take("case")
            year = _local(plan.opened).year
            d.refs[(code, year)] = d.refs.get((code, year), 0) + 1
            plan.ref = f"{code}-{year}-{d.refs[(code, year)]:05d}"
            events = [e for e in plan.events if e.at < now]
            status = S.NEW
            version = 1
            for ev in events:
                if ev.kind == E.STATUS:
                    status = ev.to_status
                    version += 1
                elif ev.kind in (E.MATCHED, E.ASSIGNED, E.REFERRAL):
                    version += 1
                if ev.code == "duplicate":
                    ev.params = {"ref": plan.duplicate_of.ref}

            def seen(value: datetime | None) -> datetime | None:
                return value if value is not None and value < now else None

            t_ack, t_res = seen(plan.t_ack), seen(plan.t_res)
            t_close, t_cancel, t_onsite = seen(plan.t_close), seen(plan.t_cancel), seen(plan.t_onsite)
            matched = plan.person is not None and (plan.matched_at is None
                                                   or plan.matched_at < now)
            person = plan.person if matched else None
            key = (plan.household_id, plan.item.pk) if person is not None else None
            is_repeat = False
            if key is not None:
                earlier = repeats.setdefault(key, [])
                since = plan.opened - timedelta(days=window)
                is_repeat = any(p.opened >= since and (p.t_cancel is None
                                                       or p.t_cancel > plan.opened)
                                for p in earlier)
                earlier.append(plan)
            first = t_ack or t_cancel
            end = t_res or t_cancel
            owner = plan.owner if plan.owner_from is None or plan.owner_from < now else None
            if not self.is_station:
                # Only the first community has demo staff. The others' cases stay
                # without an owner: otherwise, at district scale, the station's
                # caseworker would own most of the district's cases (129,000), which
                # no real caseworker does and which distorts every queue.
                owner = None
            resolved = t_res is not None
            phone = plan.caller_phone
            out["case"].append((
                plan.id, plan.ref, self.community.pk,
                plan.grid_id if person is not None else None,
                plan.household_id if person is not None else None,
                person.pk if person is not None else None,
                plan.caller_name,
                encrypt(phone) if phone else "", lookup_hash("phone", phone) if phone else "",
                mask_phone(phone) if phone else "",
                plan.channel, plan.item.pk, plan.summary, plan.details, plan.priority,
                plan.item.onsite_required, dt(t_onsite), owner, status,
                dt(plan.opened), dt(plan.response_due), dt(plan.due), dt(t_ack),
                dt(t_res), dt(t_close),
                min(first or now, now) > plan.response_due, min(end or now, now) > plan.due,
                is_repeat, plan.outcome if resolved else "",
                plan.quantity if resolved else None,
                plan.outcome_note if resolved else "",
                plan.duplicate_of.id if plan.duplicate_of is not None and t_cancel else None,
                secrets.token_urlsafe(16), "", version, plan.created_by,
                dt(events[-1].at)))
            for ev in events:
                out["event"].append((d.take("event"), plan.id, dt(ev.at), ev.actor,
                                     ev.actor_name, ev.kind, ev.from_status, ev.to_status,
                                     ev.text, ev.public, None, ev.code,
                                     json.dumps(ev.params, ensure_ascii=False)))
            for at, by, reached, score, comment in plan.follow_ups:
                if at < now:
                    out["follow_up"].append((d.take("follow_up"), plan.id, dt(at), by,
                                             reached, score, comment))
            for ref in plan.referrals:
                if ref.sent >= now:
                    continue
                ack = seen(ref.acknowledged)
                ended = seen(ref.ended)
                if ended and ref.withdrawn:
                    state = ReferralStatus.WITHDRAWN
                elif ended:
                    state = ReferralStatus.ANSWERED
                    ack = ack or ended
                elif ack:
                    state = ReferralStatus.ACKNOWLEDGED
                else:
                    state = ReferralStatus.SENT
                answered = state == ReferralStatus.ANSWERED
                used_consents.add(ref.consent_id)
                out["referral"].append((
                    d.take("referral"), plan.id, ref.department.pk, ref.consent_id, "",
                    ref.message, True, state, dt(ref.sent), ref.sent_by,
                    dt(ref.sent + timedelta(days=settings.DESK_REFERRAL_LINK_DAYS)),
                    secrets.token_urlsafe(16), dt(ack), dt(ended if answered else None),
                    ref.answer if answered else "", ref.answered_by if answered else ""))
        # Consents recorded at the desk for referrals that happened before today.
        self.new_consents = [c for c in self.new_consents if c.pk in used_consents]
        return out


# --- bulk writes -------------------------------------------------------------------

COLUMNS = {
    "case": (Case, ["id", "ref", "community_id", "grid_id", "household_id", "person_id",
                    "caller_name", "caller_phone_enc", "caller_phone_hash",
                    "caller_phone_mask", "channel", "item_id", "summary", "details",
                    "priority", "needs_onsite", "onsite_at", "owner_id", "status",
                    "opened_at", "response_due", "due", "acknowledged_at", "resolved_at",
                    "closed_at", "response_breached", "resolution_breached", "is_repeat",
                    "outcome", "outcome_quantity", "outcome_note", "duplicate_of_id",
                    "public_token", "portal_source", "version", "created_by_id",
                    "updated_at"]),
    "event": (CaseEvent, ["id", "case_id", "at", "actor_id", "actor_name", "kind",
                          "from_status", "to_status", "text", "public", "document_id",
                          "code", "params"]),
    "follow_up": (FollowUp, ["id", "case_id", "at", "by_id", "reached", "satisfaction",
                             "comment"]),
    "referral": (Referral, ["id", "case_id", "department_id", "consent_id",
                            "override_reason", "message", "share_contact", "status",
                            "sent_at", "sent_by_id", "expires_at", "nonce",
                            "acknowledged_at", "answered_at", "answer", "answered_by"]),
}
DESK_MODELS = [Case, CaseEvent, FollowUp, Referral, RefCounter]


def _dt_adapter() -> Callable[[datetime | None], Any]:
    """Datetimes as the database takes them: PostgreSQL aware ones; SQLite the
    naive UTC text Django writes (connection.ops.adapt_datetimefield_value, fast)."""
    if connection.vendor == "postgresql":
        return lambda value: value
    return lambda value: None if value is None else str(value.astimezone(UTC).replace(
        tzinfo=None))


def write_community(dctx: DeskContext, batch: Any, index: int,
                    counts: dict[str, int]) -> None:
    """Plan and write one community's year of cases (after its registry rows)."""
    from jiayuan.core.bulk import insert_rows
    from jiayuan.registry.demo.loader import BATCH_SIZE

    builder = CommunityCases(dctx, batch, index)
    builder.plan_all()
    rows = builder.rows()
    Consent.objects.bulk_create(builder.new_consents, batch_size=BATCH_SIZE)
    counts["consent"] = counts.get("consent", 0) + len(builder.new_consents)
    counts["referral_consent"] = counts.get("referral_consent", 0) + len(builder.new_consents)
    for key in ("case", "event", "follow_up", "referral"):
        model, columns = COLUMNS[key]
        names = [model._meta.get_field(c.removesuffix("_id") if c.endswith("_id")
                                       and c != "id" else c).column for c in columns]
        for start in range(0, len(rows[key]), 20000):
            insert_rows(model._meta.db_table, names, rows[key][start:start + 20000])
        counts[{"event": "case_event"}.get(key, key)] = (
            counts.get({"event": "case_event"}.get(key, key), 0) + len(rows[key]))


def finish(dctx: DeskContext) -> None:
    """Reference counters (the next real case continues each sequence) and
    fresh primary-key sequences."""
    for (prefix, year), last in dctx.refs.items():
        RefCounter.objects.update_or_create(prefix=prefix, year=year,
                                            defaults={"last": last})
    sql = connection.ops.sequence_reset_sql(no_style(), DESK_MODELS)
    if sql:
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)


def reset() -> dict[str, int]:
    """Delete every case and what hangs off it (the catalogue stays)."""
    storage_files = list(CaseDocument.objects.values_list("file", flat=True))
    counts = {"case": Case.objects.count(), "reminder": Reminder.objects.count()}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in (CaseEvent, FollowUp, Referral, CaseDocument, Reminder, DigestLog,
                      Case, RefCounter):
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608
    if storage_files:
        storage = CaseDocument._meta.get_field("file").storage
        for name in storage_files:
            storage.delete(name)
    return counts



