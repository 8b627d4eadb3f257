"""What the visits app adds to a worker's daily digest (jiayuan.desk.digest):
the must-visit duties assigned to them and the mediation agreements due for
their check. Counts and links only: the reasons for a duty and the details of
a dispute are sensitive, and an e-mail leaves the station.

Registered when care's jobs module is discovered (jiayuan/care/jobs.py).
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jiayuan.care.choices import DutyStatus
from jiayuan.care.selectors import duties_for, followups_due
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.desk import digest


@digest.contribute("duties", order=10)
def duties_section(user: User, now: datetime, today: date) -> digest.Section | None:
    """Open duties assigned to the worker that are overdue or due today."""
    if not user.has(Perm.VIEW_VISITS):
        return None
    owed = duties_for(user).filter(assignee_id=user.pk, status=DutyStatus.OPEN)
    n = owed.aggregate(late=Count("pk", filter=Q(due__lt=today)),
                       now=Count("pk", filter=Q(due=today)))
    lines = []
    if n["late"]:
        lines.append(ngettext("%(n)s household is owed a visit that is overdue.",
                              "%(n)s households are owed a visit that is overdue.",
                              n["late"]) % {"n": n["late"]})
    if n["now"]:
        lines.append(ngettext("%(n)s visit is due today.", "%(n)s visits are due today.",
                              n["now"]) % {"n": n["now"]})
    return digest.Section(
        count=n["late"] + n["now"], title=_("Must-visit duties"), lines=lines,
        link=_("Your duty list:") + " " + digest.site_url("duty_list", [], "/care/duties/"))


@digest.contribute("followups", order=20)
def followups_section(user: User, now: datetime, today: date) -> digest.Section | None:
    """Disputes the worker mediated whose agreement is due to be checked."""
    if not user.has(Perm.MEDIATE):
        return None
    count = followups_due(user, today).filter(mediators=user).count()
    line = ngettext(
        "%(n)s dispute you mediated is due for the check that its agreement holds.",
        "%(n)s disputes you mediated are due for the check that their agreement holds.",
        count) % {"n": count}
    return digest.Section(
        count=count, title=_("Mediation agreements to check"), lines=[line],
        link=digest.site_url("dispute_list", [], "/care/disputes/") + "?tab=followups")
