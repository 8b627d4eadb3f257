"""Load every app's demo data in order, and delete it again (--reset).

The whole load runs in one transaction: a failure leaves the database as it
was. For each community, the registry writes its places, households and
people (jiayuan.registry.demo.loader); then the service desk's demo writes
that community's year of cases (jiayuan.desk.demo.cases; the catalogue of
services is loaded once, before the first community); then care's demo writes
its year of visits, must-visit duties, disputes and pairings
(jiayuan.care.demo.year), which at the end runs the must-visit engine once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

from django.db import reset_queries, transaction

from jiayuan.api import demo as api_demo
from jiayuan.care.demo import year as care_demo
from jiayuan.civic.demo import year as civic_demo
from jiayuan.core import audit
from jiayuan.core.models import AuditAction
from jiayuan.desk.demo import cases as desk_demo
from jiayuan.desk.demo.catalogue import load_catalogue
from jiayuan.engage.demo import year as engage_demo
from jiayuan.registry.demo import loader as registry_demo
from jiayuan.registry.demo.generator import SCALES
from jiayuan.registry.demo.loader import LoadResult, has_data

__all__ = ["LoadResult", "has_data", "load", "reset"]


def reset() -> dict[str, int]:
    """Delete visits and care, desk cases, registry, places and the demo staff
    accounts (not the audit log, the desk's catalogue nor the festival calendar)."""
    registry_demo.check_resettable()
    api_counts = api_demo.reset()  # deliveries point at cases
    civic_counts = civic_demo.reset()  # meetings, suggestions, projects point at all below
    civic_counts.update(engage_demo.reset())  # volunteers, activities, posts, cards too
    # Visits, duties, disputes and pairings point at households, cases and staff;
    # the district's care accounts (scoped to grids deleted below) go with them.
    care_counts = care_demo.reset()
    registry_demo.check_staff_scopes()
    desk_counts = desk_demo.reset()  # cases point at households, people and staff
    counts = registry_demo.reset()
    counts.update(desk_counts)
    counts.update(care_counts)
    counts.update(civic_counts)
    counts.update(api_counts)
    audit.record(AuditAction.DELETE, object_type="demo", object_repr="demo data reset",
                 changes=counts)
    return counts


def load(scale_name: str, seed: int, today: date,
         progress: Callable[[str], None] | None = None) -> LoadResult:
    scale = SCALES[scale_name]
    started = time.perf_counter()
    result = LoadResult()
    with transaction.atomic():
        run = registry_demo.start(scale_name, seed, today)
        users, ids = run.users, run.ctx.ids
        desk = care = civic = engage = None
        # The catalogue first (missing rows only): referral consents name its departments.
        load_catalogue()
        for index in range(scale.communities):
            batch = registry_demo.write_community(run, index, result)
            if index == 0:
                desk = desk_demo.make_context(seed=seed, today=today, staff=users,
                                              station_grids=batch.grids,
                                              consent_id=lambda: ids.take("consent"))
                care = care_demo.make_context(seed=seed, today=today, staff=users)
                civic = civic_demo.make_context(seed=seed, today=today, staff=users,
                                                community=batch.communities[0],
                                                size=scale.year_size)
                engage = engage_demo.make_context(seed=seed, today=today, staff=users,
                                                  community=batch.communities[0],
                                                  size=scale.year_size)
            assert desk is not None and care is not None  # made for the first community
            desk_demo.write_community(desk, batch, index, result.counts)
            care_demo.write_community(care, batch.communities[0], index, result.counts)
            del batch
            reset_queries()  # with DEBUG on, the logged INSERTs would pile up
            if progress and scale.communities > 1 and (index + 1) % 10 == 0:
                progress(f"  {index + 1}/{scale.communities} communities, "
                         f"{result.counts['person']:,} people, "
                         f"{result.counts.get('case', 0):,} cases, "
                         f"{result.counts.get('visit', 0):,} visits, "
                         f"{time.perf_counter() - started:.0f} s")
        registry_demo.finish(run, result)
        assert desk is not None and care is not None  # scales have at least one community
        desk_demo.finish(desk)
        # Through the services, after the desk set its counters and sequences
        # (a request they open takes the next reference like any other), and
        # before care's engine runs for today, so it sees all that is written.
        assert civic is not None and engage is not None
        civic_demo.write_station(civic, result.counts)
        engage_demo.write_station(engage, result.counts)
        care_demo.finish(care, result.counts)
        # Last: the year of the API (tokens, the hotline's Open311 key, webhook deliveries).
        result.counts.update(api_demo.write(today, users, seed))
        audit.record(AuditAction.CREATE, object_type="demo",
                     object_repr=f"demo {scale_name} seed {seed}", changes=dict(result.counts))
    result.seconds = time.perf_counter() - started
    return result
