"""Project services called directly: every rule refused with a message that
names it, and nothing saved."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import translation
from PIL import Image

from jiayuan.civic.projects import photos, services
from jiayuan.civic.projects import services_progress as progress
from jiayuan.civic.projects.models import Milestone, Project, ProjectUpdate
from jiayuan.core.models import AuditEntry
from jiayuan.core.versioning import Conflict
from jiayuan.places.models import Community, Grid
from tests.civic.projects_factory import DAY, make_project, milestone

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    # The messages are matched in English (the default language is zh-Hans).
    with translation.override("en"):
        yield


def jpeg(width: int = 64, height: int = 48, exif: bool = False) -> SimpleUploadedFile:
    img = Image.new("RGB", (width, height), (200, 30, 30))
    out = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x8825] = {2: (31.0, 14.0, 0.0)}  # GPS latitude
        kwargs["exif"] = data.tobytes()
    img.save(out, format="JPEG", **kwargs)
    return SimpleUploadedFile("site.jpg", out.getvalue(), content_type="image/jpeg")


# --- create and edit ---------------------------------------------------------------

def test_it_refuses_an_end_before_the_start(head, community):
    with pytest.raises(ValidationError) as e:
        make_project(head, community, starts_on=DAY, ends_on=DAY - timedelta(days=1))
    assert "ends_on" in e.value.error_dict
    assert not Project.objects.exists()


def test_it_refuses_a_forged_grid_of_another_community(head, community):
    far = Community.objects.create(name="别处", code="FAR")
    far_grid = Grid.objects.create(community=far, name="别的网格", code="F1")
    with pytest.raises(ValidationError) as e:
        make_project(head, community, grids=[far_grid])
    assert "grids" in e.value.error_dict
    assert not Project.objects.exists()


def test_a_grid_worker_cannot_tag_a_grid_not_theirs(personas, community, grid_b):
    with pytest.raises(ValidationError):
        make_project(personas["gridworker"], community, grids=[grid_b])


def test_it_edits_with_the_version_loaded_and_refuses_a_stale_one(head, community):
    p = make_project(head, community)
    services.project_update(actor=head, project=p, version=1, title="新标题")
    p.refresh_from_db()
    assert (p.title, p.version) == ("新标题", 2)
    with pytest.raises(Conflict):
        services.project_update(actor=head, project=p, version=1, title="旧表单")
    p.refresh_from_db()
    assert p.title == "新标题"


def test_an_edit_cannot_leave_a_milestone_outside_the_dates(head, community):
    p = make_project(head, community)
    milestone(p, date(2031, 5, 1), title="招标")
    with pytest.raises(ValidationError, match="招标"):
        services.project_update(actor=head, project=p, version=1, ends_on=date(2031, 4, 1))
    p.refresh_from_db()
    assert p.ends_on == date(2031, 6, 30) and p.version == 1


def test_an_edit_refuses_an_end_before_the_start(head, community):
    p = make_project(head, community)
    with pytest.raises(ValidationError) as e:
        services.project_update(actor=head, project=p, version=1, ends_on=date(2030, 1, 1))
    assert "ends_on" in e.value.error_dict


def test_a_grid_worker_edits_their_grids_projects_only(personas, community, grid_a, grid_b):
    head, worker = personas["head"], personas["gridworker"]
    mine = make_project(head, community, grids=[grid_a])
    services.project_update(actor=worker, project=mine, version=1, title="改")
    whole = make_project(head, community)  # the whole community's: seen, not edited
    with pytest.raises(ValidationError, match="whole community"):
        services.project_update(actor=worker, project=whole, version=1, title="改")
    other = make_project(head, community, grids=[grid_b])
    with pytest.raises(Http404):
        services.project_update(actor=worker, project=other, version=1, title="改")


def test_a_grid_worker_keeps_the_grids_they_do_not_see(personas, community, grid_a, grid_b):
    p = make_project(personas["head"], community, grids=[grid_a, grid_b])
    services.project_update(actor=personas["gridworker"], project=p, version=1,
                            grids=[grid_a], title="改")
    assert set(p.grids.all()) == {grid_a, grid_b}


def test_community_wide_staff_edit_the_whole_communitys_projects(personas, community):
    p = make_project(personas["head"], community)
    services.project_update(actor=personas["caseworker"], project=p, version=1, title="改")


def test_it_needs_the_permission(personas, community):
    p = make_project(personas["head"], community)
    from django.core.exceptions import PermissionDenied
    with pytest.raises(PermissionDenied):
        services.project_update(actor=personas["auditor"], project=p, version=1, title="x")


def test_sub_projects_are_one_level_deep(head, community):
    parent = make_project(head, community)
    child = make_project(head, community, parent=parent)
    with pytest.raises(ValidationError) as e:
        make_project(head, community, parent=child)
    assert "parent" in e.value.error_dict


# --- status ------------------------------------------------------------------------

def test_it_moves_along_the_status_table_only(head, community):
    p = make_project(head, community)
    with pytest.raises(ValidationError) as e:
        services.project_set_status(actor=head, project=p, status="done", version=1, today=DAY)
    assert "status" in e.value.error_dict
    services.project_set_status(actor=head, project=p, status="active", version=1, today=DAY)
    p.refresh_from_db()
    assert p.status == "active"


def test_done_needs_every_milestone_reached_or_closed(head, community):
    p = make_project(head, community)
    services.project_set_status(actor=head, project=p, status="active", version=1)
    m = milestone(p, date(2031, 2, 1), title="验收")
    with pytest.raises(ValidationError, match="验收"):
        services.project_set_status(actor=head, project=p, status="done", version=2, today=DAY)
    p.refresh_from_db()
    assert p.status == "active" and p.done_on is None
    services.project_set_status(actor=head, project=p, status="done", version=2, today=DAY,
                                close_open=True)
    p.refresh_from_db()
    m.refresh_from_db()
    assert (p.status, p.done_on, p.progress, m.done_on) == ("done", DAY, 100, DAY)
    entry = AuditEntry.objects.filter(object_type="civic.project").order_by("-seq").first()
    assert entry.changes["milestones_closed"] == ["验收"]


def test_done_refuses_a_day_in_the_future(head, community):
    p = make_project(head, community)
    services.project_set_status(actor=head, project=p, status="active", version=1)
    with pytest.raises(ValidationError) as e:
        services.project_set_status(actor=head, project=p, status="done", version=2, today=DAY,
                                    on=DAY + timedelta(days=1))
    assert "on" in e.value.error_dict


def test_a_parent_is_done_only_after_its_sub_projects(head, community):
    parent = make_project(head, community)
    child = make_project(head, community, parent=parent, title="子")
    services.project_set_status(actor=head, project=parent, status="active", version=1)
    with pytest.raises(ValidationError, match=child.ref):
        services.project_set_status(actor=head, project=parent, status="done", version=2,
                                    today=DAY)


def test_reopening_clears_the_finishing_day(head, community):
    p = make_project(head, community)
    services.project_set_status(actor=head, project=p, status="active", version=1)
    services.project_set_status(actor=head, project=p, status="done", version=2, today=DAY)
    services.project_set_status(actor=head, project=p, status="active", version=3, today=DAY)
    p.refresh_from_db()
    assert p.status == "active" and p.done_on is None


# --- progress roll-up --------------------------------------------------------------

def test_a_parents_progress_is_the_mean_of_its_sub_projects(head, community):
    parent = make_project(head, community)
    a = make_project(head, community, parent=parent, title="甲")
    b = make_project(head, community, parent=parent, title="乙")
    progress.update_add(actor=head, project=a, text="过半", progress=60)
    parent.refresh_from_db()
    assert parent.progress == 30
    progress.update_add(actor=head, project=b, text="开工", progress=21)
    parent.refresh_from_db()
    assert parent.progress == round((60 + 21) / 2)


def test_a_done_child_counts_100_and_a_cancelled_one_not_at_all(head, community):
    parent = make_project(head, community)
    a = make_project(head, community, parent=parent, title="甲")
    b = make_project(head, community, parent=parent, title="乙")
    c = make_project(head, community, parent=parent, title="丙")
    progress.update_add(actor=head, project=b, text="一半", progress=50)
    services.project_set_status(actor=head, project=a, status="active", version=1)
    services.project_set_status(actor=head, project=a, status="done", version=2, today=DAY)
    services.project_set_status(actor=head, project=c, status="cancelled", version=1)
    parent.refresh_from_db()
    assert parent.progress == 75


def test_a_parent_takes_no_percent_of_its_own(head, community):
    parent = make_project(head, community)
    make_project(head, community, parent=parent, title="甲")
    with pytest.raises(ValidationError) as e:
        progress.update_add(actor=head, project=parent, text="x", progress=40)
    assert "progress" in e.value.error_dict
    assert not ProjectUpdate.objects.exists()


# --- milestones ----------------------------------------------------------------------

def test_a_milestone_before_the_start_is_refused(head, community):
    p = make_project(head, community)
    with pytest.raises(ValidationError, match="before the project starts"):
        progress.milestone_add(actor=head, project=p, title="早", planned_on=date(2030, 12, 31))
    assert not Milestone.objects.exists()


def test_a_milestone_after_the_planned_end_is_refused(head, community):
    p = make_project(head, community)
    with pytest.raises(ValidationError, match="after the project's planned end"):
        progress.milestone_add(actor=head, project=p, title="晚", planned_on=date(2031, 7, 1))


def test_a_milestone_on_the_first_and_last_day_is_fine(head, community):
    p = make_project(head, community)
    progress.milestone_add(actor=head, project=p, title="始", planned_on=p.starts_on)
    progress.milestone_add(actor=head, project=p, title="终", planned_on=p.ends_on)
    assert p.milestones.count() == 2


def test_a_milestone_cannot_be_reached_in_the_future(head, community):
    p = make_project(head, community)
    m = progress.milestone_add(actor=head, project=p, title="验收", planned_on=date(2031, 3, 1))
    with pytest.raises(ValidationError) as e:
        progress.milestone_update(actor=head, milestone=m, done_on=DAY + timedelta(days=1),
                                  today=DAY)
    assert "done_on" in e.value.error_dict
    progress.milestone_update(actor=head, milestone=m, done_on=DAY, today=DAY)
    m.refresh_from_db()
    assert m.done_on == DAY


def test_a_done_projects_plan_is_closed(head, community):
    p = make_project(head, community)
    Project.objects.filter(pk=p.pk).update(status="done")
    p.refresh_from_db()
    with pytest.raises(ValidationError, match="reopen"):
        progress.milestone_add(actor=head, project=p, title="x", planned_on=date(2031, 3, 1))


# --- updates and photos -----------------------------------------------------------

def test_a_photo_is_re_encoded_without_its_exif(head, community, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    p = make_project(head, community)
    update = progress.update_add(actor=head, project=p, text="现场", progress=10,
                                 photo=jpeg(exif=True))
    with update.photo.open("rb") as f, Image.open(f) as img:
        assert img.format == "JPEG"
        assert not img.getexif()
    p.refresh_from_db()
    assert p.progress == 10


def test_a_file_that_is_not_an_image_is_refused_and_nothing_saved(head, community):
    p = make_project(head, community)
    fake = SimpleUploadedFile("site.jpg", b"\xff\xd8\xff not really a jpeg" * 10)
    with pytest.raises(ValidationError) as e:
        progress.update_add(actor=head, project=p, text="现场", progress=10, photo=fake)
    assert "photo" in e.value.error_dict
    p.refresh_from_db()
    assert p.progress == 0 and not ProjectUpdate.objects.exists()


def test_a_photo_too_large_is_refused(head, community, monkeypatch):
    monkeypatch.setattr(photos, "MAX_BYTES", 100)
    p = make_project(head, community)
    with pytest.raises(ValidationError, match="limit"):
        progress.update_add(actor=head, project=p, text="现场", photo=jpeg())
    assert not ProjectUpdate.objects.exists()


def test_a_photo_with_too_many_pixels_is_refused(head, community, monkeypatch):
    monkeypatch.setattr(photos, "MAX_PIXELS", 1000)
    p = make_project(head, community)
    with pytest.raises(ValidationError, match="pixels"):
        progress.update_add(actor=head, project=p, text="现场", photo=jpeg(64, 48))


def test_an_update_needs_text_and_a_percent_in_range(head, community):
    p = make_project(head, community)
    with pytest.raises(ValidationError) as e:
        progress.update_add(actor=head, project=p, text="  ")
    assert "text" in e.value.error_dict
    with pytest.raises(ValidationError) as e:
        progress.update_add(actor=head, project=p, text="x", progress=101)
    assert "progress" in e.value.error_dict
