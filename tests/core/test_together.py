"""Several reads in one round trip (jiayuan.core.together): the same results as
each queryset alone, one query on PostgreSQL, one each elsewhere."""

from __future__ import annotations

from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from jiayuan.core import together
from jiayuan.registry.models import Household, Membership, Person


def _querysets(household):
    return [
        Person.objects.filter(household=household).select_related("household__dwelling")
        .order_by("pk"),
        Person.objects.values_list("name", flat=True).order_by("name"),
        Person.objects.values("pk", "name").order_by("-pk")[:1],
        Person.objects.none(),
        Household.objects.filter(pk=household.pk).prefetch_related("members")
        .annotate(n=Count("members")),
        Membership.objects.filter(household=household, left__isnull=False),  # no rows
        Person.objects.extra(select={"twice": "id * 2"}).order_by("pk"),  # noqa: S610
    ]


def _same(got, expected) -> None:
    assert len(got) == len(expected)
    for rows, want in zip(got, expected, strict=True):
        assert rows == want
        assert [type(r) for r in rows] == [type(r) for r in want]


def test_fetch_gives_what_each_queryset_gives(household, household_b):
    expected = [list(qs) for qs in _querysets(household)]
    got = together.fetch(*_querysets(household))
    _same(got, expected)
    people = got[0]
    assert people and all(p.household.dwelling.code for p in people)  # select_related kept
    with CaptureQueriesContext(connection) as ctx:
        assert [p.pk for p in got[4][0].members.all()] == [p.pk for p in expected[4][0]
                                                           .members.all()]
        assert got[4][0].n == expected[4][0].n
        assert [p.twice for p in got[6]] == [p.pk * 2 for p in expected[6]]
    assert not ctx.captured_queries  # prefetched with the rows


def test_fetch_reads_once_on_postgresql_and_once_each_elsewhere(household):
    querysets = _querysets(household)
    with CaptureQueriesContext(connection) as ctx:
        together.fetch(*querysets)
    asked = [qs for qs in querysets if qs.query.is_empty() is False]
    prefetches = 1  # the members of the household, after the batch
    if connection.vendor == "postgresql":
        assert len(ctx.captured_queries) == 1 + prefetches
    else:
        assert len(ctx.captured_queries) == len(asked) + prefetches
