"""Reads compiled once per shape (jiayuan.core.compiled) give what the ORM
gives, for every account, and refuse a builder whose statement is not the
same for every id."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jiayuan.care import selectors as care_selectors
from jiayuan.core import together
from jiayuan.core.columns import of, own_and
from jiayuan.core.compiled import Bound, Shape, ShapeError, actor_key, rows
from jiayuan.core.scope import filter_by_grid
from jiayuan.desk import selectors as desk_selectors
from jiayuan.registry import file_reads, selectors, services
from jiayuan.registry.models import (
    Business,
    Circumstance,
    Consent,
    Household,
    Membership,
    Person,
)
from tests.registry.test_query_counts_file import FileFiller, client_for


def loaded(obj: Model) -> dict[str, Any]:
    """Every field the instance holds, and each related object it caches."""
    own = {k: v for k, v in vars(obj).items() if not k.startswith("_")}
    related = {name: None if rel is None else (type(rel), loaded(rel))
               for name, rel in obj._state.fields_cache.items()}
    return {"type": type(obj), "own": own, "related": related, "db": obj._state.db,
            "adding": obj._state.adding}


def same_rows(ours: list[Any], orm: list[Any]) -> None:
    assert [loaded(o) if isinstance(o, Model) else o for o in ours] == [
        loaded(o) if isinstance(o, Model) else o for o in orm]
    for a, b in zip(ours, orm, strict=True):  # prefetched lists too
        if isinstance(a, Model):
            cache = getattr(a, "_prefetched_objects_cache", {})
            assert cache.keys() == getattr(b, "_prefetched_objects_cache", {}).keys()
            for name, got in cache.items():
                same_rows(list(got), list(b._prefetched_objects_cache[name]))


@pytest.fixture
def filled(household, personas, make_case, grid_a) -> Household:
    filler = FileFiller(household, personas, make_case, grid_a)
    filler.add(2)
    head = personas["head"]
    services.circumstance_add(actor=head, household=filler.h, kind="hardship",
                              started=timezone.localdate(), person=filler.h.head,
                              sensitive_consent=True)
    services.consent_record(actor=head, person=filler.h.head, purpose="photo",
                            recorded_on=timezone.localdate())
    return Household.objects.get(pk=filler.h.pk)


def orm_reads(actor: Any, h: Household) -> dict[str, Any]:
    """The querysets the file read before its shapes (0.16.0's selectors)."""
    current = h.members.filter(left_on__isnull=True)
    return {
        "members": current.only(*file_reads.MEMBER_FIELDS).order_by("birth_date", "pk"),
        "former": Membership.objects.filter(household=h, left__isnull=False)
        .select_related("person").only(*own_and(Membership, "person__name")),
        "addresses": h.addresses.select_related("dwelling__building"),
        "circumstances": h.circumstances.select_related("person")
        .only(*own_and(Circumstance, "person__name")),
        "consents": Consent.objects.filter(person_id__in=current.values("pk"))
        .select_related("department").order_by(),
        "businesses": filter_by_grid(Business.objects.all(), actor)
        .filter(owner__household=h).select_related("owner")
        .only(*own_and(Business, "owner__name")),
        "household": filter_by_grid(Household.objects.all(), actor)
        .select_related("dwelling__building", "grid__community", "head").filter(pk=h.pk)
        .order_by("pk")[:1],
    }


def test_every_read_gives_the_orms_rows_for_every_account(filled, personas):
    scoped = ("household", "businesses")
    for _round in range(2):  # the second from the kept statements
        for name, actor in personas.items():
            for part, orm in orm_reads(actor, filled).items():
                shape = getattr(file_reads, part)
                got = rows(shape(actor_key(actor), filled.pk, actor=actor) if part in scoped
                           else shape((), filled.pk))
                if part in ("members", "addresses", "circumstances"):
                    for row in got:  # as household_file gives them
                        type(row).household.field.set_cached_value(row, filled)
                expected = list(orm)
                if name == "head":
                    assert got, part  # every list has rows
                if part == "consents":  # in no order: household_file sorts them
                    got, expected = (sorted(x, key=lambda r: r.pk) for x in (got, expected))
                same_rows(got, expected)


def test_the_desk_and_care_sections_give_the_orms_rows(filled, personas):
    from jiayuan.care.models import Pairing

    for _round in range(2):
        for _name, actor in personas.items():
            cases = desk_selectors.household_cases(actor, filled)
            same_rows(cases, list(desk_selectors.cases_for(actor).filter(household=filled)
                                  .select_related("item", "owner", "person")
                                  .only(*desk_selectors.CASE_ROW_FIELDS)
                                  .order_by("-opened_at", "-id")))
            care = care_selectors.household_care(actor, filled, visits=1)
            names = actor.__class__.objects.only(*actor.NAME_FIELDS)
            from django.db.models import Prefetch

            visits = list(care_selectors.visits_for(actor).filter(households=filled)
                          .prefetch_related(Prefetch("visitors", queryset=names))
                          .order_by("-visited_at", "-id")[:1])
            same_rows(care.visits, visits)
            assert care.visit_count == (care_selectors.visits_for(actor)
                                        .filter(households=filled).count())
            assert [d.pk for d in care.duties] == list(
                care_selectors.duties_for(actor).filter(household=filled, status="open")
                .order_by("due").values_list("pk", flat=True))
            same_rows(care.disputes, list(care_selectors.household_disputes(actor, filled)
                                          .only(*care_selectors.DISPUTE_ROW_FIELDS)
                                          .order_by("-opened_on", "-id")))
            same_rows(care.pairings, list(
                care_selectors.pairings_for(actor).filter(household=filled)
                .select_related("helper_user", "helper_person")
                .only(*own_and(Pairing, *of("helper_user", actor.NAME_FIELDS),
                               "helper_person__name"))
                .order_by("status", "-started")))


def test_the_second_file_compiles_only_what_no_shape_covers(filled, personas):
    client = client_for(personas["head"])
    url = reverse("household_detail", kwargs={"pk": filled.pk})
    first = client.get(url).content.decode()
    compiled = []
    original = SQLCompiler.as_sql

    def counting(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        compiled.append(self.query.model)
        return original(self, *args, **kwargs)

    SQLCompiler.as_sql = counting  # type: ignore[method-assign]
    try:
        again = client.get(url).content.decode()
    finally:
        SQLCompiler.as_sql = original  # type: ignore[method-assign]
    assert again.count("第1个请求") == first.count("第1个请求") == 1
    # The session, the account, its grids, its second factor, the audit, the
    # visitors' prefetch (a user); not the household, its lists, its cases
    # and care: 15 compilations on 0.16.0 (with two subqueries), on each page.
    apps = {m._meta.app_label for m in compiled}
    assert apps.isdisjoint({"registry", "desk", "care"}), compiled
    assert len(compiled) <= 9, compiled


def test_an_out_of_scope_household_is_a_404_and_audited_as_before(filled, personas):
    from jiayuan.core.models import AuditEntry

    outsider = client_for(personas["outsider"])
    url = reverse("household_detail", kwargs={"pk": filled.pk})
    before = AuditEntry.objects.filter(action="denied").count()
    for _ in range(2):
        assert outsider.get(url).status_code == 404
    assert AuditEntry.objects.filter(action="denied").count() == before + 2
    assert client_for(personas["head"]).get(url).status_code == 200
    for pk in (2**31, 2**40, 10**6):  # beyond a 32-bit id: read by the ORM as before
        assert client_for(personas["head"]).get(f"/households/{pk}/").status_code == 404


def test_a_builder_that_is_not_the_same_for_every_id_is_refused(household):
    def clock(pk: int) -> Any:
        return Person.objects.filter(household_id=pk, created_at__lte=timezone.now())

    def inlined(pk: int) -> Any:
        return Person.objects.filter(household_id=pk)[: pk % 7 + 1]

    def shaped_by_id(pk: int) -> Any:
        return Person.objects.filter(household_id=pk if pk % 2 else None)

    def kept(pk: int) -> Any:
        return household.members.filter(pk=pk)

    for build in (clock, inlined, shaped_by_id, kept):
        with pytest.raises(ShapeError):
            rows(Shape(build, 1)((), household.pk))


def test_ids_that_are_not_plain_ints_are_read_by_the_orm(household):
    shape = Shape(lambda pk: Person.objects.filter(household_id=pk).order_by("pk"), 1)
    assert isinstance(shape((), household.pk), Bound)
    for odd in (str(household.pk), True, 2**31, 0, -1, None):
        assert not isinstance(shape((), odd), Bound)
    assert [p.pk for p in rows(shape((), household.pk))] == list(
        Person.objects.filter(household=household).order_by("pk").values_list("pk", flat=True))
    assert rows(shape((), str(household.pk))) == rows(shape((), household.pk))


def test_together_mixes_shapes_and_querysets(household):
    shape = Shape(lambda pk: Person.objects.filter(household_id=pk).order_by("pk"), 1)
    names = Shape(lambda pk: Person.objects.filter(household_id=pk).order_by("pk")
                  .values_list("name", flat=True), 1)
    empty = Shape(lambda pk: Person.objects.filter(household_id=pk).none(), 1)
    people, listed, none, plain = together.fetch(
        shape((), household.pk), names((), household.pk), empty((), household.pk),
        Household.objects.filter(pk=household.pk))
    assert [p.name for p in people] == list(listed)
    assert listed and none == [] and plain == [household]
    with CaptureQueriesContext(connection) as ctx:
        assert people[0].birth_date <= date.today()  # read with the row: no query
    assert ctx.captured_queries == []


def test_the_account_key_follows_its_scope(personas, grid_b):
    worker = personas["gridworker"]
    before = actor_key(worker)
    fresh = type(worker).objects.get(pk=worker.pk)
    fresh.grids.add(grid_b)
    after = actor_key(type(worker).objects.get(pk=worker.pk))
    assert before != after
    fresh.role = "head"
    assert actor_key(fresh) != after
    assert selectors.get_household_for  # the file's access call uses it


def test_a_shape_keeps_a_bounded_number_of_keys(household, monkeypatch):
    from jiayuan.core import compiled

    monkeypatch.setattr(compiled, "_LIMIT", 2)
    shape = Shape(lambda pk, extra: Person.objects.filter(household_id=pk)
                  .exclude(pk=extra).order_by("pk"), 1)
    everyone = list(Person.objects.filter(household=household).order_by("pk"))
    for _round in range(2):
        for skip in everyone:
            got = rows(shape(("skip", skip.pk), household.pk, extra=skip.pk))
            assert [p.pk for p in got] == [p.pk for p in everyone if p != skip]
            assert len(shape._entries) <= 2


def test_the_key_used_last_is_kept_and_the_least_recently_used_goes(household, monkeypatch):
    from jiayuan.core import compiled

    monkeypatch.setattr(compiled, "_LIMIT", 2)
    shape = Shape(lambda pk, extra: Person.objects.filter(household_id=pk)
                  .exclude(pk=extra).order_by("pk"), 1)
    for key in ("a", "b", "a", "c"):  # "a" used again before "c" arrives: "b" goes
        rows(shape((key,), household.pk, extra=1))
    assert list(shape._entries) == [("a",), ("c",)]


def test_no_kept_statement_depends_on_the_day_or_the_language(filled, personas):
    """The proof compares two builds made in the same second and language, so it
    cannot see a date or a translated word written into a statement: every
    statement the file keeps is built again a year later, in English, and must
    be the one kept."""
    import time_machine
    from django.utils import translation

    from jiayuan.core import compiled

    url = reverse("household_detail", kwargs={"pk": filled.pk})
    for name in ("head", "caseworker", "gridworker"):
        assert client_for(personas[name]).get(url).status_code == 200
    kept = [(shape, entry) for shape in compiled.SHAPES
            if shape.build.__module__.startswith("jiayuan.")
            for entry in list(shape._entries.values())]
    checked = set()
    later = timezone.now() + timezone.timedelta(days=400)
    with time_machine.travel(later, tick=False), translation.override("en"):
        for shape, entry in kept:
            for alias, statement in entry.compiled.items():
                again = shape.build(*compiled._stand_ins(shape.arity, True), **entry.context)
                _compiler, sql, params = compiled._compile(again, alias)
                assert (sql, params) == (statement.sql, statement.params), shape.build
                checked.add(shape.build.__qualname__)
    # The file's own reads, the desk's cases and the care lists were all kept.
    assert {"_household", "_members", "_household_cases", "_visits"} <= checked, checked
