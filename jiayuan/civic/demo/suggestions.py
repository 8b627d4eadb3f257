"""The demo's suggestions (jiayuan.civic.demo.year): 44 over the year, from
the portal, at meetings and entered by staff for residents, in every stage;
a few merged into others, several adopted into improvement projects (some
done). Written through the services, the clock passed in (`now=`)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from jiayuan.civic.choices import Stage
from jiayuan.civic.meetings.models import Meeting
from jiayuan.civic.suggestions import services, services_statuses
from jiayuan.civic.suggestions.models import Suggestion, SuggestionChange, SuggestionStatus
from jiayuan.civic.suggestions.selectors import status_for_stage
from jiayuan.places.models import Community, Grid
from jiayuan.registry.models import Person

TOTAL = 44

# (category, title, suggestion)
IDEAS = [
    ("lighting", "3号楼后小路装路灯", "3号楼后面通往菜市场的小路晚上一片漆黑，老人晚上买菜回来容易摔倒，建议装两三盏路灯。"),
    ("lighting", "地下车库照明太暗", "地下车库B区好几盏灯坏了很久，停车找车都看不清，希望尽快修好并换成感应灯。"),
    ("parking", "规划电动车集中充电棚", "楼道里拉线给电动车充电很危险，建议在小区东门空地建一个集中充电棚。"),
    ("parking", "外来车辆占用消防通道", "晚上经常有外来车辆停在消防通道上，建议划线并安装提示牌。"),
    ("parking", "增设临时停车位", "周末探亲的车太多，建议把南侧闲置空地改成临时停车位。"),
    ("services", "社区食堂设清真窗口", "小区里回族、维吾尔族居民不少，社区长者食堂能否单独设一个清真窗口，餐具分开。"),
    ("services", "老年助餐送餐上门", "行动不便的独居老人去食堂不方便，建议助餐服务增加送餐上门。"),
    ("services", "周末开放儿童托管", "双职工家庭周末没人带孩子，希望活动中心周末开放托管和作业辅导。"),
    ("culture", "服务站标识加朝鲜文和维吾尔文", "很多老人汉字认得不多，服务站和公告栏的标识能否加上朝鲜文、维吾尔文。"),
    ("culture", "办一次民族团结邻里节", "建议在广场办一次邻里节，各族邻居带家乡菜，大家认识认识。"),
    ("culture", "春节写春联活动", "请书法志愿者来给居民免费写春联，也教孩子们写福字。"),
    ("accessibility", "单元门口加装无障碍坡道", "5号楼2单元门口有三级台阶，坐轮椅的住户进出要人抬，建议加装坡道。"),
    ("accessibility", "楼道加装扶手", "老楼楼梯陡，建议在楼道里加装扶手，方便老人上下楼。"),
    ("accessibility", "老楼加装电梯意见征集", "7号楼老人多，想问问能不能启动加装电梯，先征集一下各户意见。"),
    ("sanitation", "垃圾分类点加装洗手池", "垃圾分类投放点没有洗手的地方，建议加装一个洗手池。"),
    ("sanitation", "清理楼顶堆放杂物", "6号楼楼顶堆了很多旧家具，有火灾隐患，建议组织清理。"),
    ("greening", "荒地改成共享菜园", "北墙边那块荒地杂草丛生，建议改成共享小菜园，由居民认领。"),
    ("greening", "补种行道树", "主路两边有几棵树枯死了，建议补种，夏天也好有个阴凉。"),
    ("safety", "小区东门加装监控", "东门最近丢了几辆自行车，建议加装一个监控摄像头。"),
    ("safety", "增设防溺水警示牌", "小区旁的水塘没有任何警示，孩子们常去玩，建议立警示牌加护栏。"),
    ("facilities", "活动室添置乒乓球台", "活动室地方够大，建议添置一张乒乓球台，晚上大家可以锻炼。"),
    ("facilities", "快递柜搬到门口", "快递柜在小区最里面，老人取件要走很远，建议搬到门口。"),
    ("other", "公告栏及时更新", "公告栏上好多通知过期了还贴着，建议每周更新一次。"),
]

REASONS = {
    Stage.DISCUSSING: ["已提交下一次党群议事会讨论。", "正在征求楼栋居民意见，下月答复。",
                       "已与物业协商方案，正在核算费用。"],
    Stage.ADOPTED: ["经议事会讨论通过，列入今年的改善项目。", "采纳，已列入项目清单，挂图推进。"],
    Stage.DONE: ["项目已完成，欢迎居民监督。", "已办结：施工完成并通过验收。"],
    Stage.DECLINED: ["该处属市政道路，已转交城管部门，社区不单独立项。",
                     "经征求意见，多数住户不同意，暂不实施。", "预算今年已用完，明年再议。"],
}
MERGE_REASON = "与之前收到的同一建议合并，您的意见计为支持。"

# Per position (oldest first) the stage each suggestion ends in: older ones
# further along, the newest still waiting for their first answer.
PLAN = (["done"] * 6 + ["declined"] * 5 + ["adopted"] * 7 + ["merged"] * 5
        + ["discussing"] * 12 + ["received"] * 9)


def _at(today: Any, days_ago: int, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(today - timedelta(days=days_ago), time(hour)))


def write(ctx: Any, community: Community, counts: dict[str, int],
          made: dict[str, Any]) -> dict[str, Any]:
    """This part's year; returns the projects adopted from suggestions
    ("suggestion_projects") and those whose suggestion is done
    ("suggestion_projects_done", for the projects part to finish)."""
    rng, today = ctx.rng, ctx.today
    head = ctx.staff["head"]
    workers = [ctx.staff[k] for k in ("gridworker", "gridworker2", "caseworker")]
    # The station speaks of its own "at the council" status: its first change
    # makes the default set its own.
    services_statuses.status_add(actor=head, community=community, stage=Stage.DISCUSSING,
                                 name_zh_hans="提交议事会", name_zh_hant="提交議事會",
                                 name_en="At the council")
    grids = list(Grid.objects.filter(community=community).order_by("pk"))
    people = list(Person.objects.filter(grid__in=grids, left_on__isnull=True)
                  .select_related("household").order_by("pk")[:400])
    meetings = [m for m in (made.get("meetings") or Meeting.objects.filter(
        community=community).order_by("starts_at"))
        if m.starts_at.date() < today and m.status == "held"]
    days = sorted((rng.randint(1, 360) for _ in range(TOTAL)), reverse=True)
    days[-9:] = sorted(rng.sample(range(1, 5), 4) + rng.sample(range(5, 20), 5), reverse=True)
    created: list[Suggestion] = []
    for n, days_ago in enumerate(days):
        category, title, body = IDEAS[n % len(IDEAS)]
        received = _at(today, days_ago, 9 + n % 8)
        kind = n % 3
        # Raised at a meeting held by then (never one after it was received).
        held = [m for m in meetings if m.starts_at <= received]
        if kind == 0 or not people:
            s = services.suggestion_portal_submit(
                community=community, title=title, body=body, category=category,
                source=f"demo-{n}", now=received,
                contact_name=rng.choice(["", "", "马女士", "李师傅", "金大爷"]),
                contact_phone=rng.choice(["", "13912345678", "13700001234"]))
        elif kind == 1 and held:
            meeting = max(held, key=lambda m: m.starts_at)
            s = services.suggestion_create(
                actor=head, title=title, body=body, category=category, meeting=meeting,
                received_at=max(meeting.starts_at, received - timedelta(days=1)), now=received)
        else:
            person = rng.choice(people)
            actor = next((w for w in workers if w.grids.filter(pk=person.grid_id).exists()),
                         ctx.staff["caseworker"])
            s = services.suggestion_create(actor=actor, title=title, body=body,
                                           category=category, person=person,
                                           received_at=received, now=received)
        created.append(s)
    projects, done_projects = [], []
    merged: set[int] = set()
    council = status_for_stage(community.pk, Stage.DISCUSSING)
    for n, (s, plan) in enumerate(zip(created, PLAN, strict=True)):
        answered = s.received_at + timedelta(hours=rng.choice([3, 8, 20, 30, 50]))
        if plan == "received":
            continue
        if plan == "merged":
            open_ones = [o for o in created[:n] if o.pk not in merged]
            into = next((o for o in open_ones if o.category == s.category), open_ones[0])
            merged.add(s.pk)
            services.suggestion_merge(actor=head, suggestion=s, into=into,
                                      public_reason=MERGE_REASON, now=answered)
            continue
        first = council if n % 2 else status_for_stage(community.pk, Stage.DISCUSSING)
        services.suggestion_set_status(actor=head, suggestion=s, status=first,
                                       public_reason=rng.choice(REASONS[Stage.DISCUSSING]),
                                       now=answered)
        later = answered + timedelta(days=rng.randint(7, 30))
        if plan == "declined":
            services.suggestion_set_status(
                actor=head, suggestion=s, status=status_for_stage(community.pk, Stage.DECLINED),
                public_reason=rng.choice(REASONS[Stage.DECLINED]), now=later)
        elif plan in ("adopted", "done"):
            start = timezone.localtime(later).date()
            project = services.suggestion_adopt(
                actor=head, suggestion=s, public_reason=rng.choice(REASONS[Stage.ADOPTED]),
                owner=rng.choice(workers), starts_on=start,
                ends_on=start + timedelta(days=rng.choice([45, 60, 90, 120])), now=later)
            projects.append(project)
            if plan == "done":
                done_at = min(later + timedelta(days=rng.randint(30, 80)),
                              _at(today, 1, 16))
                services.suggestion_set_status(
                    actor=head, suggestion=s, status=status_for_stage(community.pk, Stage.DONE),
                    public_reason=rng.choice(REASONS[Stage.DONE]), now=done_at)
                done_projects.append(project)
    counts["suggestion"] = counts.get("suggestion", 0) + len(created)
    return {"suggestion_projects": projects, "suggestion_projects_done": done_projects}


def reset() -> dict[str, int]:
    SuggestionChange.objects.all().delete()
    Suggestion.objects.exclude(merged_into=None).update(merged_into=None)
    deleted, _ = Suggestion.objects.all().delete()
    SuggestionStatus.objects.exclude(community=None).delete()
    return {"suggestion": deleted}
