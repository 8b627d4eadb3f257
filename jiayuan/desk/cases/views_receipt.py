"""The walk-in receipt page (printed at the desk and handed over)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jiayuan.core.roles import Perm
from jiayuan.desk import selectors
from jiayuan.desk.receipt import case_receipt


@login_required
def case_receipt_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for(request.user, pk, perm=Perm.WORK_CASES)
    receipt = case_receipt(actor=request.user, case=case)
    response = render(request, "desk/receipt.html", {"case": case, "r": receipt})
    # It carries the private code of the status page: not for shared caches.
    response["Cache-Control"] = "no-store"
    return response
