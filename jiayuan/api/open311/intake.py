"""POST requests.{fmt}: an Open311 form, read and checked, then filed through
the portal's own service (desk.services.portal_create: its validation, its
rate limits, its audit entry). The requester's name and phone go where the
portal's do (the case, staff-only); the email is checked and not kept (the
portal takes none); coordinates are checked and not kept (a building, given
as address_id, places a request, at no finer level)."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from jiayuan.api.open311.selectors import building_label, open311_item
from jiayuan.core.access import as_id
from jiayuan.desk import services
from jiayuan.desk.models import Case
from jiayuan.desk.portal.common import station
from jiayuan.lib.phone import PhoneError, normalize_phone
from jiayuan.places.models import Building

FIELDS = frozenset({"api_key", "jurisdiction_id", "service_code", "lat", "long",
                    "address_string", "address_id", "email", "device_id", "account_id",
                    "first_name", "last_name", "phone", "description", "media_url",
                    "consent", "attribute[building]"})
MAX_MEDIA = 5
YES = ("true", "1", "yes", "on")


def _one(data: Any, name: str, limit: int) -> str:
    values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name, "")]
    if len(values) > 1:
        raise ValidationError(_("%(field)s is given more than once.") % {"field": name})
    value = str(values[0] if values else "").strip()
    if len(value) > limit:
        raise ValidationError(_("%(field)s is too long.") % {"field": name})
    return value


def _coordinate(data: Any, name: str, bound: float) -> None:
    raw = _one(data, name, 40)
    if not raw:
        return
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and -bound <= value <= bound):
        raise ValidationError(_("%(field)s is not a coordinate.") % {"field": name})


def _building(data: Any) -> Building | None:
    raw = _one(data, "address_id", 20) or _one(data, "attribute[building]", 20)
    if not raw:
        return None
    building = Building.objects.select_related("grid__community").filter(
        pk=as_id(raw) or 0).first()
    if building is None:
        raise ValidationError(_("address_id names no building."))
    return building


def _media(data: Any) -> list[str]:
    urls = [str(u).strip() for u in data.getlist("media_url") if str(u).strip()]
    if len(urls) > MAX_MEDIA:
        raise ValidationError(_("At most %(n)d media_url may be given.") % {"n": MAX_MEDIA})
    check = URLValidator(schemes=["http", "https"])
    for url in urls:
        if len(url) > 500:
            raise ValidationError(_("A media_url is too long."))
        check(url)
    return urls


def open311_create(data: Any, *, source: str) -> Case:
    """File an Open311 request through the portal's service. Raises
    ValidationError (400; code "throttled" -> 429)."""
    for key in data:
        if key not in FIELDS:
            raise ValidationError(_("Unknown field: %(field)s.") % {"field": key[:40]})
        if any("\x00" in str(v) for v in data.getlist(key)):
            raise ValidationError(_("%(field)s holds a NUL character.") % {"field": key})
    code = _one(data, "service_code", 40)
    if not code:
        raise ValidationError(_("service_code is required."))
    item = open311_item(code)
    if item is None:
        raise ValidationError(_("service_code names no service offered here."))
    description = _one(data, "description", 4000)
    if not description:
        raise ValidationError(_("description is required."))
    name = " ".join(f"{_one(data, 'first_name', 30)} {_one(data, 'last_name', 30)}".split())
    if not name:
        raise ValidationError(_("first_name or last_name is required, so the station "
                                "knows whom to call."))
    try:
        phone = normalize_phone(_one(data, "phone", 30))
    except PhoneError as err:
        raise ValidationError(_("phone: %(error)s") % {"error": err.message}) from err
    email = _one(data, "email", 254)
    if email:
        validate_email(email)
    _coordinate(data, "lat", 90)
    _coordinate(data, "long", 180)
    for name_only in ("jurisdiction_id", "device_id", "account_id"):
        _one(data, name_only, 100)
    building = _building(data)
    address = _one(data, "address_string", 200)
    media = _media(data)
    community = building.grid.community if building else station()
    if community is None:
        raise ValidationError(_("The station is not set up to take requests yet."))
    summary = description.splitlines()[0].strip()[:200]
    extra = [description] if description != summary else []
    if building:
        extra.append(f"address_id: {building_label(building)}")
    if address:
        extra.append(f"address_string: {address}")
    # Field names, not translated labels: the database keeps no translated text.
    extra += [f"media_url: {url}" for url in media]
    return services.portal_create(
        item=item, summary=summary, details="\n".join(extra)[:4000], caller_name=name,
        caller_phone=phone, community=community, source=source,
        contact_consent=_one(data, "consent", 10).lower() in YES)
