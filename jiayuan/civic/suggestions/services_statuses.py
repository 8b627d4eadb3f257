"""A station's own suggestion statuses (its settings page): the station
starts from the default set (community empty); the first change copies that
set into the station's own, and moves the station's suggestions onto the
copies, so every later change is the station's alone. Each status keeps its
stage; every stage keeps at least one active status (new suggestions need a
"received" one, adopting an "adopted" one).

Every service here holds the station's own lock (core.locks) before it reads:
the first copy is made once, numbers and orders are counted in turn, and two
deactivations at once cannot leave a stage without an active status."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext as _

from jiayuan.civic.choices import Stage
from jiayuan.civic.scoping import community_ids
from jiayuan.civic.suggestions.models import Suggestion, SuggestionStatus
from jiayuan.core import audit, locks
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.places.models import Community

NAME_FIELDS = ("name_zh_hans", "name_zh_hant", "name_en")
FIELDS = ("code", "name_zh_hans", "name_zh_hant", "name_en", "stage", "order", "active")


def _check_community(actor: User, community_id: int | None) -> None:
    ids = community_ids(actor)
    if community_id is None or (ids is not None and community_id not in ids):
        raise ValidationError(_("These statuses are not your station's."))


def _hold(actor: User, community: Community) -> None:
    """The checks every service starts with, then the station's lock."""
    require(actor, Perm.MANAGE_CATALOGUE)
    _check_community(actor, community.pk)
    locks.hold(locks.per_community(locks.SUGGESTION_STATUSES, community.pk))


def _names(name_zh_hans: str, name_zh_hant: str, name_en: str) -> dict[str, str]:
    names = {"name_zh_hans": name_zh_hans.strip(), "name_zh_hant": name_zh_hant.strip(),
             "name_en": name_en.strip()}
    if not names["name_zh_hans"]:
        raise ValidationError({"name_zh_hans": _("Give the status a name.")})
    names["name_zh_hant"] = names["name_zh_hant"] or names["name_zh_hans"]
    names["name_en"] = names["name_en"] or names["name_zh_hans"]
    return names


def _named(row: SuggestionStatus, names: dict[str, str]) -> SuggestionStatus:
    """Write the names: `name` (modeltranslation writes it to the active
    language's column) first, then each language's own, which win."""
    row.name = names["name_zh_hans"]
    for key in NAME_FIELDS:
        setattr(row, key, names[key])
    return row


def _own(actor: User, community: Community) -> dict[str, SuggestionStatus]:
    """The station's own statuses by code, copying the default set first."""
    own = {s.code: s for s in SuggestionStatus.objects.filter(community=community)}
    if own:
        return own
    for default in SuggestionStatus.objects.filter(community__isnull=True).order_by("order"):
        names = {f: getattr(default, f) or default.name for f in NAME_FIELDS}
        copy = _named(SuggestionStatus(community=community, code=default.code,
                                       stage=default.stage, order=default.order,
                                       active=default.active), names)
        copy.save()
        audit.record(AuditAction.CREATE, actor=actor, obj=copy,
                     changes=audit.created(audit.snapshot(copy, FIELDS)))
        moved = Suggestion.objects.filter(community=community, status=default).update(
            status=copy)
        if moved:
            audit.record(AuditAction.UPDATE, actor=actor, obj=copy, changes={
                "suggestions": [f"{moved} × {default.code} (default)", copy.code]})
        own[copy.code] = copy
    return own


def _station_status(actor: User, status: SuggestionStatus,
                    community: Community) -> SuggestionStatus:
    """`status` as the station's own row (its copy when it is a default)."""
    if status.community_id is None:
        return _own(actor, community)[status.code]
    _check_community(actor, status.community_id)
    if status.community_id != community.pk:
        raise ValidationError(_("These statuses are not your station's."))
    return status


@audit.audited
def status_add(*, actor: User, community: Community, stage: str, name_zh_hans: str,
               name_zh_hant: str = "", name_en: str = "") -> SuggestionStatus:
    _hold(actor, community)
    if stage not in Stage.values:
        raise ValidationError({"stage": _("Choose what the status means.")})
    names = _names(name_zh_hans, name_zh_hant, name_en)
    own = _own(actor, community)
    number = len(own) + 1
    while f"s{number}" in own:
        number += 1
    last = SuggestionStatus.objects.filter(community=community).aggregate(m=Max("order"))["m"]
    status = _named(SuggestionStatus(community=community, code=f"s{number}", stage=stage,
                                     order=(last or 0) + 10), names)
    status.save()
    audit.record(AuditAction.CREATE, actor=actor, obj=status,
                 changes=audit.created(audit.snapshot(status, FIELDS)))
    return status


@audit.audited
def status_update(*, actor: User, community: Community, status: SuggestionStatus,
                  name_zh_hans: str, name_zh_hant: str = "", name_en: str = "",
                  active: bool = True) -> SuggestionStatus:
    """Rename a status, or (de)activate it: a deactivated status is offered no
    more; the suggestions that have it keep it."""
    _hold(actor, community)
    names = _names(name_zh_hans, name_zh_hant, name_en)
    row = _station_status(actor, status, community)
    if not active and row.active and not SuggestionStatus.objects.filter(
            community=community, stage=row.stage, active=True).exclude(pk=row.pk).exists():
        raise ValidationError({"active": _(
            "This is the station's last active status meaning “%(stage)s”: add another "
            "one first.") % {"stage": row.get_stage_display()}})
    before = audit.snapshot(row, FIELDS)
    _named(row, names).active = active
    row.save(update_fields=["name", *NAME_FIELDS, "active"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=row,
                 changes=audit.diff(before, audit.snapshot(row, FIELDS), ()))
    return row


@audit.audited
def status_move(*, actor: User, community: Community, status: SuggestionStatus,
                up: bool) -> SuggestionStatus:
    """Swap the status with its neighbour above (or below) in the list."""
    _hold(actor, community)
    row = _station_status(actor, status, community)
    rows = list(SuggestionStatus.objects.filter(community=community).order_by("order", "pk"))
    at = next(i for i, s in enumerate(rows) if s.pk == row.pk)
    other_at = at - 1 if up else at + 1
    if not 0 <= other_at < len(rows):
        return row
    rows[at], rows[other_at] = rows[other_at], rows[at]
    for order, item in enumerate(rows, start=1):
        if item.order != order * 10:
            before = audit.snapshot(item, FIELDS)
            item.order = order * 10
            item.save(update_fields=["order"])
            audit.record(AuditAction.UPDATE, actor=actor, obj=item,
                         changes=audit.diff(before, audit.snapshot(item, FIELDS), ()))
    return row
