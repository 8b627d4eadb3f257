"""The read replica's router (jiayuan.core.dbrouter): reads go to the replica
only inside use_replica(), outside transactions and before anything was
written; writes always to the primary. The alias "replica" mirrors the test
database (tests/settings.py), so the last tests read through a real second
connection on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import OperationalError, connections, transaction
from django.test.utils import CaptureQueriesContext

from jiayuan.core import dbrouter
from jiayuan.core.dbrouter import ReplicaRouter, use_replica
from jiayuan.core.metrics import Place
from jiayuan.core.models import User
from jiayuan.places.models import Community
from jiayuan.registry.search import search
from jiayuan.reports.dashboard import dashboard

router = ReplicaRouter()


@pytest.fixture
def replica_alias(settings: Any) -> Iterator[None]:
    settings.DATABASE_REPLICA_ALIAS = "replica"
    dbrouter.new_request()  # as a request starts: nothing written yet
    yield
    dbrouter.new_request()


@pytest.fixture
def replica_on(replica_alias: None, monkeypatch: Any) -> None:
    """The replica, as reachable, for the tests that make no query."""
    monkeypatch.setattr(connections["replica"], "ensure_connection", lambda: None)


def test_it_has_no_opinion_without_a_replica(settings: Any) -> None:
    settings.DATABASE_REPLICA_ALIAS = ""
    with use_replica():
        assert router.db_for_read(User) is None
        assert router.db_for_write(User) is None
    assert router.allow_relation(User(), User()) is None


def test_it_reads_from_the_primary_outside_use_replica(replica_on: None) -> None:
    assert router.db_for_read(User) == "default"


def test_it_reads_from_the_replica_inside_use_replica(replica_on: None) -> None:
    with use_replica():
        assert router.db_for_read(User) == "replica"
        with use_replica():  # nested: the same
            assert router.db_for_read(User) == "replica"
    assert router.db_for_read(User) == "default"


def test_it_writes_to_the_primary_everywhere(replica_on: None) -> None:
    assert router.db_for_write(User) == "default"
    dbrouter.new_request()
    with use_replica():
        assert router.db_for_write(User) == "default"


def test_a_write_keeps_the_rest_of_the_block_on_the_primary(replica_on: None) -> None:
    with use_replica():
        router.db_for_write(User)
        assert router.db_for_read(User) == "default"
    with use_replica():  # a new block outside any request: fresh again
        dbrouter._request.set(None)
        assert router.db_for_read(User) == "replica"


def test_a_write_earlier_in_the_request_keeps_its_reads_on_the_primary(replica_on: None) -> None:
    router.db_for_write(User)
    with use_replica():
        assert router.db_for_read(User) == "default"
    dbrouter.new_request()  # the next request
    with use_replica():
        assert router.db_for_read(User) == "replica"


def test_the_replica_is_never_migrated() -> None:
    assert router.allow_migrate("replica", "core") is False
    assert router.allow_migrate("default", "core") is None


def test_rows_of_both_aliases_may_be_related(replica_on: None) -> None:
    a, b = User(), User()
    a._state.db, b._state.db = "default", "replica"
    assert router.allow_relation(a, b) is True


@pytest.mark.django_db
def test_it_reads_from_the_primary_inside_a_transaction(replica_on: None) -> None:
    # The test's own transaction is open: what a service reads must be what it writes over.
    assert connections["default"].in_atomic_block
    with use_replica():
        assert router.db_for_read(User) == "default"


# --- through the mirror: a second connection to the same database ---------------------

@pytest.fixture
def mirror(replica_alias: None) -> Iterator[None]:
    yield
    connections["replica"].close()  # PostgreSQL drops the test database after the run


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_reads_inside_go_through_the_replica_connection(mirror: None) -> None:
    Community.objects.create(name="复制社区", code="REP")
    dbrouter.new_request()
    with CaptureQueriesContext(connections["replica"]) as on_replica, use_replica():
        names = list(Community.objects.values_list("name", flat=True))
    assert names == ["复制社区"] and len(on_replica.captured_queries) == 1
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert Community.objects.count() == 1
        with transaction.atomic(), use_replica():
            assert Community.objects.count() == 1
    assert not on_replica.captured_queries


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_search_and_the_dashboard_read_from_the_replica(mirror: None, household: Any,
                                                        head: User) -> None:
    dbrouter.new_request()
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        hits = search(head, "郑容哲")
    assert [hit.person.name for hit in hits if hit.person] == ["鄭容哲"]
    assert on_replica.captured_queries
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        groups = dashboard(head, Place.district())
    assert groups and on_replica.captured_queries


def test_a_replica_that_cannot_be_reached_leaves_the_reads_on_the_primary(
        replica_alias: None, monkeypatch: Any) -> None:
    def refuse() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["replica"], "ensure_connection", refuse)
    with use_replica():
        assert router.db_for_read(User) == "default"
