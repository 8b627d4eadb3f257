"""The demo's year of meetings (manage.py demo, tiny scale, at DEMO_TODAY)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count

from jiayuan.civic.choices import MeetingKind, MinutesState
from jiayuan.civic.demo import meetings as meetings_demo
from jiayuan.civic.meetings.models import Decision, Meeting, MinutesVersion, Participant
from tests.conftest import DEMO_TODAY
from tests.shared_data import demo_once

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_today")]


demo_loaded = demo_once(seed=1)


def demo(**options: Any) -> str:
    out = StringIO()
    call_command("demo", scale="tiny", today=DEMO_TODAY, stdout=out, **options)
    return out.getvalue()


@pytest.mark.xdist_group("civic-demo")
class TestTheLoadedDemo:
    """Checks of one load (seed 1, DEMO_TODAY), made once for the class."""

    def test_the_demo_has_a_year_of_meetings_of_every_kind(self, demo_loaded: str) -> None:
        meetings = Meeting.objects.all()
        # The tiny scale writes a third of a station's year (30 held, 3 to come):
        # every kind held at least once.
        assert len(MeetingKind.values) + 3 <= meetings.count() <= 16
        assert set(meetings.values_list("kind", flat=True)) == set(MeetingKind.values)
        held = meetings.filter(starts_at__date__lt=DEMO_TODAY)
        assert held.filter(starts_at__date__lt=DEMO_TODAY.replace(year=DEMO_TODAY.year - 1)
                           ).count() == 0
        assert meetings.filter(starts_at__date__gt=DEMO_TODAY, status="planned").exists()
        states = set(MinutesVersion.objects.values_list("state", flat=True))
        assert states == set(MinutesState.values)
        assert MinutesVersion.objects.filter(number=2).exists()  # a second draft, kept
        # Every resident invited lives in the meeting's community (and grid, if it has one).
        for p in Participant.objects.filter(kind="resident").select_related("meeting"):
            assert p.meeting.grid_id in (None, p.grid_id)
        assert Participant.objects.filter(attendance="present").count() > 50
        assert meetings.filter(partner__isnull=False, kind="liaison").count() == meetings.filter(
            kind="liaison").count()

    def test_decisions_open_cases_and_projects_some_carried_out(self, demo_loaded: str) -> None:
        decisions = Decision.objects.all()
        statuses = dict(decisions.values_list("status").annotate(n=Count("pk")))
        assert statuses.get("open") and statuses.get("done") and statuses.get("dropped")
        with_case = decisions.filter(case__isnull=False).select_related("case")
        channels = {d.case.channel for d in with_case}
        assert "meeting" in channels and len(channels) > 1  # new requests, and linked ones
        with_project = decisions.filter(project__isnull=False).select_related("project")
        assert with_project.exists() and all(d.project.source == "decision" for d in with_project)
        for d in decisions.select_related("meeting"):
            assert d.due >= d.meeting.starts_at.date()

    def test_reset_removes_every_meeting(self, demo_loaded: str) -> None:
        n = Meeting.objects.count()
        assert meetings_demo.reset()["meeting"] == n
        assert not Meeting.objects.exists() and not Decision.objects.exists()
