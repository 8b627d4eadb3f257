"""Write generated demo data to the database, and delete it again (--reset).

The whole load runs in one transaction: a failure leaves the database as it
was. Rows are written with bulk inserts and explicit primary keys (rows of
one community point at each other without re-querying); on PostgreSQL the
sequences are reset afterwards so the next ordinary insert gets a fresh id.
Search keys, by far the most rows, go through executemany (SQLite) or COPY
(PostgreSQL).

This module writes and deletes the registry's (and places') part; the
orchestration over all apps (registry, then the service desk's cases, then
care's visits and duties, community by community) is jiayuan.demo.loader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max, ProtectedError

from jiayuan.core.auth import DEMO_PASSWORD
from jiayuan.core.bulk import insert_rows
from jiayuan.core.models import AuditAction, AuditEntry, User
from jiayuan.places.models import Building, Community, Dwelling, Grid
from jiayuan.registry.demo.generator import SCALES, Context, Ids, build_community
from jiayuan.registry.demo.names import STAFF, STAFF_USERNAMES
from jiayuan.registry.models import (
    Business,
    Circumstance,
    Consent,
    Household,
    HouseholdAddress,
    Membership,
    Person,
    SearchKey,
)
from jiayuan.registry.services import SEARCH_KEY_COLUMNS

BATCH_SIZE = 2000
# Written in this order; deleted in the reverse order.
MODELS: list[tuple[str, type[models.Model]]] = [
    ("community", Community), ("grid", Grid), ("building", Building), ("dwelling", Dwelling),
    ("household", Household), ("address", HouseholdAddress), ("person", Person),
    ("membership", Membership), ("circumstance", Circumstance), ("consent", Consent),
    ("business", Business),
]
DEMO_MODELS = [m for _k, m in MODELS] + [SearchKey]
BATCH_FIELDS = {"community": "communities", "grid": "grids", "building": "buildings",
                "dwelling": "dwellings", "household": "households", "address": "addresses",
                "person": "people", "membership": "memberships",
                "circumstance": "circumstances", "consent": "consents",
                "business": "businesses"}


@dataclass
class LoadResult:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    staff: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, scope


def has_data() -> bool:
    return (Community.objects.exists() or Household.objects.exists()
            or Person.objects.exists())


# --- reset -------------------------------------------------------------------

def _outside_dependents() -> None:
    """Apply Django's on_delete rules for rows of other apps that point at demo
    tables (a plain DELETE below would otherwise break their foreign keys)."""
    demo = set(DEMO_MODELS)
    for model in DEMO_MODELS:
        for rel in model._meta.related_objects:
            other = rel.related_model
            if other in demo or other is User:
                continue
            if rel.many_to_many:
                rel.through._base_manager.all().delete()
                continue
            qs = other._base_manager.filter(**{f"{rel.field.name}__isnull": False})
            count = qs.count()
            if not count:
                continue
            if rel.on_delete is models.CASCADE:
                qs.delete()
            elif rel.on_delete is models.SET_NULL:
                qs.update(**{rel.field.name: None})
            else:
                raise CommandError(
                    f"{count} {other._meta.label} rows refer to {model._meta.label} and "
                    f"protect it; delete them before resetting the demo data.")


def check_resettable() -> None:
    """Refuse to reset a database whose registry was not loaded by `manage.py demo`."""
    if has_data() and not AuditEntry.objects.filter(object_type="demo",
                                                    action=AuditAction.CREATE).exists():
        raise CommandError(
            "The registry holds data that was not loaded by `manage.py demo`; refusing to "
            "delete it. Point JIAYUAN_VAR_DIR or DATABASE_URL at a scratch database instead.")


def check_staff_scopes() -> None:
    """Refuse when staff accounts the demo did not create are scoped to the
    communities or grids a reset deletes (run after the higher apps removed
    their own accounts)."""
    blocking = User.objects.filter(models.Q(community__isnull=False)
                                   | models.Q(grids__isnull=False)).exclude(
        username__in=STAFF_USERNAMES, is_superuser=False).distinct()
    if blocking.exists():
        names = ", ".join(blocking.values_list("username", flat=True)[:10])
        raise CommandError(f"Staff accounts not created by demo are scoped to communities or "
                           f"grids that --reset would delete: {names}. Remove their scope "
                           f"first (Django admin).")


def reset() -> dict[str, int]:
    """Delete the registry, places and the demo staff accounts (the higher
    apps' demo rows that point at them are deleted first: jiayuan.demo.loader)."""
    counts = {model._meta.model_name: model._base_manager.count() for model in DEMO_MODELS}
    _outside_dependents()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in reversed(DEMO_MODELS):
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608
    try:
        counts["user"] = User.objects.filter(username__in=STAFF_USERNAMES, is_superuser=False
                                             ).delete()[1].get(User._meta.label, 0)
    except ProtectedError as exc:
        raise CommandError(f"The demo staff accounts are still referenced: {exc}") from exc
    return counts


# --- load --------------------------------------------------------------------

def _start_ids() -> Ids:
    start = {}
    for key, model in MODELS:
        start[key] = (model._base_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
    return Ids(start)


def _staff(community_id: int) -> tuple[dict[str, User], list[str]]:
    """The demo accounts, created (or updated) before their community row exists:
    foreign keys are checked at commit, and consents need the caseworker.

    A superuser that already has one of the usernames is left alone."""
    password = make_password(DEMO_PASSWORD) if settings.DEMO_MODE else None
    existing = {u.username: u for u in User.objects.filter(username__in=STAFF_USERNAMES)}
    users, kept = {}, []
    for username, role, surname, given, _grid in STAFF:
        user = existing.get(username) or User(username=username)
        users[username] = user
        if user.is_superuser:
            kept.append(username)
            continue
        user.role, user.first_name, user.last_name = role, given, surname
        user.community_id, user.is_staff, user.is_active = community_id, role == "admin", True
        if password:
            user.password = password  # one hash for all: the password is public anyway
        else:
            user.set_unusable_password()
        user.save()
    return users, kept


def _scope_users(users: dict[str, User], kept: list[str], station: Community,
                 grids: list[Grid]) -> list[tuple[str, str, str]]:
    table = []
    for username, role, _surname, _given, grid_index in STAFF:
        if username in kept:
            table.append((username, "superuser", "(existing account, not changed)"))
            continue
        scope = station.name
        if grid_index is not None:
            users[username].grids.set([grids[grid_index]])
            scope = f"{grids[grid_index].name}（{station.name}）"
        else:
            users[username].grids.clear()
        table.append((username, role, scope))
    return table


def _write(batch, counts: dict[str, int]) -> None:
    for key, model in MODELS:
        objs = getattr(batch, BATCH_FIELDS[key])
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
        counts[key] = counts.get(key, 0) + len(objs)
    if connection.vendor in ("postgresql", "sqlite"):
        insert_rows(SearchKey._meta.db_table, SEARCH_KEY_COLUMNS, batch.search_keys)
    else:
        SearchKey.objects.bulk_create(
            [SearchKey(person_id=p, grid_id=g, kind=k, pos=pos, key=key)
             for p, g, k, pos, key in batch.search_keys], batch_size=BATCH_SIZE)
    counts["search_key"] = counts.get("search_key", 0) + len(batch.search_keys)


def _reset_sequences() -> None:
    sql = connection.ops.sequence_reset_sql(no_style(), DEMO_MODELS)
    if sql:
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)


@dataclass
class Run:
    """One load of the registry's demo: ids, staff and the generator's context."""

    ctx: Context
    users: dict[str, User]
    kept: list[str]


def start(scale_name: str, seed: int, today: date) -> Run:
    """Reserve ids and create the demo staff (before their community exists)."""
    ids = _start_ids()
    users, kept = _staff(community_id=ids.peek("community"))
    caseworker = users["caseworker"]
    ctx = Context(seed=seed, scale=SCALES[scale_name], ids=ids, today=today,
                  recorder_id=caseworker.pk,
                  recorder_name=caseworker.last_name + caseworker.first_name)
    return Run(ctx=ctx, users=users, kept=kept)


def write_community(run: Run, index: int, result: LoadResult) -> Any:
    """Build and write community `index`'s registry rows; the first one also
    scopes the staff to its grids. Returns the batch (for the higher apps)."""
    batch = build_community(run.ctx, index)
    _write(batch, result.counts)
    if index == 0:
        result.staff = _scope_users(run.users, run.kept, batch.communities[0], batch.grids)
    return batch


def finish(run: Run, result: LoadResult) -> None:
    _reset_sequences()
    result.counts["user"] = len(run.users) - len(run.kept)
