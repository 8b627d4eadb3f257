"""The demo's meetings (jiayuan.civic.demo.year): a year ending ctx.today of
meetings of every kind, about thirty, and a few coming up. Residents of the
community invited and most of them come; minutes in every state; decisions
carried out by new desk requests and new improvement projects, some open,
some done, a few dropped. Everything through the services, back-dated."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from jiayuan.civic.choices import MeetingKind, ProjectSource
from jiayuan.civic.meetings import services
from jiayuan.civic.meetings import services_decisions as decisions
from jiayuan.civic.meetings.models import AgendaItem, Decision, Meeting, MinutesVersion, Participant
from jiayuan.civic.meetings.selectors import quorum_of
from jiayuan.civic.projects.models import Project
from jiayuan.desk.models import ServiceItem
from jiayuan.desk.selectors import cases_for
from jiayuan.directory.models import Department
from jiayuan.places.models import Community, Grid
from jiayuan.registry.models import Person

PAST = 30
COMING = 3

# (kind, title, agenda, decisions: (text, carried by: "case" | "project:<category>" | ""))
PLANS: dict[str, tuple[str, list[str], list[tuple[str, str]]]] = {
    MeetingKind.COUNCIL: ("党群议事会：小区停车与充电", ["电动车充电桩选址", "夜间停车秩序"],
                          [("在3号楼北侧建设电动车集中充电棚", "project:parking"),
                           ("物业每晚巡查楼道，禁止电动车入户", "")]),
    MeetingKind.HEARING: ("老旧小区改造方案听证会", ["加装电梯方案", "费用分摊"],
                          [("公示加装电梯方案30天，收集意见", ""),
                           ("5号楼先行试点加装电梯", "project:accessibility")]),
    MeetingKind.COORDINATION: ("邻里协调会：楼上漏水与噪音", ["漏水维修", "夜间噪音"],
                               [("协调物业上门检查防水层", "case"),
                                ("双方约定晚十点后不装修", "")]),
    MeetingKind.ROUNDTABLE: ("社区圆桌会：一老一小服务", ["四点半课堂", "独居老人关爱"],
                             [("开设周末四点半课堂", "project:services"),
                              ("为独居老人安排每周电话问候", "")]),
    MeetingKind.OWNERS: ("业主委员会例会", ["维修基金使用", "绿化补种"],
                         [("动用维修基金更换2号楼水泵", "project:facilities"),
                          ("春季补种中心花园绿化", "project:greening")]),
    MeetingKind.JOINT: ("部门联席会：背街小巷整治", ["路灯维修", "占道经营"],
                        [("修复背街小巷路灯12盏", "project:lighting"),
                         ("联合执法清理占道经营", "case")]),
    MeetingKind.MERCHANTS: ("商户座谈会：门前三包与垃圾分类", ["门前三包", "餐厨垃圾"],
                            [("商户签订门前三包责任书", ""),
                             ("增设餐厨垃圾收集点", "project:sanitation")]),
    MeetingKind.LIAISON: ("原居住地沟通协调会：随迁子女入学与社保转移",
                          ["随迁子女入学证明", "社保关系转移"],
                          [("原籍地开具学籍证明，社区代为转交", "case"),
                           ("建立与原籍地的季度联系机制", "")]),
}

WHOLE_COMMUNITY = {MeetingKind.COUNCIL, MeetingKind.HEARING, MeetingKind.JOINT,
                   MeetingKind.LIAISON, MeetingKind.OWNERS}

MINUTES = ("会议由{organiser}主持，应到居民{invited}人，实到{present}人。\n"
           "一、{first}：与会居民充分发表意见，大家认为应尽快解决。\n"
           "二、{second}：社区介绍了前期情况，居民代表提出了具体建议。\n"
           "会议形成决定如下，由责任人按期落实，社区跟踪反馈。")


def _liaison_office() -> Department:
    office, _created = Department.objects.get_or_create(
        code="origin-liaison-office", defaults={
            "name_zh_hans": "延边州驻本市流动人口服务联络处", "name_zh_hant": "延邊州駐本市流動人口服務聯絡處",
            "name_en": "Yanbian prefecture's liaison office in the city", "kind": "partner",
            "handles": "原籍地证明、学籍与社保关系转移协调"})
    return office


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _capped(moment: datetime, now: datetime) -> datetime:
    return min(moment, now - timedelta(minutes=5))


def _residents(ctx: Any, grid: Grid | None, community: Community, today: date) -> list[Person]:
    adults = Person.objects.filter(left_on__isnull=True,
                                   birth_date__lte=today - timedelta(days=18 * 366))
    adults = adults.filter(grid=grid) if grid is not None else adults.filter(
        grid__community=community)
    pool = list(adults.order_by("pk").values_list("pk", flat=True)[:600])
    chosen = ctx.rng.sample(pool, min(len(pool), ctx.rng.randint(8, 16)))
    return list(Person.objects.filter(pk__in=chosen).order_by("pk"))


def write(ctx: Any, community: Community, counts: dict[str, int],
          made: dict[str, Any]) -> dict[str, Any]:
    """This part's year; returns the projects its decisions started
    ("decision_projects") for the projects demo's milestones."""
    rng, today, staff = ctx.rng, ctx.today, ctx.staff
    now = timezone.now()
    head, caseworker = staff["head"], staff["caseworker"]
    grids = list(Grid.objects.filter(community=community).order_by("code"))
    workers = {g.pk: u for u in (staff.get("gridworker"), staff.get("gridworker2")) if u
               for g in u.grids.all()}
    owners = [u for u in (head, caseworker, staff.get("gridworker"), staff.get("gridworker2"))
              if u is not None]
    items = list(ServiceItem.objects.filter(active=True).order_by("code")[:40])
    partners = {MeetingKind.LIAISON: _liaison_office(),
                MeetingKind.JOINT: Department.objects.filter(kind="government",
                                                             active=True).first()}
    kinds = list(MeetingKind.values)
    projects: list[Any] = []
    n = {"meeting": 0, "meeting_participant": 0, "minutes_version": 0, "decision": 0}
    past = ctx.scaled(PAST, least=len(kinds))  # every kind at least once
    for i in range(past + COMING):
        kind = kinds[i % len(kinds)]
        title, agenda, planned = PLANS[kind]
        days_ago = (past - i) * 365 // past - 11 if i < past else -(i - past + 1) * 9
        if i == past - 1:
            days_ago = 1  # the last held yesterday, its minutes a draft (at any size)
        day = today - timedelta(days=days_ago)
        grid = None if kind in WHOLE_COMMUNITY or not grids else grids[i % len(grids)]
        worker = workers.get(grid.pk) if grid is not None else None
        organiser = worker or (head if i % 3 == 0 else caseworker)
        meeting = services.meeting_create(
            actor=organiser, kind=kind, title=f"{title}（{day.month}月）", grid=grid,
            starts_at=_at(day, 19 if kind != MeetingKind.JOINT else 9),
            ends_at=_at(day, 21 if kind != MeetingKind.JOINT else 11),
            place="社区党群服务中心二楼会议室" if grid is None else f"{grid.name}居民议事角",
            organiser=organiser, partner=partners.get(kind), agenda=agenda)
        n["meeting"] += 1
        people = _residents(ctx, grid, community, today)
        invited = [services.participant_add(actor=organiser, meeting=meeting, kind="resident",
                                            person=p) for p in people]
        invited.append(services.participant_add(actor=organiser, meeting=meeting, kind="staff",
                                                user=caseworker if organiser != caseworker
                                                else head))
        if meeting.partner_id:
            invited.append(services.participant_add(
                actor=organiser, meeting=meeting, kind="partner" if kind == MeetingKind.LIAISON
                else "department", department=meeting.partner, name="联络员"))
        n["meeting_participant"] += len(invited)
        if day >= today:
            continue  # coming up: invitations only
        door = meeting.starts_at + timedelta(minutes=5)
        # One meeting in ten falls short of its quorum: no decisions then.
        short = i % 10 == 7
        for p in invited:
            roll = rng.random()
            mark = ("present" if roll < (0.3 if short else 0.78) else
                    "absent" if roll < 0.92 else "excused")
            services.attendance_mark(actor=organiser, meeting=meeting, participant=p,
                                     attendance=mark, marked_at=door)
        if rng.random() < 0.4:
            services.walk_in(actor=organiser, meeting=meeting, name="列席群众", marked_at=door)
            n["meeting_participant"] += 1
        age = (today - day).days
        if age > 1 or rng.random() < 0.5:
            n["minutes_version"] += _minutes(organiser, head, meeting, invited, agenda, age, now)
        if short or not quorum_of(meeting).reached:
            continue
        agenda_items = list(meeting.agenda.order_by("order"))
        for number, (text, carrier) in enumerate(planned, 1):
            owner = owners[(i + number) % len(owners)]
            due = day + timedelta(days=rng.choice((14, 30, 45, 60, 90)))
            kwargs: dict[str, Any] = {}
            if carrier == "case":
                kwargs.update(_case_for(organiser, meeting, items, rng, today))
            elif carrier.startswith("project:"):
                kwargs["new_project_category"] = carrier.split(":", 1)[1]
            kwargs.setdefault("at", _capped(meeting.starts_at + timedelta(hours=1), now))
            d = decisions.decision_add(actor=organiser, meeting=meeting, text=text, owner=owner,
                                       due=due, agenda_item=agenda_items[number - 1],
                                       **kwargs)
            n["decision"] += 1
            if d.project_id:
                projects.append(d.project)
            _settle(d, head, due, today, rng.random())
    for key, value in n.items():
        counts[key] = counts.get(key, 0) + value
    return {"decision_projects": projects}


def _minutes(organiser: Any, head: Any, meeting: Meeting, invited: list[Participant],
             agenda: list[str], age: int, now: datetime) -> int:
    """Minutes as old meetings have them: approved (some after a second
    draft); recent ones circulated or still a draft."""
    present = sum(1 for p in invited if p.kind == "resident" and p.attendance == "present")
    residents = sum(1 for p in invited if p.kind == "resident")
    text = MINUTES.format(organiser=organiser.display_name, invited=residents,
                          present=present, first=agenda[0], second=agenda[1])
    start = meeting.starts_at
    v = services.minutes_save(actor=organiser, meeting=meeting, text=text, loaded=0,
                              now=_capped(start + timedelta(days=1), now))
    versions = 1
    if age <= 14:
        return versions
    services.minutes_circulate(actor=organiser, minutes=v,
                               now=_capped(start + timedelta(days=2), now))
    if age <= 20:
        return versions
    if meeting.pk % 3 == 0:  # comments came back: a second draft, circulated again
        v = services.minutes_save(actor=organiser, meeting=meeting,
                                  text=text + "\n（根据居民意见补充：增加公示环节。）", loaded=1,
                                  now=_capped(start + timedelta(days=5), now))
        services.minutes_circulate(actor=organiser, minutes=v,
                                   now=_capped(start + timedelta(days=6), now))
        versions += 1
    services.minutes_approve(actor=head, minutes=v, now=_capped(start + timedelta(days=10), now))
    return versions


def _case_for(actor: Any, meeting: Meeting, items: list[ServiceItem], rng: Any,
              today: date) -> dict[str, Any]:
    """What carries a decision that needs the desk: a request of the station
    opened in the fortnight after the meeting (one the organiser can see), as
    a worker links an existing one. The demo opens no new request from a
    decision: the desk's demo year is written whole, its timelines and target
    flags consistent to the day, and a request opened here would miss the
    flags `tick` sets (opening one is the services' and the journeys' to show)."""
    near = (cases_for(actor).filter(
        community_id=meeting.community_id, opened_at__gte=meeting.starts_at,
        opened_at__lt=meeting.starts_at + timedelta(days=14), decisions__isnull=True)
        .exclude(status="cancelled").order_by("opened_at").first())
    return {"case": near} if near is not None else {}


def _settle(d: Decision, actor: Any, due: date, today: date, roll: float) -> None:
    """Past-due decisions are mostly carried out; a few dropped; the rest open.
    (Never carried out after the real clock's today: a demo anchored ahead.)"""
    done_on = min(due, today)
    if done_on > timezone.localdate():
        return
    if due < today and roll < 0.7:
        decisions.decision_set_status(actor=actor, decision=d, status="done", version=None,
                                      done_on=done_on)
    elif due < today and roll < 0.8:
        decisions.decision_set_status(actor=actor, decision=d, status="dropped", version=None)
    elif due >= today and roll < 0.25:
        decisions.decision_set_status(actor=actor, decision=d, status="done", version=None,
                                      done_on=done_on)


def reset() -> dict[str, int]:
    """Delete every meeting, and the projects its decisions started (with
    their sub-projects: the projects demo may hang some under them)."""
    counts = {"meeting": Meeting.objects.count(), "decision": Decision.objects.count(),
              "minutes_version": MinutesVersion.objects.count(),
              "meeting_participant": Participant.objects.count()}
    started = list(Decision.objects.filter(project__source=ProjectSource.DECISION)
                   .values_list("project_id", flat=True))
    Decision.objects.all().delete()
    Project.objects.filter(parent_id__in=started).delete()
    Project.objects.filter(pk__in=started).delete()
    MinutesVersion.objects.all().delete()
    Participant.objects.all().delete()
    AgendaItem.objects.all().delete()
    Meeting.objects.all().delete()
    return counts

