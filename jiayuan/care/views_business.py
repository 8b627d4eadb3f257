"""The business page (商户沟通): a business of the registry with its owner, its
contact visits and the disputes it is a party to, each part only for the
roles that may read it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jiayuan.care import selectors
from jiayuan.care.mediation.selectors import sorted_parties
from jiayuan.care.models import DisputeParty
from jiayuan.core.access import get_in_scope, require
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.lib.text import first_line
from jiayuan.registry.selectors import businesses_for

VISIT_PAGE_SIZE = 20



@login_required
def business_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(user, Perm.VIEW_REGISTRY)
    business = get_in_scope(user, businesses_for(user).select_related(
        "grid", "owner", "dwelling__building"), pk)
    owner_link = bool(business.owner_id) and in_scope(user, business.owner.grid_id)
    can_visits = user.has(Perm.VIEW_VISITS)
    page = None
    visits = []
    if can_visits:
        qs = (selectors.visits_for(user).filter(business=business)
              .prefetch_related("visitors").order_by("-visited_at", "-id"))
        page = Paginator(qs, VISIT_PAGE_SIZE).get_page(request.GET.get("page"))
        visits = list(page.object_list)
        for v in visits:
            v.found_first = first_line(v.found)
    disputes = []
    if user.has(Perm.VIEW_DISPUTES):
        disputes = list(selectors.business_disputes(user, business)
                        .select_related("grid")
                        .prefetch_related(Prefetch("parties", queryset=DisputeParty.objects
                                                   .select_related("person", "household__dwelling",
                                                                   "household__head", "business")),
                                          "mediators")
                        .order_by("-opened_on", "-id"))
        for d in disputes:
            d.party_list = sorted_parties(d.parties.all())
    return render(request, "care/business_detail.html", {
        "business": business, "owner_link": owner_link, "can_visits": can_visits,
        "page": page, "visits": visits, "can_disputes": user.has(Perm.VIEW_DISPUTES),
        "disputes": disputes,
    })
