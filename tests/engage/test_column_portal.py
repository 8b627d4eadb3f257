"""The column on the portal: only posts published today, in the reader's
language with Simplified Chinese as the fallback, Uyghur right-to-left on
request, an unpublished post the same 404 as an unknown one."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.engage.column_helpers import DAY, NOW, make_post

pytestmark = pytest.mark.django_db

UG_TITLE = "تۇرالغۇ ئىجازەتنامىسى"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def post(head):
    return make_post(head, publish_on=DAY - timedelta(days=1), title_en="Residence permits",
                     body_en="Who can apply, and where.", title_ug=UG_TITLE,
                     body_ug="ئىلتىماس قىلىش")


def get(url, language="zh-hans", **params):
    client = Client(headers={"accept-language": language})
    return client.get(url, params)


def test_the_list_shows_only_what_is_published_today(clock, head, post):
    make_post(head, publish_on=DAY + timedelta(days=1), title_zh_hans="明天发布")
    make_post(head, publish_on=DAY - timedelta(days=9), unpublish_on=DAY,
              title_zh_hans="今天下架")
    make_post(head, publish_on=None, title_zh_hans="草稿")
    make_post(head, publish_on=DAY, unpublish_on=DAY + timedelta(days=1),
              title_zh_hans="今天发布")
    page = get(reverse("portal_column")).content.decode()
    assert "居住证办理" in page and "今天发布" in page
    for hidden in ("明天发布", "今天下架", "草稿"):
        assert hidden not in page


@pytest.mark.parametrize(("language", "shown", "fallback"), [
    ("zh-hans", "居住证办理", False), ("en", "Residence permits", False),
    ("zh-hant", "居住证办理", True)])
def test_a_post_in_the_readers_language_or_simplified_chinese(clock, post, language, shown,
                                                              fallback):
    response = get(reverse("portal_post", args=[post.pk]), language)
    page = response.content.decode()
    assert response.status_code == 200 and f"<h1>{shown}</h1>" in page
    assert response.context["text"].fallback is fallback


def test_lang_ug_shows_the_uyghur_version_right_to_left(clock, post):
    page = get(reverse("portal_post", args=[post.pk]), "zh-hans", lang="ug").content.decode()
    assert 'lang="ug" dir="rtl"' in page and UG_TITLE in page


def test_lang_ug_falls_back_when_there_is_no_uyghur_version(clock, head):
    post = make_post(head, publish_on=DAY)
    response = get(reverse("portal_post", args=[post.pk]), "en", lang="ug")
    assert response.context["text"].title == "居住证办理" and 'dir="rtl"' not in (
        response.content.decode())


def test_an_unpublished_post_is_the_same_404_as_an_unknown_one(clock, head):
    draft = make_post(head, publish_on=None)
    later = make_post(head, publish_on=DAY + timedelta(days=3))
    gone = make_post(head, publish_on=DAY - timedelta(days=5), unpublish_on=DAY)
    unknown = get(reverse("portal_post", args=[999999]))
    assert unknown.status_code == 404
    for post in (draft, later, gone):
        response = get(reverse("portal_post", args=[post.pk]))
        assert response.status_code == 404 and response.content == unknown.content


def test_the_list_reads_in_a_fixed_number_of_queries(clock, head,
                                                     django_assert_max_num_queries):
    for i in range(12):
        make_post(head, publish_on=DAY, title_zh_hans=f"第{i}篇")
    with django_assert_max_num_queries(6):
        response = get(reverse("portal_column"))
    assert response.status_code == 200 and len(response.context["rows"]) == 12


def test_the_column_names_the_station_as_every_portal_page_does(clock, post, settings,
                                                                monkeypatch):
    from jiayuan.desk.portal import common
    from jiayuan.places.models import Community

    settings.STATION_NAME = ""
    monkeypatch.setattr(common, "station", lambda: Community(name="南门测试站"))
    for url in (reverse("portal_column"), reverse("portal_post", args=[post.pk])):
        response = get(url)
        assert response.context["portal_station"] == "南门测试站", url
