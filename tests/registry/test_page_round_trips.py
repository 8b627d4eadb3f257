"""The household file in few round trips on PostgreSQL (issue 19, page cost):
the file's lists, the desk's and care's sections each in one message
(jiayuan.core.together), the disclosure's audit entry in two. An exact count:
a round trip that comes back fails here."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiayuan.core.models import AuditAction, AuditEntry
from tests.locking import needs_postgres

pytestmark = needs_postgres

# The session, the user and their second factor; the head's scope (no grids of
# their own, then their community's); the household; the file's six lists; the
# disclosure's audit entry (two); the desk's cases with its repeat threshold;
# care's visits, duties, disputes and pairings (no visits: no visitors to read).
FILE_ROUND_TRIPS = 3 + 2 + 1 + 1 + 2 + 1 + 1


@pytest.mark.django_db(transaction=True)
def test_the_household_file_in_eleven_round_trips(household, head):
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
