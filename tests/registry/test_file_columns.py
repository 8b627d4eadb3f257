"""The household file reads, of the rows its lists name, only what it shows
(jiayuan.core.columns): no encrypted number, no hash, no password hash."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from jiayuan.registry.models import Person
from tests.registry.test_query_counts_file import FileFiller, client_for

# The tables of the file's lists (the household's own read and the signed-in
# account's are not lists: they are the access call and the session's).
LISTS = ("registry_membership", "registry_circumstance", "registry_consent",
         "registry_business", "desk_case", "care_duty", "care_pairing", "care_visit_visitors")
SECRET = re.compile(r'"(password|\w+_enc|\w+_hash)"')


@pytest.fixture
def filler(household: Any, personas: dict, make_case: Any, grid_a: Any) -> FileFiller:
    return FileFiller(household, personas, make_case, grid_a)


def test_the_file_lists_read_no_secret_column(filler, personas):
    filler.add(2)
    client = client_for(personas["head"])
    url = reverse("household_detail", kwargs={"pk": filler.h.pk})
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url).content.decode()
    statements = [s for q in ctx.captured_queries for s in q["sql"].split("; ")]
    lists = [s for s in statements if any(f'FROM "{t}"' in s or f'JOIN "{t}"' in s
                                          for t in LISTS)]
    assert len(lists) >= len(LISTS) - 1  # each list was read (consents: none recorded)
    read = {m for s in lists for m in SECRET.findall(s)}
    assert read == set(), f"the file's lists read {sorted(read)}"
    # ... and still show the names they read instead.
    assert page.count("个请求") == 2 and page.count("李秀兰</a> · Volunteer") == 1
    assert "郑leave2" in page


def test_choice_labels_follow_the_language(household):
    person = Person.objects.filter(household=household).order_by("pk").first()
    person.ethnicity = "01"
    with translation.override("en"):
        english = (person.get_ethnicity_display(), person.get_sex_display())
    with translation.override("zh-hans"):
        chinese = (person.get_ethnicity_display(), person.get_sex_display())
    assert english[0] != chinese[0] and english[1] != chinese[1]
    assert "Han" in english[0] and chinese[0] == "汉族"
    person.ethnicity = "zz"  # not a choice: shown as stored, as Django does
    assert person.get_ethnicity_display() == "zz"
