"""Suggestion services called directly: every rule refuses with a message
and saves nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import override_settings

from jiayuan.civic.choices import Stage
from jiayuan.civic.models import Suggestion, SuggestionChange, SuggestionStatus
from jiayuan.civic.suggestions import services, services_statuses
from jiayuan.civic.suggestions.selectors import status_for_stage, statuses_of
from jiayuan.core.crypto import decrypt
from jiayuan.core.models import AuditEntry
from jiayuan.places.models import Community, Grid
from tests.conftest import make_user, station_moment

DAY = date(2027, 3, 10)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(station_moment(DAY), tick=False):
        yield station_moment(DAY)


def _new(actor: Any, grid: Grid | None = None, **kw: Any) -> Suggestion:
    return services.suggestion_create(actor=actor, title=kw.pop("title", "路灯太暗"),
                                      body=kw.pop("body", "三号楼后面的路灯坏了"),
                                      category=kw.pop("category", "lighting"), grid=grid, **kw)


def _status(community: Community, stage: str) -> SuggestionStatus:
    found = status_for_stage(community.pk, stage)
    assert found is not None
    return found


@pytest.mark.django_db
def test_the_default_set_exists_with_every_stage_named_in_three_languages() -> None:
    defaults = SuggestionStatus.objects.filter(community__isnull=True)
    assert {s.stage for s in defaults} == set(Stage.values)
    assert all(s.name_zh_hans and s.name_zh_hant and s.name_en for s in defaults)


def test_it_gets_a_ref_a_code_a_first_response_due_and_the_received_status(
        personas: Any, grid_a: Grid, clock: Any) -> None:
    s = _new(personas["gridworker"], grid_a)
    assert s.ref.startswith("TST-J-2027-")
    assert len(s.public_token) >= 16
    assert s.response_due == clock + timedelta(hours=24)
    assert s.status.stage == Stage.RECEIVED and s.responded_at is None
    assert AuditEntry.objects.filter(object_type="civic.suggestion", object_id=str(s.pk)).exists()


def test_a_residents_suggestion_takes_the_grid_of_their_household(
        personas: Any, household: Any) -> None:
    s = _new(personas["caseworker"], person=household.head)
    assert s.grid_id == household.grid_id and s.source == "staff"


def test_a_resident_out_of_scope_is_refused(personas: Any, household_b: Any) -> None:
    with pytest.raises(ValidationError) as err:
        _new(personas["gridworker"], person=household_b.head)
    assert "person" in err.value.message_dict
    assert not Suggestion.objects.exists()


def test_a_grid_worker_must_choose_a_grid_and_one_of_theirs(personas: Any, grid_b: Grid) -> None:
    with pytest.raises(ValidationError) as err:
        _new(personas["gridworker"])
    assert "grid" in err.value.message_dict
    with pytest.raises(ValidationError):
        _new(personas["gridworker"], grid_b)
    assert not Suggestion.objects.exists()


def test_a_community_wide_account_may_leave_the_grid_empty(personas: Any) -> None:
    assert _new(personas["head"]).grid is None


def test_it_needs_a_title_and_a_known_category(personas: Any, grid_a: Grid) -> None:
    for kw in ({"title": "  "}, {"body": ""}, {"category": "x"}):
        with pytest.raises(ValidationError):
            _new(personas["head"], grid_a, **kw)
    assert not Suggestion.objects.exists()


def test_a_role_without_the_permission_is_refused(personas: Any, grid_a: Grid) -> None:
    from django.core.exceptions import PermissionDenied
    with pytest.raises(PermissionDenied):
        _new(personas["auditor"], grid_a)


# --- status changes -------------------------------------------------------------------

def test_a_change_needs_a_public_reason_and_records_the_first_response(
        personas: Any, grid_a: Grid, community: Community, clock: Any) -> None:
    s = _new(personas["gridworker"], grid_a)
    discussing = _status(community, Stage.DISCUSSING)
    with pytest.raises(ValidationError) as err:
        services.suggestion_set_status(actor=personas["gridworker"], suggestion=s,
                                       status=discussing, public_reason="  ")
    assert "public_reason" in err.value.message_dict
    assert not SuggestionChange.objects.exists()
    services.suggestion_set_status(actor=personas["gridworker"], suggestion=s,
                                   status=discussing, public_reason="下周议事会讨论")
    s.refresh_from_db()
    assert s.status == discussing and s.public_reason == "下周议事会讨论"
    assert s.responded_at == clock
    change = SuggestionChange.objects.get()
    assert change.from_status.stage == Stage.RECEIVED and change.by == personas["gridworker"]


def test_a_forged_status_of_another_station_is_refused(personas: Any, grid_a: Grid,
                                                      community: Community) -> None:
    other = Community.objects.create(name="别的社区", code="OTH")
    foreign = SuggestionStatus.objects.create(community=other, code="x", name="x",
                                              stage=Stage.DISCUSSING)
    s = _new(personas["head"], grid_a)
    with pytest.raises(ValidationError) as err:
        services.suggestion_set_status(actor=personas["head"], suggestion=s, status=foreign,
                                       public_reason="理由")
    assert "status" in err.value.message_dict
    s.refresh_from_db()
    assert s.status.stage == Stage.RECEIVED and s.responded_at is None


def test_a_stale_version_is_a_conflict(personas: Any, grid_a: Grid, community: Community) -> None:
    s = _new(personas["head"], grid_a)
    with pytest.raises(ValidationError):
        services.suggestion_set_status(actor=personas["head"], suggestion=s,
                                       status=_status(community, Stage.DISCUSSING),
                                       public_reason="理由", version=s.version + 5)
    assert not SuggestionChange.objects.exists()


def test_a_suggestion_out_of_scope_is_not_found(personas: Any, grid_b: Grid,
                                                community: Community) -> None:
    s = _new(personas["head"], grid_b)
    with pytest.raises(Http404):
        services.suggestion_set_status(actor=personas["gridworker"], suggestion=s,
                                       status=_status(community, Stage.DISCUSSING),
                                       public_reason="理由")


# --- merging --------------------------------------------------------------------------

def test_merging_carries_the_supporters_over(personas: Any, grid_a: Grid) -> None:
    a, b = _new(personas["head"], grid_a), _new(personas["head"], grid_a, title="路灯")
    services.suggestion_merge(actor=personas["head"], suggestion=b, into=a,
                              public_reason="与另一条建议相同")
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.supporters == 2 and b.merged_into == a
    assert b.changes.get().public_reason == "与另一条建议相同"


def test_merging_refuses_itself_a_merged_one_and_another_communitys(
        personas: Any, grid_a: Grid) -> None:
    head = personas["head"]
    a, b, c = (_new(head, grid_a) for _ in range(3))
    services.suggestion_merge(actor=head, suggestion=b, into=a, public_reason="重复")
    other = Community.objects.create(name="别的社区", code="OTH")
    other_grid = Grid.objects.create(community=other, name="外", code="X1")
    boss = make_user("boss", "head", other)
    foreign = _new(boss, other_grid)
    for into in (c, b, foreign, None):
        with pytest.raises(ValidationError) as err:
            services.suggestion_merge(actor=head, suggestion=c, into=into, public_reason="重复")
        assert "into" in err.value.message_dict
    with pytest.raises(ValidationError):  # no reason
        services.suggestion_merge(actor=head, suggestion=c, into=a, public_reason="")
    with pytest.raises(ValidationError):  # already merged
        services.suggestion_merge(actor=head, suggestion=b, into=c, public_reason="重复")
    a.refresh_from_db()
    c.refresh_from_db()
    assert a.supporters == 2 and c.merged_into is None and c.supporters == 1


# --- adopting -------------------------------------------------------------------------

def test_the_suggestion_to_project_to_done_path(personas: Any, grid_a: Grid,
                                                community: Community) -> None:
    head = personas["head"]
    s = _new(personas["gridworker"], grid_a)
    project = services.suggestion_adopt(
        actor=head, suggestion=s, public_reason="纳入今年项目清单", owner=personas["caseworker"],
        starts_on=DAY, ends_on=DAY + timedelta(days=60))
    s.refresh_from_db()
    assert s.project == project and list(project.suggestions.all()) == [s]
    assert project.source == "suggestion" and s.status.stage == Stage.ADOPTED
    assert list(project.grids.all()) == [grid_a] and project.category == "lighting"
    with pytest.raises(ValidationError):  # twice
        services.suggestion_adopt(actor=head, suggestion=s, public_reason="再次",
                                  owner=head, starts_on=DAY, ends_on=DAY)
    services.suggestion_set_status(actor=head, suggestion=s,
                                   status=_status(community, Stage.DONE),
                                   public_reason="路灯已全部换新")
    s.refresh_from_db()
    assert s.status.stage == Stage.DONE
    assert [c.to_status.stage for c in s.changes.all()] == [Stage.ADOPTED, Stage.DONE]


def test_adopting_needs_a_reason_and_a_project_manager_and_saves_nothing_otherwise(
        personas: Any, grid_a: Grid) -> None:
    s = _new(personas["head"], grid_a)
    with pytest.raises(ValidationError):
        services.suggestion_adopt(actor=personas["head"], suggestion=s, public_reason="",
                                  owner=personas["head"], starts_on=DAY, ends_on=DAY)
    with pytest.raises(ValidationError):  # the project's own rule: end before start
        services.suggestion_adopt(actor=personas["head"], suggestion=s, public_reason="好",
                                  owner=personas["head"], starts_on=DAY,
                                  ends_on=DAY - timedelta(days=1))
    s.refresh_from_db()
    assert s.project is None and s.status.stage == Stage.RECEIVED
    from jiayuan.civic.models import Project
    assert not Project.objects.exists()


# --- the portal -----------------------------------------------------------------------

def test_a_portal_suggestion_stores_the_phone_encrypted_and_masked(community: Community) -> None:
    s = services.suggestion_portal_submit(community=community, title="清真餐角",
                                          body="食堂能不能设一个清真窗口", category="services",
                                          source="addr", contact_name="马女士",
                                          contact_phone="13812345678")
    assert s.source == "portal" and s.grid is None and s.person is None
    assert "5678" in s.contact_phone_mask and "1381234" not in s.contact_phone_mask
    assert decrypt(s.contact_phone_enc) == "13812345678"


def test_a_portal_suggestion_may_be_anonymous_but_a_bad_phone_is_refused(
        community: Community) -> None:
    s = services.suggestion_portal_submit(community=community, title="坡道", body="加坡道",
                                          category="accessibility", source="addr")
    assert s.contact_name == "" and s.contact_phone_enc == ""
    with pytest.raises(ValidationError) as err:
        services.suggestion_portal_submit(community=community, title="坡道", body="加坡道",
                                          category="accessibility", source="addr",
                                          contact_phone="12")
    assert "contact_phone" in err.value.message_dict


@override_settings(PORTAL_MAX_PER_SOURCE_HOUR=2)
def test_a_flood_from_one_address_is_refused(community: Community) -> None:
    for _ in range(2):
        services.suggestion_portal_submit(community=community, title="t", body="b",
                                          category="other", source="flood")
    with pytest.raises(ValidationError) as err:
        services.suggestion_portal_submit(community=community, title="t", body="b",
                                          category="other", source="flood")
    assert err.value.error_list[0].code == "throttled"
    assert Suggestion.objects.count() == 2
    services.suggestion_portal_submit(community=community, title="t", body="b",
                                      category="other", source="someone-else")


# --- the station's statuses -----------------------------------------------------------

def test_the_first_change_copies_the_defaults_and_moves_the_suggestions(
        personas: Any, grid_a: Grid, community: Community) -> None:
    head = personas["head"]
    s = _new(head, grid_a)
    default = s.status
    services_statuses.status_update(actor=head, community=community, status=default,
                                    name_zh_hans="已登记", name_zh_hant="已登記",
                                    name_en="Logged")
    s.refresh_from_db()
    assert s.status.community == community and s.status.name_en == "Logged"
    default.refresh_from_db()
    assert default.name_en == "Received"  # the default set is untouched
    added = services_statuses.status_add(actor=head, community=community,
                                         stage=Stage.DISCUSSING, name_zh_hans="提交议事会")
    assert added in statuses_of(community.pk)
    services_statuses.status_move(actor=head, community=community, status=added, up=True)
    names = [x.name_zh_hans for x in statuses_of(community.pk)]
    assert names[-2:] == ["提交议事会", "未采纳"]


def test_the_last_active_status_of_a_stage_cannot_be_deactivated(
        personas: Any, community: Community) -> None:
    head = personas["head"]
    received = _status(community, Stage.RECEIVED)
    with pytest.raises(ValidationError) as err:
        services_statuses.status_update(actor=head, community=community, status=received,
                                        name_zh_hans="已收到", active=False)
    assert "active" in err.value.message_dict


def test_only_the_head_configures_statuses(personas: Any, community: Community) -> None:
    from django.core.exceptions import PermissionDenied
    with pytest.raises(PermissionDenied):
        services_statuses.status_add(actor=personas["caseworker"], community=community,
                                     stage=Stage.DONE, name_zh_hans="好")
