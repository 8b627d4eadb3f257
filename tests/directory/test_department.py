"""Department moved from the service desk to the directory without moving its
data: same table, same rows, the desk's name still works."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command

from jiayuan.directory.models import Department


def test_it_keeps_the_desks_table_and_name(education: Any) -> None:
    from jiayuan.desk import models as desk_models

    assert Department._meta.db_table == "desk_department"
    assert desk_models.Department is Department
    assert desk_models.ServiceItem._meta.get_field("department").related_model is Department
    assert Department.objects.get(code="education").name_zh_hans == "区教育局"


def test_the_migrations_match_the_models(db: Any) -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
