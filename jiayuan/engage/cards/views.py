"""Staff pages of contact cards, under /engage/cards/: the cards page (live
and revoked links, this year's batches and how many cards were handed out),
a new link, revoking one, a new batch, a batch and its PDF, a card's preview.

Reading needs VIEW_ENGAGE; links, batches and their PDFs ISSUE_CARDS (the
head); a link or batch of another community is a 404 (selectors.get_*_for)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiayuan.core.access import require
from jiayuan.core.roles import Perm
from jiayuan.core.views import pdf_response, submit, year_param
from jiayuan.engage.cards import selectors, services
from jiayuan.engage.cards.forms import BatchForm, LinkForm
from jiayuan.engage.cards.links import card_path
from jiayuan.engage.cards.models import CardBatch, CardLink


@login_required
@require_GET
def card_list(request: HttpRequest) -> HttpResponse:
    user = require(request.user, Perm.VIEW_ENGAGE)
    year = year_param(request)
    issued = selectors.cards_issued(user, year)
    live = selectors.link_list(user)
    revoked = selectors.link_list(user, revoked=True)
    for link in (*live, *revoked):
        link.issued = issued.by_link.get(link.pk, 0)  # type: ignore[attr-defined]
        link.path = card_path(link)  # type: ignore[attr-defined]
    return render(request, "engage/card_list.html", {
        "live": live, "revoked": revoked, "issued": issued, "year": year,
        "issued_shown": f"{issued.total:,}",  # "1,000 cards": grouped in every language
        "batches": list(selectors.batch_list(user, year=year)),
        "can_issue": user.has(Perm.ISSUE_CARDS)})


@login_required
@require_http_methods(["GET", "POST"])
def card_link_new(request: HttpRequest) -> HttpResponse:
    user = require(request.user, Perm.ISSUE_CARDS)
    form = LinkForm(request.POST or None, actor=user)

    def save(d: dict[str, Any]) -> CardLink:
        return services.card_link_create(actor=user, user=d.get("user"), role=d["role"],
                                         office_hours=d["office_hours"], hotline=d["hotline"])

    done = submit(request, form, save, _("Card link made: print it in a batch."),
                  lambda _link: redirect("card_list"))
    if done:
        return done
    return render(request, "engage/card_link_form.html", {"form": form},
                  status=400 if form.is_bound else 200)


@login_required
@require_POST
def card_link_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    link = selectors.get_link_for(request.user, pk)  # type: ignore[arg-type]
    try:
        services.card_link_revoke(actor=request.user, link=link)  # type: ignore[arg-type]
    except ValidationError as err:
        messages.error(request, " ".join(err.messages))
    else:
        messages.success(request, _("Card link revoked: its cards now say they are out of "
                                    "date."))
    return redirect("card_list")


@login_required
@require_http_methods(["GET", "POST"])
def card_batch_new(request: HttpRequest) -> HttpResponse:
    user = require(request.user, Perm.ISSUE_CARDS)
    form = BatchForm(request.POST or None, links=list(selectors.live_links_for(user)))

    def save(d: dict[str, Any]) -> CardBatch:
        return services.card_batch_create(actor=user, lines=form.lines(), note=d["note"])

    done = submit(request, form, save, _("Batch recorded: download its PDF for the printer."),
                  lambda batch: redirect("card_batch_detail", pk=batch.pk))
    if done:
        return done
    return render(request, "engage/card_batch_form.html", {
        "form": form, "max_copies": services.MAX_COPIES},
        status=400 if form.is_bound else 200)


@login_required
@require_GET
def card_batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.get_batch_for(request.user, pk)  # type: ignore[arg-type]
    lines = selectors.batch_lines(batch)
    return render(request, "engage/card_batch_detail.html", {
        "batch": batch, "lines": lines, "total": sum(line.copies for line in lines)})


@login_required
@require_GET
def card_batch_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.get_batch_for(request.user, pk)  # type: ignore[arg-type]
    data = services.card_batch_print(actor=request.user, batch=batch)  # type: ignore[arg-type]
    return pdf_response(data, f"cards-{batch.pk}.pdf")


@login_required
@require_GET
def card_preview_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    link = selectors.get_link_for(request.user, pk)  # type: ignore[arg-type]
    data = services.card_preview_print(actor=request.user, link=link)  # type: ignore[arg-type]
    return pdf_response(data, f"card-{link.pk}.pdf")
