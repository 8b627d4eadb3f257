"""The list of follow-up checks (协议回访): disputes closed with an agreement,
overdue and coming up, each with its date; scoped like every dispute list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jiayuan.care import selectors
from jiayuan.care import services as care
from tests.care.test_disputes import (
    NO_ACCESS,
    VIEWERS,
    client_for,
    close,
    open_dispute,
)

URL = reverse("dispute_followups")


@pytest.fixture
def overdue(personas: dict, household: Any, grid_a: Any) -> Any:
    """Closed 40 days ago: its check was due 10 days ago."""
    d = open_dispute(personas["head"], grid_a, summary="老两口分家",
                     opened_on=timezone.localdate() - timedelta(days=60))
    care.party_add(actor=personas["head"], dispute=d, role="applicant", person=household.head)
    return close(personas["head"], d, days_ago=40)


@pytest.fixture
def coming(personas: dict, household_b: Any, grid_b: Any) -> Any:
    """Grid B, closed today: its check is due in 30 days."""
    d = open_dispute(personas["head"], grid_b, summary="摊位占道",
                     opened_on=timezone.localdate() - timedelta(days=5))
    care.party_add(actor=personas["head"], dispute=d, role="respondent",
                   person=household_b.head)
    return close(personas["head"], d)


def test_it_lists_overdue_then_coming_checks_with_their_dates(client, personas, overdue,
                                                            coming):
    today = timezone.localdate()
    body = client_for(client, personas["mediator"]).get(URL).content.decode()
    first, second = body.index(overdue.ref), body.index(coming.ref)
    assert first < second
    assert (today - timedelta(days=10)).isoformat() in body
    assert (today + timedelta(days=30)).isoformat() in body
    assert "10 days overdue" in body and "in 30 days" in body
    assert "老两口分家" in body and "鄭容哲" in body and "马忠华" in body


def test_it_leaves_out_checks_made_open_disputes_and_disputes_without_agreement(
        client, personas, overdue, coming, grid_a):
    care.dispute_followup(actor=personas["head"], dispute=coming, on=timezone.localdate(),
                          holding=True, version=coming.version)
    still_open = open_dispute(personas["head"], grid_a, summary="仍在调解")
    gave_up = close(personas["head"], open_dispute(personas["head"], grid_a, summary="撤回"),
                    outcome="withdrawn")
    assert gave_up.followup_due is None
    body = client_for(client, personas["head"]).get(URL).content.decode()
    assert overdue.ref in body
    for d in (coming, still_open, gave_up):
        assert d.ref not in body
    assert list(selectors.followups_pending(personas["head"])) == [overdue]


@pytest.mark.parametrize("who", VIEWERS)
def test_it_shows_every_reader_the_checks_in_their_scope(client, personas, overdue, coming,
                                                         who):
    body = client_for(client, personas[who]).get(URL).content.decode()
    assert overdue.ref in body
    # The grid-A worker does not see grid B's dispute.
    assert (coming.ref in body) == (who != "gridworker")


def test_it_hides_another_grids_checks_from_the_outsider(client, personas, overdue, coming):
    body = client_for(client, personas["outsider"]).get(URL).content.decode()
    assert coming.ref in body and overdue.ref not in body
    assert "老两口分家" not in body


@pytest.mark.parametrize("who", NO_ACCESS)
def test_it_refuses_roles_without_the_permission(client, personas, who):
    assert client_for(client, personas[who]).get(URL).status_code == 403


def test_it_is_linked_from_the_disputes_list_and_home(client, personas):
    c = client_for(client, personas["mediator"])
    assert f'href="{URL}"' in c.get(reverse("dispute_list")).content.decode()
    assert f'href="{URL}"' in c.get(reverse("home")).content.decode()


def test_it_says_when_nothing_is_waiting(client, personas):
    body = client_for(client, personas["mediator"]).get(URL).content.decode()
    assert "No follow-up check is waiting." in body


def test_it_costs_the_same_queries_for_more_checks(client, personas, overdue, household,
                                                   grid_a):
    c = client_for(client, personas["head"])
    c.get(URL)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(URL).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(5):
        d = open_dispute(personas["head"], grid_a, summary=f"纠纷{i}",
                         mediators=[personas["mediator"], personas["caseworker"]],
                         opened_on=timezone.localdate() - timedelta(days=50))
        care.party_add(actor=personas["head"], dispute=d, role="applicant",
                       household=household)
        care.party_add(actor=personas["head"], dispute=d, role="respondent", name="外来人员")
        close(personas["head"], d, days_ago=i * 10)
    assert count() == before


def test_it_narrows_to_the_checks_of_disputes_i_mediate(client, personas, overdue, coming,
                                                       grid_a):
    mine = open_dispute(personas["head"], grid_a, summary="我调解的",
                        mediators=[personas["mediator"]],
                        opened_on=timezone.localdate() - timedelta(days=3))
    mine = close(personas["head"], mine)
    c = client_for(client, personas["mediator"])
    body = c.get(URL, {"show": "mine"}).content.decode()
    assert mine.ref in body and overdue.ref not in body and coming.ref not in body
    for odd in ("MINE", "²", ""):
        body = c.get(f"{URL}?show=mine&show={odd}").content.decode()
        assert mine.ref in body and overdue.ref in body
