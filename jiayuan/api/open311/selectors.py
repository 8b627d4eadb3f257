"""What Open311 shows: the catalogue minus sensitive services, and the
requests that came through the portal (or Open311, which files them through
the portal's own service), never who asked, what they wrote, or where exactly.

Anyone may read a request's service, open or closed, its dates, the
department responsible and its community (never the grid). The rest of what
the portal's status page shows the resident (jiayuan.desk.portal.views: the
status in the resident's words, the due date, the timeline entries staff
marked public) only with the request's private code (`public_token`), as that
page asks for it."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from jiayuan.desk.choices import OPEN_STATUSES, Channel
from jiayuan.desk.models import Case, CaseEvent, ServiceItem
from jiayuan.desk.portal.views import RESIDENT_STATUS, _public_event
from jiayuan.places.models import Building

MAX_RECORDS = 1000


def open311_items() -> QuerySet[ServiceItem]:
    """The services Open311 lists and accepts: active, not hidden."""
    return (ServiceItem.objects.filter(active=True, open311_hidden=False)
            .select_related("category", "department"))


def open311_item(code: str) -> ServiceItem | None:
    return open311_items().filter(code=code).first() if len(code) <= 40 else None


def open311_cases() -> QuerySet[Case]:
    """The requests Open311 shows: from the portal, of services not hidden."""
    return (Case.objects.filter(channel=Channel.PORTAL, item__open311_hidden=False)
            .select_related("item", "item__department", "community")
            .prefetch_related(Prefetch(
                "events", to_attr="public_events",
                queryset=CaseEvent.objects.filter(public=True).order_by("at", "id"))))


def when(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def service_json(item: ServiceItem) -> dict[str, Any]:
    keywords = [item.code, *item.code.split("-")]
    return {"service_code": item.code, "service_name": str(item.name),
            "description": str(item.description or ""), "metadata": True,
            "type": "realtime", "keywords": ",".join(dict.fromkeys(keywords)),
            "group": str(item.category.name)}


def building_label(building: Building) -> str:
    return f"{building.grid.community.name} {building}"


def definition_json(item: ServiceItem) -> dict[str, Any]:
    buildings = Building.objects.select_related("grid__community").order_by(
        "grid__community_id", "grid_id", "number")
    return {"service_code": item.code, "attributes": [{
        "variable": True, "code": "building", "datatype": "singlevaluelist",
        "required": False, "datatype_description": "The building (address_id).",
        "order": 1, "description": "The building the request is about.",
        "values": [{"key": str(b.pk), "name": building_label(b)} for b in buildings],
    }]}


def token_matches(case: Case, token: str) -> bool:
    """Whether `token` is the request's private code (compared in constant time)."""
    return bool(token) and secrets.compare_digest(token.encode(), case.public_token.encode())


def _status_words(case: Case) -> str:
    """The status in the resident's words, as the portal's status page says it."""
    words = {str(status): text for status, text in RESIDENT_STATUS.items()}
    return str(words.get(case.status) or case.get_status_display())


def request_json(case: Case, *, private: bool = False) -> dict[str, Any]:
    """A request as anyone may read it; `private` (the caller gave its private
    code) adds what the portal's status page shows with that code."""
    is_open = case.status in OPEN_STATUSES
    department = case.item.department
    answer: dict[str, Any] = {
        "service_request_id": case.ref,
        "status": "open" if is_open else "closed", "status_notes": "",
        "service_name": str(case.item.name), "service_code": case.item.code,
        "description": "", "agency_responsible": str(department.name) if department else "",
        "service_notice": "",
        "requested_datetime": when(case.opened_at), "updated_datetime": when(case.updated_at),
        "expected_datetime": None, "address": str(case.community.name), "address_id": None,
        "zipcode": None, "lat": None, "long": None, "media_url": None,
        "extended_attributes": {},
    }
    if private:
        notes = [{"label": str(e["label"]), "datetime": when(e["at"]),
                  "status": str(e["state"] or ""), "text": str(e["text"] or "")}
                 for e in map(_public_event, getattr(case, "public_events", ()))]
        answer.update(status_notes=_status_words(case),
                      expected_datetime=when(case.due) if is_open else None,
                      extended_attributes={"status_code": case.status, "notes": notes})
    return answer
