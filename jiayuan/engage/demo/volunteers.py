"""The demo's volunteers (jiayuan.engage.demo.year): 84 volunteers of the
station — residents of the registry, a few staff — with roles, the buildings
liaison officers look after, a year of hours recorded by staff, claims in
every state, a few corrections, a long-serving volunteer with many hours,
several who agreed to be shown publicly, and last year's certificates.

Written through the services with the demo's day passed in (`today=`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from jiayuan.engage.choices import HoursSource, VolunteerRole, VolunteerStatus
from jiayuan.engage.volunteers import ledger, services, services_hours
from jiayuan.engage.volunteers.models import (
    Certificate,
    HoursClaim,
    HoursEntry,
    LiaisonArea,
    Volunteer,
    VolunteerRoleAssignment,
)
from jiayuan.engage.volunteers.selectors import hours_total
from jiayuan.places.models import Grid
from jiayuan.registry.models import Person

RESIDENTS = 80
STAFF = ("caseworker", "gridworker", "gridworker2", "coordinator")
ROLE_WEIGHTS = [(VolunteerRole.SERVICE, 30), (VolunteerRole.CULTURE, 14),
                (VolunteerRole.INFORMANT, 14), (VolunteerRole.LIAISON, 10),
                (VolunteerRole.LEGAL, 8), (VolunteerRole.INTERPRETER, 8),
                (VolunteerRole.PUBLICITY, 6)]
SKILLS = ["", "", "朝鲜语翻译", "维吾尔语", "书法", "电脑维修", "理发", "护理", "法律知识",
          "摄影", "舞蹈", "厨艺", "急救证"]
LANGUAGES = ["普通话", "普通话、朝鲜语", "普通话、维吾尔语", "普通话、彝语", "朝鲜语", "普通话"]
AVAILABILITY = ["周末", "工作日晚上", "随时", "周二、周四上午", "节假日", ""]
WORK = ["帮独居老人买菜", "楼道大扫除", "陪同老人就医", "社区图书角值班", "垃圾分类引导",
        "帮邻居修电脑", "给老人理发", "疫苗接种点引导", "翻译通知", "巡楼"]
REJECTIONS = ["那天没有安排这项服务，请和网格员核对。", "时长与签到记录不符。",
              "同一天的时长已由活动签到记录。"]


def _when(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _roles(rng: Any) -> list[str]:
    roles, weights = zip(*ROLE_WEIGHTS, strict=True)
    first = rng.choices(roles, weights)[0]
    return sorted({first, rng.choices(roles, weights)[0]} if rng.random() < 0.3 else {first})


def write(ctx: Any, counts: dict[str, int], made: dict[str, Any]) -> dict[str, Any]:
    """This part's year for ctx.community; returns the active volunteers
    ("volunteers", for the activities part to credit served hours)."""
    rng, today, head = ctx.rng, ctx.today, ctx.staff["head"]
    grids = list(Grid.objects.filter(community=ctx.community).order_by("pk"))
    people = list(Person.objects.filter(grid__in=grids, left_on__isnull=True,
                                        birth_date__lte=date(today.year - 18, 1, 1))
                  .select_related("household__dwelling").order_by("pk")[:2000])
    chosen = rng.sample(people, min(ctx.scaled(RESIDENTS, least=16), len(people)))
    vols: list[Volunteer] = []
    for n, person in enumerate(chosen):
        roles = [VolunteerRole.LIAISON] if n < 6 else _roles(rng)
        if n < 10 and VolunteerRole.INFORMANT not in roles and n >= 6:
            roles.append(VolunteerRole.INFORMANT)
        v = services.volunteer_register(
            actor=head, person=person, roles=roles, skills=rng.choice(SKILLS),
            languages=rng.choice(LANGUAGES), availability=rng.choice(AVAILABILITY),
            # The first is the long-serving one: six years with the station.
            joined_on=today - timedelta(days=2200 if n == 0 else rng.randint(30, 2000)))
        if VolunteerRole.LIAISON in roles and person.household.dwelling_id:
            services.liaison_area_add(actor=head, volunteer=v,
                                      building=person.household.dwelling.building)
        vols.append(v)
    for key in STAFF:
        user = ctx.staff.get(key)
        if user is not None and user.community_id == ctx.community.pk:
            vols.append(services.volunteer_register(
                actor=head, user=user, roles=[VolunteerRole.SERVICE],
                joined_on=today - timedelta(days=rng.randint(100, 900))))
    entries = _hours(ctx, vols)
    claims = _claims(ctx, vols)
    # A few corrections: hours entered twice or on the wrong volunteer.
    for entry in rng.sample(entries, min(5, len(entries))):
        ledger.hours_reverse(actor=head, entry=entry, reason="重复录入，更正")
    residents = [v for v in vols if v.person_id]
    for v in rng.sample(residents, min(16, len(residents))):
        services.volunteer_consent_record(actor=head, volunteer=v,
                                          given_on=today - timedelta(days=rng.randint(5, 300)),
                                          today=today)
    # No information officer's report is filed at the desk here: a request
    # written after care's year would change the must-visit replay (the repeat
    # rule counts open requests), and the desk's year is written whole.
    # informant_report is shown by its tests.
    certs = 0
    for v in vols:
        if hours_total(v, today.year - 1) >= Decimal("10"):
            services_hours.certificate_issue(actor=head, volunteer=v, year=today.year - 1,
                                             today=today)
            certs += 1
    for v in vols[-8:-5]:  # three paused (none has left)
        services.volunteer_update(actor=head, volunteer=v, roles=v.roles.values_list(
            "role", flat=True), skills=v.skills, languages=v.languages,
            availability=v.availability, status=VolunteerStatus.PAUSED)
    # The ledger's rows are counted by year.write_station, after the activities.
    counts.update({"volunteer": len(vols), "hours_claim": claims, "certificate": certs})
    return {"volunteers": [v for v in vols if v.status == VolunteerStatus.ACTIVE]}


def _hours(ctx: Any, vols: list[Volunteer]) -> list[HoursEntry]:
    """Staff's entries over the last 500 days, distinct days per volunteer;
    the first is the long-serving one with many hours."""
    rng, today, head = ctx.rng, ctx.today, ctx.staff["head"]
    out = []
    for n, v in enumerate(vols):
        times = 90 if n == 0 else rng.choice([0, 1, 2, 3, 5, 8, 12, 20])
        for days_ago in rng.sample(range(2, 500), times):
            day = today - timedelta(days=days_ago)
            if day < v.joined_on:
                continue
            hours = Decimal(rng.choice(["1", "1.5", "2", "2.5", "3", "4"]))
            out.append(ledger.hours_credit(actor=head, volunteer=v, on=day, hours=hours,
                                           source=HoursSource.STAFF,
                                           note=rng.choice(WORK), today=today))
    return out


def _claims(ctx: Any, vols: list[Volunteer]) -> int:
    """Claims from the volunteers' links: approved, rejected and waiting."""
    rng, today = ctx.rng, ctx.today
    coordinator = ctx.staff.get("coordinator") or ctx.staff["head"]
    made = 0
    for n in range(ctx.scaled(40, least=12)):
        v = rng.choice(vols)
        day = today - timedelta(days=rng.randint(0, 6) if n % 3 == 0 else rng.randint(7, 200))
        c = services_hours.claim_submit_by_link(
            volunteer=v, on=day, hours=rng.choice(["1", "2", "2.5", "3"]),
            what=rng.choice(WORK), today=today)
        made += 1
        if n % 3 == 0:
            continue  # waiting for approval
        decided = _when(min(day + timedelta(days=rng.randint(1, 5)), today), 16)
        if n % 5 == 1:
            services_hours.claim_reject(actor=coordinator, claim=c,
                                        reason=rng.choice(REJECTIONS), now=decided)
        else:
            services_hours.claim_approve(actor=coordinator, claim=c, now=decided)
    return made


def reset() -> dict[str, int]:
    """Delete all of it. The ledger's Model.delete() refuses (append-only):
    QuerySet.delete() does not call it, so the demo's reset may. Reversals
    first (they PROTECT the entries they reverse), then entries (they
    PROTECT their claims), then claims, certificates and volunteers."""
    HoursEntry.objects.filter(reverses__isnull=False).delete()
    entries, _ = HoursEntry.objects.all().delete()
    HoursClaim.objects.all().delete()
    Certificate.objects.all().delete()
    LiaisonArea.objects.all().delete()
    VolunteerRoleAssignment.objects.all().delete()
    deleted, _ = Volunteer.objects.all().delete()
    return {"volunteer": deleted, "hours_entry": entries}
