"""The column's services: creating, editing (versions, what changed, stale
edits), reviewing, and the bad input each refuses with nothing saved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jiayuan.core.models import AuditEntry
from jiayuan.core.roles import Role
from jiayuan.core.versioning import Conflict
from jiayuan.engage.column import services
from jiayuan.engage.column.models import Post, PostVersion
from jiayuan.engage.column.selectors import TEXT_FIELDS
from jiayuan.places.models import Community
from tests.conftest import make_user
from tests.engage.column_helpers import DAY, NOW, later, make_post, texts

pytestmark = pytest.mark.django_db


def edit(actor, post, *, version, now=None, **changes):
    values = {"category": post.category, "owner": post.owner, "publish_on": post.publish_on,
              "unpublish_on": post.unpublish_on,
              "texts": {n: getattr(post, n) for n in TEXT_FIELDS}}
    values["texts"].update(changes.pop("texts", {}))
    values.update(changes)
    return services.post_edit(actor=actor, post=post, version=version, now=now or later(1),
                              **values)


def test_it_creates_a_post_with_its_first_version_and_a_review_date(head):
    post = make_post(head)
    assert post.version == 1 and post.owner == head and post.community == head.community
    assert post.review_by == DAY + timedelta(days=90)
    first = PostVersion.objects.get(post=post)
    assert first.number == 1 and first.texts["title_zh_hans"] == "居住证办理"
    assert AuditEntry.objects.filter(object_type="engage.post", action="create").exists()


def test_it_refuses_a_post_without_edit_column(personas):
    with pytest.raises(PermissionDenied):
        make_post(personas["gridworker"])
    assert not Post.objects.exists()


@pytest.mark.parametrize(("publish", "unpublish"), [(0, 0), (5, 2), (None, 3)])
def test_it_refuses_a_take_down_not_after_publishing(head, publish, unpublish):
    with pytest.raises(ValidationError) as err:
        make_post(head, publish_on=None if publish is None else DAY + timedelta(days=publish),
                  unpublish_on=DAY + timedelta(days=unpublish))
    assert "unpublish_on" in err.value.error_dict
    assert not Post.objects.exists() and not PostVersion.objects.exists()


@pytest.mark.parametrize("field", ["title_zh_hans", "body_zh_hans"])
def test_it_refuses_an_empty_simplified_chinese_text(head, field):
    with pytest.raises(ValidationError) as err:
        make_post(head, **{field: "  "})
    assert field in err.value.error_dict
    assert not Post.objects.exists()


def test_it_refuses_a_title_without_its_text_in_another_language(head):
    with pytest.raises(ValidationError) as err:
        make_post(head, title_en="Residence permits")
    assert "body_en" in err.value.error_dict


def test_it_refuses_an_owner_of_another_community(head):
    far = Community.objects.create(name="别处", code="FAR")
    stranger = make_user("far-head", Role.HEAD, far)
    with pytest.raises(ValidationError) as err:
        services.post_create(actor=head, category="law", texts=texts(), owner=stranger,
                             now=NOW)
    assert "owner" in err.value.error_dict
    assert not Post.objects.exists()


def test_it_refuses_an_owner_who_cannot_edit_the_column(head, personas):
    with pytest.raises(ValidationError):
        services.post_create(actor=head, category="law", texts=texts(),
                             owner=personas["auditor"], now=NOW)


def test_an_edit_keeps_a_version_naming_what_changed(head, personas):
    post = make_post(head)
    post = edit(head, post, version=1, texts={"body_zh_hans": "新的说明。",
                                              "title_en": "Residence permits",
                                              "body_en": "How to apply."},
                publish_on=DAY + timedelta(days=1), owner=personas["caseworker"])
    assert post.version == 2 and post.owner == personas["caseworker"]
    v2 = post.versions.get(number=2)
    assert v2.changed.split(",") == ["body_zh_hans", "title_en", "body_en", "publish_on",
                                     "review_by"]
    assert v2.texts["body_en"] == "How to apply."
    assert post.versions.get(number=1).texts["body_zh_hans"] == "持居住证可享受基本公共服务。"


def test_a_stale_edit_is_refused_and_nothing_is_lost(head):
    post = make_post(head)
    edit(head, Post.objects.get(pk=post.pk), version=1, texts={"body_zh_hans": "第一人"})
    with pytest.raises(Conflict):
        edit(head, Post.objects.get(pk=post.pk), version=1, texts={"body_zh_hans": "第二人"})
    post.refresh_from_db()
    assert post.body_zh_hans == "第一人" and post.version == 2
    assert post.versions.count() == 2


def test_an_edit_with_bad_dates_saves_nothing(head):
    post = make_post(head)
    with pytest.raises(ValidationError):
        edit(head, post, version=1, texts={"body_zh_hans": "改了"},
             unpublish_on=DAY - timedelta(days=1))
    post.refresh_from_db()
    assert post.body_zh_hans != "改了" and post.version == 1 and post.versions.count() == 1


def test_reviewed_pushes_the_review_date_and_keeps_a_version(head):
    post = make_post(head, review_by=DAY + timedelta(days=10))
    post = services.post_reviewed(actor=head, post=post, version=1, now=later(10))
    assert post.reviewed_on == DAY + timedelta(days=10)
    assert post.review_by == DAY + timedelta(days=100)
    assert post.versions.get(number=2).changed == "review_by"


def test_a_review_date_in_the_past_is_refused(head):
    with pytest.raises(ValidationError) as err:
        make_post(head, review_by=DAY)
    assert "review_by" in err.value.error_dict


def test_a_post_of_another_community_is_not_reachable(head):
    far = Community.objects.create(name="别处", code="FAR")
    with pytest.raises(ValidationError):
        services.post_create(actor=head, category="law", texts=texts(), community=far,
                             now=NOW)
