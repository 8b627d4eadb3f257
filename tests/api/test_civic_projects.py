"""GET /api/v1/projects/ and /{id}/: improvement projects with their
milestones and colour (the wall chart's data) over the pages' selectors."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from jiayuan.civic.projects.health import health
from jiayuan.core.audit import verify_chain
from jiayuan.core.models import AuditEntry
from jiayuan.core.roles import Perm
from tests.civic.projects_factory import DAY, make_project, milestone

ROLES = ("head", "caseworker", "gridworker", "mediator", "coordinator", "auditor", "admin",
         "outsider")
LIST = reverse("api_project_list")


def detail(pk: Any) -> str:
    return reverse("api_project_detail", args=[pk])


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(f"{DAY.isoformat()}T10:00:00+08:00", tick=False):
        yield


@pytest.fixture
def project(personas: dict, community: Any, grid_a: Any) -> Any:
    p = make_project(personas["head"], community, title="A网格照明", grids=[grid_a])
    milestone(p, date(2031, 2, 1), date(2031, 2, 3), title="采购")
    milestone(p, date(2031, 3, 1), title="安装")  # late: not reached
    return p


@pytest.fixture
def project_b(personas: dict, community: Any, grid_b: Any) -> Any:
    return make_project(personas["head"], community, title="B网格停车", grids=[grid_b],
                        category="parking", starts_on=date(2030, 1, 1),
                        ends_on=date(2030, 12, 31))


def test_anonymous_gets_401(db: Any) -> None:
    for url in (LIST, detail(1)):
        response = APIClient().get(url)
        assert response.status_code == 401
        assert response.json()["error"]["status"] == 401


@pytest.mark.parametrize("role", ROLES)
def test_the_list_shows_the_projects_in_scope(api_for: Any, personas: dict, project: Any,
                                              project_b: Any, role: str) -> None:
    user = personas[role]
    response = api_for(user).get(LIST)
    if not user.has(Perm.VIEW_CIVIC):
        assert response.status_code == 403
        assert AuditEntry.objects.filter(action="denied", actor_id=user.pk).exists()
        return
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    expected = {"gridworker": {project.pk}, "outsider": {project_b.pk}}.get(
        role, {project.pk, project_b.pk})
    assert ids == expected


def test_rows_carry_the_wall_charts_data(api_for: Any, personas: dict, project: Any) -> None:
    row = api_for(personas["head"]).get(LIST).json()["results"][0]
    assert [m["title"] for m in row["milestones"]] == ["采购", "安装"]
    assert row["milestones"][0]["done_on"] == "2031-02-03"
    assert row["milestones"][1]["done_on"] is None
    assert row["health"] == health(project, DAY).value
    assert row["health"] != "on_track"  # a milestone is past its planned day
    assert row["grids"][0]["id"] == project.grids.get().pk


def test_the_list_filters_as_the_page(api_for: Any, personas: dict, project: Any,
                                      project_b: Any, grid_b: Any) -> None:
    client = api_for(personas["head"])

    def ids(**q: Any) -> list[int]:
        response = client.get(LIST, q)
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["results"]]

    assert ids(year=2030) == [project_b.pk]
    assert ids(category="lighting") == [project.pk]
    assert ids(grid=grid_b.pk) == [project_b.pk]
    assert ids(q="照明") == [project.pk]
    assert ids(owner=personas["head"].pk) == [project.pk, project_b.pk]
    assert ids(status="cancelled") == []


def test_a_grid_out_of_scope_is_a_404(api_for: Any, personas: dict, grid_b: Any) -> None:
    response = api_for(personas["gridworker"]).get(LIST, {"grid": grid_b.pk})
    assert response.status_code == 404


@pytest.mark.parametrize("query", [{"year": "1900"}, {"grid": "x"}, {"category": "nope"},
                                   {"status": "x"}, {"owner": str(2**40)}])
def test_a_bad_filter_is_a_400(api_for: Any, personas: dict, query: dict) -> None:
    response = api_for(personas["head"]).get(LIST, query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("role", ROLES)
def test_one_project_in_scope_or_404(api_for: Any, personas: dict, project: Any,
                                     role: str) -> None:
    user = personas[role]
    response = api_for(user).get(detail(project.pk))
    if not user.has(Perm.VIEW_CIVIC):
        assert response.status_code == 403
    elif role == "outsider":
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        data = response.json()
        assert data["ref"] == project.ref and len(data["milestones"]) == 2
        assert data["can_edit"] == user.has(Perm.MANAGE_PROJECTS)
    assert verify_chain().ok


def test_children_are_shown_with_their_colour(api_for: Any, personas: dict, community: Any,
                                              project: Any, grid_a: Any) -> None:
    child = make_project(personas["head"], community, title="子项目", grids=[grid_a],
                         parent=project)
    data = api_for(personas["head"]).get(detail(project.pk)).json()
    assert data["children"] == [{"id": child.pk, "ref": child.ref, "title": "子项目",
                                 "progress": child.progress,
                                 "health": health(child, DAY).value}]
    assert api_for(personas["head"]).get(detail(child.pk)).json()["parent"]["id"] == project.pk


def test_missing_and_odd_ids_are_404(api_for: Any, personas: dict) -> None:
    client = api_for(personas["head"])
    for pk in ("999999", str(2**80), "x"):
        assert client.get(detail(pk)).status_code == 404


def test_post_is_not_allowed(api_for: Any, personas: dict, project: Any) -> None:
    client = api_for(personas["head"])
    assert client.post(LIST, {}, format="json").status_code == 405
    assert client.post(detail(project.pk), {}, format="json").status_code == 405
