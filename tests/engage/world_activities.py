"""The activities part's objects in the matrix world (tests/engage/world.py):
a published activity of the set's grid organised by the set's owner, a
session with a sign-up of the set's person, a volunteer serving at it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone


def activities_objects(ctx: dict[str, Any], earlier: dict[str, Any]) -> dict[str, Any]:
    """Names -> primary keys (or tokens) of this set's activities objects;
    `earlier` holds what the parts before made."""
    from jiayuan.engage.activities.models import (
        Activity,
        ActivitySession,
        SessionVolunteer,
        SignUp,
    )
    from jiayuan.engage.volunteers.models import Volunteer
    from jiayuan.registry import services as registry

    grid = ctx["grid"]
    now = timezone.now()
    activity = Activity.objects.create(
        ref=f"MATRIX-H-{ctx['tag']}", community_id=grid.community_id, grid=grid,
        kind="festival", title=f"矩阵活动{ctx['tag']}", organiser=ctx["owner"],
        published=True, edition=7, created_by=ctx["owner"])
    session = ActivitySession.objects.create(
        activity=activity, starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, hours=2), place="社区广场", capacity=10)
    signup = SignUp.objects.create(session=session, person_id=ctx["person"].pk,
                                   name=ctx["person"].name, grid=grid, source="staff",
                                   status="confirmed", photo_consent=True)
    volunteer_id = earlier.get("volunteer")
    if volunteer_id is None:
        helper = registry.person_create(
            actor=ctx["head"], household=ctx["household"], name=f"志愿者{ctx['tag']}",
            sex="F", birth_date=date(1990, 1, 1), relation="lodger", id_number="",
            phone="", origin_code="222400")
        volunteer_id = Volunteer.objects.create(community_id=grid.community_id, grid=grid,
                                                person=helper).pk
    row = SessionVolunteer.objects.create(session=session, volunteer_id=volunteer_id)
    return {"activity": activity.pk, "act_session": session.pk, "act_signup": signup.pk,
            "act_volunteer": row.pk, "checkin_token": session.checkin_token,
            "signup_token": signup.token}
