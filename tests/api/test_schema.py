"""The OpenAPI schema generates without a warning: `manage.py check --deploy`
(drf-spectacular's deployment check) fails on any, and a warning means a
component or an enum the schema names wrongly."""

from __future__ import annotations

import io

import pytest
import yaml
from django.core import checks
from django.core.management import call_command


def _schema() -> dict:
    out = io.StringIO()
    # --fail-on-warn raises on any warning (a name clash, an enum named by a hash).
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return yaml.safe_load(out.getvalue())


def test_the_schema_generates_without_warnings():
    schema = _schema()
    names = set(schema["components"]["schemas"])
    # Components that share a short name in two areas are named apart.
    assert {"MediationSession", "ActivitySession", "DecisionCaseRef", "ProjectProgressRef"} <= names
    # Choice sets on fields of one name get names of their own, not hashes.
    assert {"ActivityKindEnum", "MeetingKindEnum", "CaseStatusEnum",
            "SuggestionSourceEnum", "ProjectSourceEnum"} <= names
    assert not [n for n in names if n.endswith("Enum") and any(c.isdigit() for c in n)]


@pytest.mark.django_db
def test_the_deployment_check_finds_nothing_in_the_schema():
    found = checks.run_checks(include_deployment_checks=True)
    assert [m.msg for m in found if (m.id or "").startswith("drf_spectacular")] == []
