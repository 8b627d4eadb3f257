"""`manage.py tick`'s review reminders: one per post and review date (a
second run writes nothing), due today counts, and a review moves the date so
no reminder comes until the new one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jiayuan.core import scheduler
from jiayuan.engage.column import selectors, services
from jiayuan.engage.column.models import ReviewReminder
from tests.engage.column_helpers import DAY, NOW, later, make_post

pytestmark = pytest.mark.django_db


def test_the_job_is_registered_with_tick():
    assert "column_reviews" in {job.name for job in scheduler.jobs()}


def test_no_reminder_the_day_before_it_is_due(head):
    make_post(head, review_by=DAY + timedelta(days=5))
    assert services.review_reminders_raise(now=later(4)) == 0
    assert not ReviewReminder.objects.exists()


def test_a_reminder_is_raised_on_the_day_it_is_due_and_only_once(head):
    post = make_post(head, review_by=DAY + timedelta(days=5))
    assert services.review_reminders_raise(now=later(5)) == 1
    assert services.review_reminders_raise(now=later(5)) == 0
    assert services.review_reminders_raise(now=later(9)) == 0
    reminder = ReviewReminder.objects.get()
    assert (reminder.post, reminder.due, reminder.owner) == (post, post.review_by, head)
    assert [r.pk for r in selectors.due_reviews_for(head)] == [reminder.pk]


def test_a_reviewed_post_gets_a_new_date_and_no_reminder_until_then(head):
    post = make_post(head, review_by=DAY + timedelta(days=5))
    services.review_reminders_raise(now=later(6))
    post = services.post_reviewed(actor=head, post=post, version=post.version, now=later(7))
    assert post.review_by == DAY + timedelta(days=97)
    assert ReviewReminder.objects.get().done_at is not None
    assert selectors.due_reviews_for(head) == []
    assert services.review_reminders_raise(now=later(96)) == 0
    assert services.review_reminders_raise(now=later(97)) == 1
    assert ReviewReminder.objects.filter(done_at__isnull=True).get().due == post.review_by


def test_an_edit_closes_the_reminder_too(head):
    post = make_post(head, review_by=DAY + timedelta(days=5))
    services.review_reminders_raise(now=later(5))
    services.post_edit(actor=head, post=post, category="law",
                       texts={"title_zh_hans": "新标题", "body_zh_hans": "新文本"},
                       owner=head, publish_on=DAY, unpublish_on=None, version=post.version,
                       now=later(6))
    assert selectors.due_reviews_for(head) == []


def test_a_post_taken_down_is_not_reminded(head):
    make_post(head, publish_on=DAY, unpublish_on=DAY + timedelta(days=3),
              review_by=DAY + timedelta(days=5))
    assert services.review_reminders_raise(now=later(5)) == 0


def test_reminders_for_many_posts_in_one_run(head, django_assert_max_num_queries):
    for i in range(5):
        make_post(head, review_by=DAY + timedelta(days=1), title_zh_hans=f"第{i}篇")
    assert services.review_reminders_raise(now=NOW + timedelta(days=1)) == 5
    with django_assert_max_num_queries(4):
        assert len(selectors.due_reviews_for(head)) == 5
