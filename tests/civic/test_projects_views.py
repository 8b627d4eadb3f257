"""Project pages, the wall chart and the portal page: what they show, what
they refuse, and a constant number of queries whatever the number of
projects."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from jiayuan.civic.projects import services_progress as progress
from jiayuan.civic.projects.models import Project, ProjectUpdate
from tests.civic.projects_factory import DAY, make_project, milestone
from tests.conftest import station_moment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(station_moment(DAY), tick=False):
        yield


def login(client, user):
    client.force_login(user)
    return client


def many(head, community, grids, n: int) -> None:
    for i in range(n):
        parent = make_project(head, community, title=f"项目{i}", grids=grids)
        milestone(parent, date(2031, 2, 1), done_on=date(2031, 2, 3))
        milestone(parent, date(2031, 4, 1))
        if i % 5 == 0:
            child = make_project(head, community, title=f"子项目{i}", parent=parent, grids=grids)
            milestone(child, date(2031, 3, 1))


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["wall_chart", "wall_chart_screen", "project_list"])
def test_the_pages_queries_do_not_grow_with_the_projects(client, personas, community, grid_a,
                                                         name, django_assert_max_num_queries):
    worker = personas["gridworker"]
    login(client, worker)
    url = reverse(name) + "?year=2031"
    many(personas["head"], community, [grid_a], 5)
    few = count_queries(client, url)
    many(personas["head"], community, [grid_a], 45)
    assert Project.objects.count() == 60
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.status_code == 200


def test_the_board_shows_colours_counts_and_sub_projects_under_their_parent(
        client, head, community):
    parent = make_project(head, community, title="无障碍坡道")
    child = make_project(head, community, title="三号楼坡道", parent=parent)
    milestone(child, DAY - timedelta(days=1))  # late
    login(client, head)
    response = client.get(reverse("wall_chart"), {"year": 2031})
    board = response.context["board"]
    assert [r.project.pk for r in board.rows] == [parent.pk]
    assert [c.project.pk for c in board.rows[0].children] == [child.pk]
    assert board.counts["late"] == 2  # the child, and the parent as bad as its worst child
    assert "无障碍坡道" in response.content.decode()


def test_the_board_filters_by_grid_category_and_owner(client, personas, community, grid_a,
                                                      grid_b):
    head = personas["head"]
    make_project(head, community, title="甲", grids=[grid_a])
    make_project(head, community, title="乙", grids=[grid_b], category="parking")
    login(client, head)
    titles = lambda r: [row.project.title for row in r.context["board"].rows]  # noqa: E731
    assert titles(client.get(reverse("wall_chart"), {"grid": grid_a.pk})) == ["甲"]
    assert titles(client.get(reverse("wall_chart"), {"category": "parking"})) == ["乙"]
    assert titles(client.get(reverse("wall_chart"), {"owner": head.pk})) == ["甲", "乙"]
    assert titles(client.get(reverse("wall_chart"), {"year": 2030})) == []


def test_a_grid_worker_sees_their_grids_and_the_whole_communitys(client, personas, community,
                                                                 grid_a, grid_b):
    head = personas["head"]
    make_project(head, community, title="甲", grids=[grid_a])
    make_project(head, community, title="乙", grids=[grid_b])
    make_project(head, community, title="全社区")
    login(client, personas["gridworker"])
    rows = client.get(reverse("wall_chart")).context["board"].rows
    assert sorted(r.project.title for r in rows) == ["全社区", "甲"]


def test_the_screen_refreshes_itself_keeping_its_filters_without_navigation(client, head,
                                                                            community):
    make_project(head, community)
    login(client, head)
    html = client.get(reverse("wall_chart_screen") + "?year=2031&category=lighting") \
        .content.decode()
    assert '<meta http-equiv="refresh" content="300">' in html  # reloads the same address
    assert "main-nav" not in html and "楼道照明改造" in html


def test_the_pdf_is_an_a3_landscape_pdf(client, head, community):
    make_project(head, community)
    login(client, head)
    response = client.get(reverse("wall_chart_pdf"), {"year": 2031})
    assert response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF")
    assert b"/MediaBox [0 0 1190.55 841.89]" in data or b"1190.55" in data  # A3 landscape


def test_the_portal_page_shows_no_personal_data(client, head, community):
    head.first_name, head.last_name = "建平", "顾"
    head.save(update_fields=["first_name", "last_name"])
    p = make_project(head, community, title="路灯", description="更换路灯")
    progress.update_add(actor=head, project=p, text="已开工", progress=20)
    html = client.get(reverse("portal_project", args=[p.ref])).content.decode()
    assert "路灯" in html and "已开工" in html
    assert "顾建平" not in html


def test_a_private_project_is_missing_on_the_portal(client, head, community):
    p = make_project(head, community, public=False)
    assert client.get(reverse("portal_project", args=[p.ref])).status_code == 404
    assert client.get(reverse("portal_project", args=["nope"])).status_code == 404


def test_a_photo_is_served_to_staff_in_scope_only(client, personas, community, grid_b):
    head = personas["head"]
    p = make_project(head, community, grids=[grid_b])
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, format="PNG")
    update = progress.update_add(actor=head, project=p, text="照片", photo=SimpleUploadedFile(
        "a.png", out.getvalue()))
    url = reverse("project_photo", args=[p.pk, update.pk])
    assert login(client, head).get(url)["Content-Type"] == "image/jpeg"
    assert login(client, personas["gridworker"]).get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_a_non_image_through_the_form_gets_a_message_and_nothing_is_saved(client, head,
                                                                          community):
    p = make_project(head, community)
    login(client, head)
    response = client.post(reverse("project_update_add", args=[p.pk]), {
        "text": "现场", "progress": "30",
        "photo": SimpleUploadedFile("x.jpg", b"not an image at all")})
    assert response.status_code == 200
    assert "not a photo" in response.content.decode() or "照片" in response.content.decode()
    assert not ProjectUpdate.objects.exists()


def test_a_stale_edit_keeps_the_input_and_answers_409(client, head, community):
    p = make_project(head, community)
    login(client, head)
    data = {"title": "改", "category": "lighting", "source": "plan", "owner": head.pk,
            "starts_on": "2031-01-01", "ends_on": "2031-06-30", "public": "on",
            "version": "1"}
    assert client.post(reverse("project_edit", args=[p.pk]), data).status_code == 302
    response = client.post(reverse("project_edit", args=[p.pk]), {**data, "title": "再改"})
    assert response.status_code == 409
    p.refresh_from_db()
    assert p.title == "改"


def test_a_milestone_before_the_start_through_the_form_names_the_field(client, head,
                                                                       community):
    p = make_project(head, community)
    login(client, head)
    response = client.post(reverse("project_milestone_add", args=[p.pk]),
                           {"title": "早", "planned_on": "2030-12-01"})
    assert response.status_code == 200
    assert response.context["milestone_form"].errors["planned_on"]
    assert not p.milestones.exists()


def test_the_project_page_lists_sub_projects_and_milestones(client, head, community):
    p = make_project(head, community, title="父项目")
    make_project(head, community, title="子项目甲", parent=p)
    milestone(p, date(2031, 2, 1), title="设计")
    login(client, head)
    html = client.get(reverse("project_detail", args=[p.pk])).content.decode()
    assert "子项目甲" in html and "设计" in html


def test_a_milestone_reached_in_the_future_is_refused_above_the_list(client, head, community):
    p = make_project(head, community)
    m = milestone(p, date(2031, 3, 1), title="招标")
    login(client, head)
    response = client.post(reverse("project_milestone", args=[p.pk, m.pk]), {
        "title": "招标", "planned_on": "2031-03-01", "done_on": "2031-03-11"})
    assert response.status_code == 200
    assert response.context["milestone_errors"]
    m.refresh_from_db()
    assert m.done_on is None


def test_a_milestone_is_removed(client, head, community):
    p = make_project(head, community)
    m = milestone(p, date(2031, 3, 1))
    login(client, head)
    response = client.post(reverse("project_milestone", args=[p.pk, m.pk]), {
        "title": m.title, "planned_on": "2031-03-01", "remove": "1"})
    assert response.status_code == 302
    assert not p.milestones.exists()
