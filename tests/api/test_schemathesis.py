"""The served schema tells the truth: schemathesis generates requests for every
operation in /api/schema/ (whatever areas are mounted) and checks each answer
against it: never a server error, bodies and status codes as declared.

In-process (the WSGI app, no server), as the head of the community with a
token, in the access matrix's world (households, people, cases, referrals…
in two grids and another community). Bounded and derandomized so a CI run is
repeatable; each example runs in a savepoint that is rolled back, so writes
never leak into the next example."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from jiayuan.api import tokens
from tests.shared_data import Rollback, kept
from tests.world import build_matrix_world

pytestmark = [pytest.mark.xdist_group("api-schemathesis")]


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    def build() -> dict[str, Any]:
        built = build_matrix_world()
        _token, secret = tokens.issue_token(built["users"]["head"], name="schemathesis")
        built["secret"] = secret
        return built

    yield from kept(django_db_blocker, build)


def _served_schema() -> Any:
    """The schema as /api/schema/ serves it (it needs no database), loaded when
    the module is collected: one test per operation. (schemathesis's lazy
    from_fixture does not work under pytest 9.)"""
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "localhost"]):
        return schemathesis.openapi.from_wsgi("/api/schema/?format=json",
                                              get_wsgi_application())


schema = _served_schema()


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(max_examples=25, deadline=None, derandomize=True,
                     suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_its_schema_says(case: Any, world: dict[str, Any],
                                           settings: Any) -> None:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost", "testserver"]
    settings.API_RATE_PER_MINUTE = 10**9  # the rate limit has its own tests
    # As Django's test client does: the request must not close the test's connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with Rollback():
            case.call_and_validate(
                headers={"Authorization": f"Bearer {world['secret']}"},
                checks=[not_a_server_error, response_schema_conformance,
                        status_code_conformance])
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
