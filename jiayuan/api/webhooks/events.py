"""The desk's events into the outbox (connected in ApiConfig.ready).

Each receiver runs inside the desk service's transaction and writes one
`WebhookDelivery` per matching subscription: the change and its deliveries
commit together, or neither does. Nothing is sent from here.

The payload carries the case's reference, service code, status code, due
dates, timestamps and the API address of the case: no names, no phone
numbers, no free text.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from jiayuan.api.webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from jiayuan.desk import selectors
from jiayuan.desk.models import Case, Referral


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def case_url(case: Case) -> str:
    try:
        path = reverse("api_case_detail", kwargs={"pk": case.pk})
    except NoReverseMatch:
        path = f"/api/v1/cases/{case.pk}/"
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{path}"


def payload(event: str, case: Case, *, old_status: str | None = None,
            department: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "event": event,
        "case": {
            "id": case.pk, "ref": case.ref,
            "service": case.item.code if case.item_id else None,
            "status": case.status,
            "response_due": _when(case.response_due), "due": _when(case.due),
            "opened_at": _when(case.opened_at), "updated_at": _when(case.updated_at),
            "resolved_at": _when(case.resolved_at), "closed_at": _when(case.closed_at),
            "url": case_url(case),
        },
    }
    if old_status is not None:
        data["previous_status"] = old_status
    if department is not None:
        data["department"] = department
    return data


def enqueue(event: str, case: Case, data: dict[str, Any],
            department_ids: tuple[int | None, ...] = ()) -> int:
    """One outbox row per subscription to `event` whose filter matches and
    whose account may see the case now (checked again when sending)."""
    # (JSON containment is not a SQLite lookup: the event is matched in Python.)
    subs = WebhookSubscription.objects.filter(user__is_active=True).select_related("user")
    ids = tuple(i for i in department_ids if i is not None)
    subs = subs.filter(Q(department__isnull=True) | Q(department_id__in=ids))
    now = timezone.now()
    rows = [WebhookDelivery(subscription=sub, event=event, case=case, payload=data,
                            created_at=now, next_attempt_at=now)
            for sub in subs if event in sub.events and selectors.can_see(sub.user, case)]
    WebhookDelivery.objects.bulk_create(rows)
    return len(rows)


def _case_departments(case: Case) -> tuple[int | None, ...]:
    return (case.item.department_id if case.item_id else None,)


def case_created(sender: Any, *, case: Case, **kwargs: Any) -> None:
    enqueue(WebhookEvent.CASE_CREATED, case, payload(WebhookEvent.CASE_CREATED, case),
            _case_departments(case))


def case_status_changed(sender: Any, *, case: Case, old: str, new: str, **kwargs: Any) -> None:
    if old == new:
        return
    enqueue(WebhookEvent.CASE_STATUS_CHANGED, case,
            payload(WebhookEvent.CASE_STATUS_CHANGED, case, old_status=old),
            _case_departments(case))


def referral_answered(sender: Any, *, referral: Referral, case: Case, **kwargs: Any) -> None:
    enqueue(WebhookEvent.REFERRAL_ANSWERED, case,
            payload(WebhookEvent.REFERRAL_ANSWERED, case,
                    department=referral.department.code),
            (*_case_departments(case), referral.department_id))
