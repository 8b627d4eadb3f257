"""A dispute's reopening line reads in the reader's language, whoever wrote it."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from jiayuan.care import services as care
from jiayuan.care.choices import REOPENED_MARK
from jiayuan.care.models import Dispute
from tests.care.test_disputes import close, dispute  # noqa: F401  (fixture)

migration = importlib.import_module(
    "jiayuan.care.migrations.0005_dispute_reopenings_rendered_in_readers_language")


def _page(user, dispute_, lang: str) -> str:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client.get(reverse("dispute_detail", args=[dispute_.pk])).content.decode()


def test_a_reopening_by_a_chinese_desk_reads_in_english(personas, dispute):  # noqa: F811
    close(personas["head"], dispute)
    dispute.refresh_from_db()
    with translation.override("zh-hans"):
        care.dispute_reopen(actor=personas["mediator"], dispute=dispute, reason="协议未履行",
                            version=dispute.version)
    dispute.refresh_from_db()
    assert dispute.outcome_note.endswith(f"{REOPENED_MARK}协议未履行")
    assert "Reopened: 协议未履行" in _page(personas["mediator"], dispute, "en")
    assert "重新啟動調解: 协议未履行" in _page(personas["mediator"], dispute, "zh-hant")


def test_the_migration_converts_reopenings_written_as_text(personas, dispute):  # noqa: F811
    Dispute.objects.filter(pk=dispute.pk).update(
        outcome_note="双方同意\nReopened: 又吵起来了\n重新启动调解: 再次\nReopened without colon")
    migration.forwards(apps, None)
    dispute.refresh_from_db()
    assert dispute.outcome_note == (f"双方同意\n{REOPENED_MARK}又吵起来了\n"
                                    f"{REOPENED_MARK}再次\nReopened without colon")
