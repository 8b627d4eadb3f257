"""The demo's improvement projects: the station's plan, then milestones and
updates for every project of the year (jiayuan.civic.demo.year).

Dates are counted from ctx.today, so whatever day the demo is anchored on the
wall chart shows every colour: late (a milestone or the planned end passed
unreached), at risk (a milestone reached late, or one due within 7 days with
progress behind), on track, done; a cancelled one; two projects with
sub-projects; updates, two with a photo drawn here with Pillow.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from jiayuan.civic.choices import ProjectStatus
from jiayuan.civic.projects import services
from jiayuan.civic.projects import services_progress as progress
from jiayuan.civic.projects.models import Milestone, Project, ProjectUpdate
from jiayuan.places.models import Community, Grid

# (key, title, category, source, grid index or None, start, end (days from today),
#  milestones [(title, planned, reached or None)], progress, status, parent key)
M = list[tuple[str, int, int | None]]
PLAN: list[tuple[str, str, str, str, int | None, int, int, M, int, str, str | None]] = [
    ("lights", "楼道路灯改造", "lighting", "plan", 0, -120, 60,
     [("摸排坏灯", -90, -92), ("采购灯具", -20, -20), ("安装完成", 40, None)], 60, "active", None),
    ("parking", "小区停车位重新划线", "parking", "suggestion", None, -100, 80,
     [("征求意见", -60, -60), ("施工方案公示", -10, None)], 40, "active", None),
    ("bins", "垃圾分类亭更新", "sanitation", "department", 1, -150, 30,
     [("选址", -120, -118), ("招标", -60, -50), ("安装", 20, None)], 70, "active", None),
    ("ramps", "无障碍坡道建设", "accessibility", "decision", None, -80, 120, [], 0, "active", None),
    ("ramp3", "3号楼坡道", "accessibility", "decision", 0, -80, 30,
     [("设计", -50, -50), ("浇筑", 5, None)], 30, "active", "ramps"),
    ("ramp7", "7号楼坡道", "accessibility", "decision", 1, -60, 120,
     [("设计", -30, -31), ("浇筑", 60, None)], 35, "active", "ramps"),
    ("ramphall", "活动中心坡道", "accessibility", "decision", None, -80, -10,
     [("设计", -40, -40), ("验收", -12, -12)], 100, "done", "ramps"),
    ("culture", "楼栋文化角", "culture", "plan", 0, -40, 140,
     [("征集作品", -20, -20), ("布展", 30, None), ("开放", 120, None)], 25, "active", None),
    ("signs", "多语种标识牌", "services", "suggestion", None, -30, 90,
     [("翻译校对", -5, None)], 20, "active", None),
    ("gym", "健身器材维修", "facilities", "department", 1, -200, -20,
     [("报修", -190, -190), ("维修完成", -25, -25)], 100, "done", None),
    ("greening", "绿化补植", "greening", "plan", 0, -60, 200,
     [("苗木采购", -10, -10), ("补植", 50, None)], 20, "active", None),
    ("charging", "电动车充电棚", "safety", "decision", 1, -90, 5,
     [("选址公示", -45, -45)], 50, "active", None),
    ("roof", "楼顶防水维修", "facilities", "department", 0, -300, -5,
     [("勘查", -280, -280)], 85, "active", None),
    ("canteen", "老年助餐点", "services", "plan", None, -180, -30,
     [("场地改造", -120, -120), ("开餐", -35, -35)], 100, "done", None),
    ("firelane", "消防通道清理", "safety", "department", None, -20, 40,
     [("摸排", 10, None), ("复查", 35, None)], 30, "active", None),
    ("nightlight", "夜间照明补盲", "lighting", "suggestion", 1, 10, 100,
     [("方案", 20, None)], 0, "planned", None),
    ("riders", "外卖骑手休息点", "services", "plan", None, -45, 75,
     [("选址", -15, -17), ("开放", 30, None)], 40, "active", None),
    ("festival", "中秋邻里节筹备", "culture", "plan", None, -5, 25,
     [("节目报名", 3, None)], 10, "active", None),
    ("garage", "地下车库照明", "lighting", "department", 0, -150, 10,
     [("设计", -100, -100), ("安装", -20, None)], 55, "active", None),
    ("toilets", "公厕改造", "sanitation", "decision", 1, -250, -60,
     [("设计", -200, -200), ("完工", -70, -70)], 100, "done", None),
    ("drains", "雨水井疏通", "sanitation", "department", None, -30, 30,
     [("第一轮", -10, -10), ("第二轮", 20, None)], 60, "active", None),
    ("rails", "楼道扶手加装", "accessibility", "suggestion", 0, -70, 50, [], 0, "active", None),
    ("rails1", "1号楼扶手", "accessibility", "suggestion", 0, -70, 10,
     [("安装", -40, -40)], 90, "active", "rails"),
    ("rails2", "2号楼扶手", "accessibility", "suggestion", 0, -50, 50,
     [("采购", -20, -14)], 40, "active", "rails"),
    ("library", "社区图书角", "culture", "plan", 1, -30, 150, [], 0, "cancelled", None),
    ("bikes", "非机动车停放区", "parking", "plan", 0, -15, 60,
     [("划线", 15, None)], 10, "active", None),
    ("gate", "智慧门禁", "safety", "department", None, -90, 90,
     [("安装一期", -60, -60), ("安装二期", 0, None)], 50, "active", None),
    ("desk", "便民服务点", "services", "plan", None, -40, 20,
     [("开放", -3, -3)], 100, "done", None),
]
PHOTOS = {"lights", "ramp3"}
UPDATES = ["已完成现场摸排。", "材料已进场，按计划推进。", "与居民代表沟通了施工时间。"]


def _photo(seed: int) -> SimpleUploadedFile:
    img = Image.new("RGB", (640, 480), (200 - seed % 50, 210, 220))
    draw = ImageDraw.Draw(img)
    draw.rectangle((80, 260, 560, 420), fill=(120, 120, 120))
    draw.rectangle((260, 120, 380, 260), fill=(240, 200, 60))
    out = io.BytesIO()
    img.save(out, format="JPEG")
    return SimpleUploadedFile(f"site-{seed}.jpg", out.getvalue(), content_type="image/jpeg")


def write_plan(ctx: Any, community: Community, counts: dict[str, int]) -> dict[str, Any]:
    """The station's own projects of the year; returns what later parts link to."""
    head = ctx.staff["head"]
    owners = [ctx.staff[name] for name in ("caseworker", "gridworker", "gridworker2", "head")]
    grids = list(Grid.objects.filter(community=community).order_by("code")[:2])
    today = ctx.today
    made: dict[str, Project] = {}
    for i, (key, title, category, source, grid, start, end, _ms, _pct, _status,
            parent) in enumerate(PLAN):
        chosen = [grids[grid]] if grid is not None and grid < len(grids) else []
        owner = owners[i % len(owners)]
        if chosen and owner.username.startswith("gridworker"):
            owner = ctx.staff["gridworker" if grid == 0 else "gridworker2"]
        made[key] = services.project_create(
            actor=head, community=community, title=title, category=category, source=source,
            owner=owner, starts_on=today + timedelta(days=start),
            ends_on=today + timedelta(days=end), grids=chosen,
            parent=made[parent] if parent else None,
            description=f"{title}：社区年度计划项目。")
    counts["project"] = counts.get("project", 0) + len(made)
    return {"plan_projects": list(made.values())}


def _as_project(value: Any) -> Project | None:
    if isinstance(value, Project):
        return value
    return Project.objects.filter(pk=value).first() if value else None


def _note(update: ProjectUpdate, day: date) -> None:
    # The demo's updates were written over the year, not at load time.
    ProjectUpdate.objects.filter(pk=update.pk).update(
        created_at=update.created_at.replace(year=day.year, month=day.month, day=day.day))


def write_progress(ctx: Any, community: Community, counts: dict[str, int],
                   made: dict[str, Any]) -> None:
    """Milestones, updates and statuses for the year's projects, and two
    milestones for each project the meetings and suggestions parts opened."""
    head, today = ctx.staff["head"], ctx.today
    ours = {p.title: p for p in made.get("plan_projects", [])}
    updates = 0
    for i, (key, title, _c, _s, _g, _start, _end, milestones, pct, status,
            _parent) in enumerate(PLAN):
        project = ours.get(title)
        if project is None:
            continue
        for name, planned, reached in milestones:
            progress.milestone_add(actor=head, project=project, title=name,
                                   planned_on=today + timedelta(days=planned),
                                   done_on=None if reached is None
                                   else today + timedelta(days=reached), today=today)
        if status == ProjectStatus.PLANNED:
            continue
        services.project_set_status(actor=head, project=project, status=ProjectStatus.ACTIVE,
                                    version=None, today=today)
        if status == ProjectStatus.CANCELLED:
            services.project_set_status(actor=head, project=project,
                                        status=ProjectStatus.CANCELLED, version=None,
                                        today=today)
            continue
        if not project.children.exists() and pct:
            text = UPDATES[i % len(UPDATES)]
            update = progress.update_add(
                actor=head, project=project, text=text, progress=min(pct, 99),
                photo=_photo(i) if key in PHOTOS else None)
            _note(update, max(project.starts_on, today - timedelta(days=3 + i % 10)))
            updates += 1
        if status == ProjectStatus.DONE:
            done_on = min(today, max(project.starts_on, project.ends_on - timedelta(days=2)))
            services.project_set_status(actor=head, project=project, status=ProjectStatus.DONE,
                                        version=None, on=done_on, today=today)
    others = [_as_project(v) for v in
              [*made.get("decision_projects", []), *made.get("suggestion_projects", [])]]
    for n, project in enumerate(others):
        if project is None or project.status in (ProjectStatus.DONE, ProjectStatus.CANCELLED):
            continue
        # A plan agreed a third of the way in; the works by the planned end.
        # Of those whose end has passed, three in four were finished (some a
        # few days late, the wall chart's "at risk" history) and the fourth is
        # still behind schedule.
        span = (project.ends_on - project.starts_on).days
        plan_on = project.starts_on + timedelta(days=span // 3)
        end_on = project.ends_on
        finished_on = None
        if end_on <= today and n % 4 != 3:
            finished_on = min(today, end_on + timedelta(days=(n % 3) * 4))
        progress.milestone_add(actor=head, project=project, title="方案确定", planned_on=plan_on,
                               done_on=plan_on if plan_on <= today else None, today=today)
        progress.milestone_add(actor=head, project=project, title="实施完成", planned_on=end_on,
                               done_on=finished_on, today=today)
        if plan_on <= today and project.status == ProjectStatus.PLANNED:
            services.project_set_status(actor=head, project=project,
                                        status=ProjectStatus.ACTIVE, version=None, today=today)
        if finished_on is not None:
            services.project_set_status(actor=head, project=project, status=ProjectStatus.DONE,
                                        version=None, on=finished_on, today=today)
    counts["project"] = Project.objects.filter(community=community).count()
    counts["milestone"] = Milestone.objects.filter(project__community=community).count()
    counts["project_update"] = counts.get("project_update", 0) + updates


def reset() -> dict[str, int]:
    """Every project, milestone and update (photos' files too)."""
    for update in ProjectUpdate.objects.exclude(photo=""):
        update.photo.delete(save=False)
    counts = {"project_update": ProjectUpdate.objects.all().delete()[0]}
    Milestone.objects.all().delete()
    Project.objects.filter(parent__isnull=False).delete()
    counts["project"] = Project.objects.all().delete()[0]
    return counts
