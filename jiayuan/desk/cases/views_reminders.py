"""Reminders raised by `manage.py tick` (residence permits expiring), in the
worker's scope, and marking them done."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiayuan.desk import selectors
from jiayuan.desk.services import reminder_mark_done


@login_required
def reminder_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.reminders_for(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "desk/reminder_list.html", {"page": page,
                                                          "today": timezone.localdate()})


@login_required
@require_POST
def reminder_done(request: HttpRequest, pk: int) -> HttpResponse:
    reminder = selectors.get_reminder_for(request.user, pk)
    if reminder_mark_done(actor=request.user, reminder=reminder):
        messages.success(request, _("Reminder marked done."))
    else:
        messages.error(request, _("This reminder was already marked done; nothing changed."))
    return redirect("reminder_list")
