"""The household file and search in few round trips on PostgreSQL (issue 19,
page cost): the file's lists, the desk's and care's sections each in one
message (jiayuan.core.together), the disclosure's audit entry in two, a name
search in one. Exact counts: a round trip that comes back fails here."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.core.scope import grid_ids
from jiayuan.registry.search import search
from tests.locking import needs_postgres

pytestmark = needs_postgres

# session, user, the user's grids; the household; the file's six lists; the
# desk's cases with its repeat threshold; care's visits, duties, disputes and
# pairings; the visits' visitors; the disclosure's audit entry (two).
FILE_ROUND_TRIPS = 3 + 1 + 1 + 1 + 1 + 1 + 2


@pytest.mark.django_db(transaction=True)
def test_the_household_file_in_ten_round_trips(household, head):
    client = Client()
    client.force_login(head)
    url = reverse("household_detail", kwargs={"pk": household.pk})
    client.get(url)  # warm-up
    before = AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE).count()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "金英姬" in page and "郑民浩" in page  # the members are there
    # The page showed sensitive details: recorded, once, committed.
    assert AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE).count() == before + 1
    assert len(ctx.captured_queries) == FILE_ROUND_TRIPS, "\n".join(
        q["sql"][:80] for q in ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["郑容哲", "郑", "zrz", "zheng", "1234", "13812345678"])
def test_a_search_is_one_round_trip(household, head, query):
    grid_ids(head)  # the scope, read once a request
    with CaptureQueriesContext(connection) as ctx:
        hits = search(head, query)
    assert hits
    assert len(ctx.captured_queries) == 1, [q["sql"][:80] for q in ctx.captured_queries]
