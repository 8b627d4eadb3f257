"""The demo's activities (jiayuan.engage.demo.year): a year ending
ctx.today of ~25 activities of every kind, among them the 7th neighbourhood
culture festival (several sessions), legal-education sessions and volunteer
services; sign-ups by staff and on the portal, waiting lists and
cancellations (promotion), attendance taken for the past sessions,
volunteers served with their hours credited; a few upcoming published
activities with places left and one full with a waiting list.

Written through the services, the clock passed in (`now=`, `at=`)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from jiayuan.engage.activities import services as s
from jiayuan.engage.activities import services_attendance as att
from jiayuan.engage.activities.models import (
    Activity,
    ActivitySession,
    SessionVolunteer,
    SignUp,
)
from jiayuan.engage.volunteers.models import HoursEntry, Volunteer
from jiayuan.registry.models import Person

PLACES = ["社区文化广场", "服务站二楼活动室", "党群服务中心多功能厅", "小区篮球场", "长者食堂",
          "社区图书室"]
NAMES = ["李秀英", "金美善", "买买提·艾力", "朴成浩", "王建国", "阿依古丽", "崔英子", "张伟",
         "马丽", "古丽娜尔", "刘洋", "郑海燕", "赵敏", "艾克拜尔", "孙红梅", "韩春花"]
# (kind, title, days ago of the first session (negative: to come), sessions,
#  capacity, published, edition)
PLAN: list[tuple[str, str, int, int, int | None, bool, int | None]] = [
    ("festival", "第七届邻里文化节", 120, 3, 60, True, 7),
    ("legal", "普法讲座：民法典与邻里纠纷", 330, 1, 40, False, None),
    ("legal", "普法讲座：防范电信诈骗", 250, 1, 40, True, None),
    ("legal", "普法进楼栋：婚姻家庭与继承", 160, 2, 25, False, None),
    ("legal", "双语普法：劳动合同与工资", 60, 1, 30, True, None),
    ("legal", "普法讲座：老年人权益保障", -9, 1, 30, True, None),
    ("service", "志愿服务：义务理发", 300, 2, 20, False, None),
    ("service", "志愿服务：楼道清扫", 210, 1, None, False, None),
    ("service", "志愿服务：为独居老人送年货", 20, 1, 15, False, None),
    ("service", "志愿服务：义诊量血压", -5, 1, 30, True, None),
    ("themed", "春节写春联送福字", 310, 1, 50, True, None),
    ("themed", "端午包粽子", 190, 1, 30, True, None),
    ("themed", "中秋赏月联欢会", 90, 1, 80, True, None),
    ("themed", "朝鲜族秋夕打糕体验", 85, 1, 25, True, None),
    ("themed", "亲子手工：民族服饰剪纸", 40, 2, 12, True, None),
    ("themed", "冬至包饺子", -12, 1, 4, True, None),
    ("sports", "邻里篮球友谊赛", 270, 1, None, False, None),
    ("sports", "广场舞展演", 150, 1, None, True, None),
    ("sports", "健步走活动", 30, 1, None, False, None),
    ("sports", "乒乓球邻里赛", -20, 1, 24, True, None),
    ("publicity", "医保政策宣传咨询", 280, 1, None, False, None),
    ("publicity", "垃圾分类政策宣传", 200, 1, None, False, None),
    ("publicity", "养老服务补贴政策宣讲", 110, 1, 50, True, None),
    ("publicity", "民族团结进步政策宣讲", 50, 1, 60, False, None),
    ("publicity", "防汛防火安全宣传", 10, 1, None, False, None),
]


def _at(today: Any, days_ago: int, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(today - timedelta(days=days_ago), time(hour)))


def _volunteers(made: dict[str, Any]) -> list[Volunteer]:
    rows = made.get("volunteers") or []
    ids = [v.pk if isinstance(v, Volunteer) else v for v in rows]
    return list(Volunteer.objects.filter(pk__in=ids, status="active"))


def write(ctx: Any, counts: dict[str, int], made: dict[str, Any]) -> dict[str, Any]:
    """This part's year for ctx.community; returns the activities made."""
    rng, today, head = ctx.rng, ctx.today, ctx.staff["head"]
    people = list(Person.objects.filter(grid__community=ctx.community, left_on__isnull=True)
                  .order_by("pk")[:400])
    volunteers = _volunteers(made)
    activities: list[Activity] = []
    signups = 0
    # A smaller year takes every few plans: each kind, a festival and some to come.
    step = 1 if ctx.size >= 1 else round(1 / ctx.size)
    for n, (kind, title, days_ago, n_sessions, capacity, published, edition) in enumerate(
            PLAN[::step]):
        created = _at(today, max(days_ago, 0) + 21, 9)
        activity = s.activity_create(actor=head, kind=kind, title=title, published=published,
                                     edition=edition, now=created,
                                     description=f"{title}。欢迎各族居民参加。")
        activities.append(activity)
        for k in range(n_sessions):
            start = _at(today, days_ago - 7 * k, 9 if k % 2 == 0 else 14)
            session = s.session_add(actor=head, activity=activity, starts_at=start,
                                    ends_at=start + timedelta(hours=2 + (k % 2)),
                                    place=PLACES[(n + k) % len(PLACES)], capacity=capacity)
            signups += _fill(ctx, session, people, created, n, k)
            if start < timezone.now():
                _attend(session, head, rng)
                _serve(session, head, volunteers, rng)
    counts["activity"] = len(activities)
    counts["signup"] = signups
    return {"activities": activities}


def _fill(ctx: Any, session: ActivitySession, people: list[Person], opened: datetime,
          n: int, k: int) -> int:
    """Sign-ups by staff and on the portal between `opened` and the start; a
    few over capacity (the waiting list), a few cancelled (promotion)."""
    rng, head = ctx.rng, ctx.staff["head"]
    cap = session.capacity
    want = (cap + rng.randint(1, 4)) if cap and cap <= 25 else rng.randint(8, 22)
    if session.starts_at > timezone.now() and cap:
        # To come: places left, or (a small one) full with a waiting list.
        want = rng.randint(3, cap // 2) if cap > 10 else cap + 4
    span = max((session.starts_at - opened).total_seconds() - 3600, 3600)
    made: list[SignUp] = []
    pool = rng.sample(people, min(len(people), want)) if people else []
    for i in range(want):
        at = opened + timedelta(seconds=span * (i + 1) / (want + 2))
        try:
            if i % 3 != 2 and i < len(pool):
                made.append(s.signup_staff(actor=head, session=session, person=pool[i],
                                           photo_consent=rng.random() < 0.8, now=at))
            else:
                names = [NAMES[(n * 7 + k + i) % len(NAMES)]]
                if rng.random() < 0.3:
                    names.append(NAMES[(n * 7 + k + i + 5) % len(NAMES)])
                made += s.signup_portal(session=session, names=names,
                                        phone=f"139{n:02d}{k}{i:02d}{rng.randint(100, 999)}",
                                        photo_consent=rng.random() < 0.7,
                                        source=f"demo-{n}-{k}-{i}", now=at)
        except ValidationError:
            continue
    for signup in made[:: 5]:
        cancel_at = signup.created_at + timedelta(hours=6)
        if cancel_at < session.starts_at and signup.status != "cancelled":
            try:
                s.signup_cancel(actor=head, signup=signup, now=cancel_at)
            except ValidationError:
                continue
    return len(made)


def _attend(session: ActivitySession, head: Any, rng: Any) -> None:
    for signup in SignUp.objects.filter(session=session, status="confirmed"):
        if rng.random() < 0.85:
            att.attendance_mark(actor=head, session=session, signup_id=signup.pk,
                                at=session.starts_at + timedelta(minutes=rng.randint(-15, 20)))


def _serve(session: ActivitySession, head: Any, volunteers: list[Volunteer],
           rng: Any) -> None:
    if not volunteers:
        return
    for volunteer in rng.sample(volunteers, min(len(volunteers), rng.randint(1, 3))):
        try:
            row = att.session_volunteer_add(actor=head, session=session, volunteer=volunteer)
            att.session_volunteer_served(actor=head, row=row)
        except ValidationError:
            continue


def reset() -> dict[str, int]:
    credited = HoursEntry.objects.filter(session__isnull=False)
    HoursEntry.objects.filter(reverses__in=credited).delete()
    credited.delete()
    SessionVolunteer.objects.all().delete()
    signups, _ = SignUp.objects.all().delete()
    ActivitySession.objects.all().delete()
    deleted, _ = Activity.objects.all().delete()
    return {"activity": deleted, "signup": signups}
