"""Care's sections of the registry's household and business pages
(registered in CareConfig.ready through jiayuan.registry.panels)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.utils import timezone

from jiayuan.care import selectors
from jiayuan.care.mediation.selectors import sorted_parties
from jiayuan.care.models import DisputeParty
from jiayuan.core.roles import Perm
from jiayuan.lib.text import first_line

VISIT_PAGE_SIZE = 20


def household_care(actor: Any, household: Any, query: Any) -> tuple[str, dict[str, Any]]:
    return "care/_household_care.html", {"care": selectors.household_care(actor, household),
                                         "today": timezone.localdate()}


def business_care(actor: Any, business: Any, query: Any) -> tuple[str, dict[str, Any]]:
    """The business's contact visits (paged by ?page=) and the disputes it is a
    party to, each only for the roles that may read them."""
    can_visits = actor.has(Perm.VIEW_VISITS)
    page = None
    visits = []
    if can_visits:
        qs = (selectors.visits_for(actor).filter(business=business)
              .prefetch_related("visitors").order_by("-visited_at", "-id"))
        page = Paginator(qs, VISIT_PAGE_SIZE).get_page(query.get("page"))
        visits = list(page.object_list)
        for v in visits:
            v.found_first = first_line(v.found)
    disputes = []
    if actor.has(Perm.VIEW_DISPUTES):
        disputes = list(selectors.business_disputes(actor, business)
                        .select_related("grid")
                        .prefetch_related(Prefetch("parties", queryset=DisputeParty.objects
                                                   .select_related("person", "household__dwelling",
                                                                   "household__head", "business")),
                                          "mediators")
                        .order_by("-opened_on", "-id"))
        for d in disputes:
            d.party_list = sorted_parties(d.parties.all())
    return "care/_business_care.html", {
        "can_visits": can_visits, "page": page, "visits": visits,
        "can_disputes": actor.has(Perm.VIEW_DISPUTES), "disputes": disputes}
