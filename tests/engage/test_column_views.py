"""The column's staff pages: the list with due reviews, writing, editing
(a stale form keeps what was typed: 409), reviewed, a version, the poster."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from jiayuan.engage.column import services
from jiayuan.engage.column.models import Post
from tests.engage.column_helpers import DAY, NOW, make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def form_data(post=None, **extra):
    data = {"category": "policy", "owner": "", "title_zh_hans": "民法典·相邻关系",
            "body_zh_hans": "不动产的相邻权利人应当……", "publish_on": DAY.isoformat(),
            "unpublish_on": "", "review_by": ""}
    if post is not None:
        data.update(version=post.version, owner=post.owner_id)
    data.update(extra)
    return data


def test_writing_a_post(clock, head):
    response = client_for(head).post(reverse("post_new"), form_data(owner=head.pk))
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "post_detail", args=[post.pk])
    assert post.title_zh_hans == "民法典·相邻关系"


def test_a_take_down_before_publishing_is_shown_on_the_field(clock, head):
    response = client_for(head).post(reverse("post_new"), form_data(
        owner=head.pk, unpublish_on=(DAY - timedelta(days=1)).isoformat()))
    assert response.status_code == 400
    assert "unpublish_on" in response.context["form"].errors
    assert not Post.objects.exists()


def test_a_stale_edit_keeps_the_input_and_answers_409(clock, head):
    post = make_post(head)
    client = client_for(head)
    stale = form_data(post, body_zh_hans="我写的新文本")
    assert client.post(reverse("post_edit", args=[post.pk]),
                       form_data(post, body_zh_hans="别人先存")).status_code == 302
    response = client.post(reverse("post_edit", args=[post.pk]), stale)
    assert response.status_code == 409
    assert "我写的新文本" in response.content.decode()
    post.refresh_from_db()
    assert post.body_zh_hans == "别人先存"


def test_reviewed_answers_409_only_for_a_stale_version_and_400_for_bad_input(clock, head):
    post = make_post(head)
    client = client_for(head)
    url = reverse("post_reviewed", args=[post.pk])
    bad = client.post(url, {"version": "abc"})
    (message,) = bad.context["reviewed_form"].errors["version"]
    with translation.override(bad.context["LANGUAGE_CODE"]):
        assert message == translation.gettext("Reload the page and try again.")
    assert bad.status_code == 400 and message in bad.content.decode()
    stale = client.post(url, {"version": post.version + 5})
    assert stale.status_code == 409
    assert stale.context["reviewed_form"]["version"].value() == str(post.version)
    post.refresh_from_db()
    assert post.reviewed_on is None
    assert client.post(url, {"version": post.version}).status_code == 302


def test_the_list_shows_my_due_reviews_and_reviewed_clears_them(clock, head,
                                                                  django_assert_max_num_queries):
    post = make_post(head, review_by=DAY + timedelta(days=1))
    for i in range(8):
        make_post(head, title_zh_hans=f"第{i}篇")
    services.review_reminders_raise(now=NOW + timedelta(days=1))
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        client = client_for(head)
        client.get(reverse("post_list"))  # session and caches warm
        with django_assert_max_num_queries(12):
            response = client.get(reverse("post_list"))
        assert [r.post_id for r in response.context["due"]] == [post.pk]
        assert "Reviewed" in response.content.decode() or "复核" in response.content.decode()
        done = client.post(reverse("post_reviewed", args=[post.pk]),
                           {"version": post.version, "next": "list"})
        assert done.status_code == 302 and done["Location"] == reverse("post_list")
        assert client.get(reverse("post_list")).context["due"] == []


def test_a_version_page_shows_what_changed(clock, head):
    post = make_post(head)
    post = services.post_edit(actor=head, post=post, category="policy",
                              texts={"title_zh_hans": post.title_zh_hans,
                                     "body_zh_hans": post.body_zh_hans,
                                     "title_ug": "ئۇيغۇرچە", "body_ug": "مەزمۇن"},
                              owner=head, publish_on=DAY, unpublish_on=None, version=1,
                              now=NOW)
    v2 = post.versions.get(number=2)
    response = client_for(head).get(reverse("post_version", args=[post.pk, v2.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and 'lang="ug" dir="rtl"' in page
    assert [b["changed"] for b in response.context["blocks"]] == [False, True]


def test_a_version_of_another_post_is_a_404(clock, head):
    one, two = make_post(head), make_post(head)
    response = client_for(head).get(reverse("post_version",
                                            args=[one.pk, two.versions.get().pk]))
    assert response.status_code == 404


def test_the_poster_is_a_pdf(clock, head):
    post = make_post(head)
    response = client_for(head).get(reverse("post_poster_pdf", args=[post.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
