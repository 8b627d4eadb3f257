"""Staff pages of suggestions: the list (bounded queries), entering one for
a resident, the actions on the suggestion page, the station's statuses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiayuan.civic.choices import Stage
from jiayuan.civic.models import Project, Suggestion, SuggestionChange, SuggestionStatus
from jiayuan.civic.suggestions import services
from jiayuan.civic.suggestions.selectors import status_for_stage


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _new(actor: Any, grid: Any, n: int = 0) -> Suggestion:
    return services.suggestion_create(actor=actor, title=f"建议{n}", body="内容",
                                      category="parking", grid=grid)


def test_the_list_issues_a_bounded_number_of_queries(
        personas: Any, grid_a: Any, django_assert_max_num_queries: Any) -> None:
    head = personas["head"]
    for n in range(3):
        _new(head, grid_a, n)
    client = login(personas["gridworker"])
    client.get(reverse("suggestion_list"))  # warm the session and caches
    with django_assert_max_num_queries(12):
        first = client.get(reverse("suggestion_list"))
    for n in range(3, 25):
        s = _new(head, grid_a, n)
        if n % 3 == 0:
            services.suggestion_merge(actor=head, suggestion=s,
                                      into=Suggestion.objects.order_by("pk").first(),
                                      public_reason="重复")
    with django_assert_max_num_queries(12):
        second = client.get(reverse("suggestion_list"))
    assert first.status_code == second.status_code == 200
    assert "建议24" in second.content.decode()


def test_the_grid_worker_sees_only_their_grids(personas: Any, grid_a: Any, grid_b: Any) -> None:
    _new(personas["head"], grid_a, 1)
    _new(personas["head"], grid_b, 2)
    html = login(personas["gridworker"]).get(reverse("suggestion_list")).content.decode()
    assert "建议1" in html and "建议2" not in html


def test_entering_one_for_a_resident_takes_their_grid(personas: Any, household: Any) -> None:
    client = login(personas["gridworker"])
    response = client.post(reverse("suggestion_new"), {
        "person": household.head.pk, "category": "greening", "title": "多种树",
        "body": "小区里多种几棵树"})
    s = Suggestion.objects.get()
    assert response.status_code == 302 and s.grid_id == household.grid_id
    assert s.person == household.head


def test_a_forged_resident_id_is_refused_on_the_field(personas: Any, household_b: Any) -> None:
    response = login(personas["gridworker"]).post(reverse("suggestion_new"), {
        "person": household_b.head.pk, "category": "greening", "title": "多种树",
        "body": "x"})
    assert response.status_code == 400
    assert 'id="id_person_error"' in response.content.decode()
    assert not Suggestion.objects.exists()


def test_the_page_changes_status_and_refuses_a_blank_reason(
        personas: Any, grid_a: Any, community: Any) -> None:
    s = _new(personas["head"], grid_a)
    client = login(personas["gridworker"])
    assert client.get(reverse("suggestion_detail", args=[s.pk])).status_code == 200
    discussing = status_for_stage(community.pk, Stage.DISCUSSING)
    bad = client.post(reverse("suggestion_status", args=[s.pk]), {
        "status": discussing.pk, "public_reason": " ", "version": s.version})
    assert bad.status_code == 400 and not SuggestionChange.objects.exists()
    ok = client.post(reverse("suggestion_status", args=[s.pk]), {
        "status": discussing.pk, "public_reason": "将在议事会讨论", "version": s.version})
    assert ok.status_code == 302
    s.refresh_from_db()
    assert s.status == discussing


def test_a_status_of_another_station_is_an_invalid_choice(personas: Any, grid_a: Any) -> None:
    from jiayuan.places.models import Community
    other = Community.objects.create(name="别处", code="OTH")
    foreign = SuggestionStatus.objects.create(community=other, code="z", name="z",
                                              stage=Stage.DONE)
    s = _new(personas["head"], grid_a)
    response = login(personas["head"]).post(reverse("suggestion_status", args=[s.pk]), {
        "status": foreign.pk, "public_reason": "理由", "version": s.version})
    assert response.status_code == 400
    assert "not one of your station" in response.content.decode() or response.content


def test_adopting_from_the_page_creates_the_project(personas: Any, grid_a: Any) -> None:
    s = _new(personas["head"], grid_a)
    today = timezone.localdate()
    response = login(personas["gridworker"]).post(reverse("suggestion_adopt", args=[s.pk]), {
        "version": s.version, "title": "", "owner": personas["gridworker"].pk,
        "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=30)).isoformat(),
        "public": "on", "public_reason": "列入项目"})
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.project == Project.objects.get() and s.project.title == s.title


def test_merging_from_the_page(personas: Any, grid_a: Any) -> None:
    a, b = _new(personas["head"], grid_a, 1), _new(personas["head"], grid_a, 2)
    response = login(personas["head"]).post(reverse("suggestion_merge", args=[b.pk]), {
        "version": b.version, "into": a.pk, "public_reason": "同一件事"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.supporters == 2


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant", "en"])
def test_the_statuses_page_adds_renames_and_moves(personas: Any, community: Any,
                                                  lang: str) -> None:
    client = login(personas["head"])
    client.cookies["django_language"] = lang
    assert client.get(reverse("suggestion_statuses")).status_code == 200
    response = client.post(reverse("suggestion_statuses"), {
        "action": "add", "add-stage": "discussing", "add-name_zh_hans": "上会讨论"})
    assert response.status_code == 302
    added = SuggestionStatus.objects.get(community=community, name_zh_hans="上会讨论")
    assert client.post(reverse("suggestion_statuses"), {
        "action": "up", "status": added.pk}).status_code == 302
    received = SuggestionStatus.objects.get(community=community, code="received")
    bad = client.post(reverse("suggestion_statuses"), {
        "action": "edit", "status": received.pk, f"s{received.pk}-name_zh_hans": "已收"})
    assert bad.status_code == 400  # the last "received" one cannot be switched off
    received.refresh_from_db()
    assert received.active and received.name_zh_hans == "已收到"


def test_revealing_the_contact_phone_is_audited(personas: Any, community: Any) -> None:
    from jiayuan.core.models import AuditEntry
    s = services.suggestion_portal_submit(community=community, title="t", body="b",
                                          category="other", source="x",
                                          contact_phone="13912345678")
    detail = login(personas["caseworker"]).get(reverse("suggestion_detail", args=[s.pk]))
    assert "13912345678" not in detail.content.decode()
    response = login(personas["caseworker"]).post(
        reverse("suggestion_contact_reveal", args=[s.pk]))
    assert "13912345678" in response.content.decode()
    assert AuditEntry.objects.filter(action="reveal", object_id=str(s.pk),
                                     object_type="civic.suggestion").exists()
    assert login(personas["coordinator"]).post(
        reverse("suggestion_contact_reveal", args=[s.pk])).status_code == 403


def test_entering_one_raised_at_a_meeting(personas: Any, grid_a: Any, grid_b: Any,
                                          community: Any) -> None:
    from jiayuan.civic.models import Meeting
    meeting = Meeting.objects.create(ref="TST-H-1", community=community, grid=grid_a,
                                     kind="council", title="三月议事会",
                                     starts_at=timezone.now() - timedelta(days=2),
                                     organiser=personas["head"], status="held")
    elsewhere = Meeting.objects.create(ref="TST-H-2", community=community, grid=grid_b,
                                       kind="council", title="二网格议事会",
                                       starts_at=timezone.now() - timedelta(days=2),
                                       organiser=personas["head"], status="held")
    client = login(personas["gridworker"])
    page = client.get(reverse("suggestion_new")).content.decode()
    assert "三月议事会" in page and "二网格议事会" not in page
    forged = client.post(reverse("suggestion_new"), {
        "meeting": elsewhere.pk, "category": "culture", "title": "办邻里节", "body": "x"})
    assert forged.status_code == 400 and not Suggestion.objects.exists()
    response = client.post(reverse("suggestion_new"), {
        "meeting": meeting.pk, "category": "culture", "title": "办邻里节", "body": "x"})
    assert response.status_code == 302
    s = Suggestion.objects.get()
    assert s.source == "meeting" and s.meeting == meeting and s.grid == grid_a


def test_the_suggestion_page_has_no_duplicate_ids(personas: Any, grid_a: Any) -> None:
    # Three forms on one page each had a public reason (and a version) with the
    # same id, so the adopt form's label focused the status form's box; also
    # when a form comes back with its errors.
    import re
    from collections import Counter

    s = _new(personas["head"], grid_a)
    client = login(personas["head"])
    pages = [client.get(reverse("suggestion_detail", args=[s.pk])),
             client.post(reverse("suggestion_adopt", args=[s.pk]), {"public_reason": ""})]
    assert pages[1].status_code == 400
    for page in pages:
        html = page.content.decode()
        ids = Counter(re.findall(r'\bid="([^"]+)"', html))
        assert not [i for i, n in ids.items() if n > 1], ids
        assert 'for="adopt_public_reason"' in html and 'id="adopt_public_reason"' in html
