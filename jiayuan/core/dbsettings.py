"""Database settings beyond DATABASE_URL, imported by jiayuan.settings: an
optional PostgreSQL read replica (docs/deployment.md, "Growing past one machine").

With DATABASE_REPLICA_URL set, DATABASES gains the alias "replica" and
jiayuan.core.dbrouter sends to it the reads made inside `use_replica()` (search,
the dashboard, reports) and nothing else. Without it nothing changes: the router
answers "no opinion" and every query goes to DATABASES["default"]."""

from __future__ import annotations

import os
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

__all__ = ["DATABASE_REPLICA_ALIAS", "DATABASE_REPLICA_URL", "DATABASE_ROUTERS",
           "replica_databases"]

#: The replica's alias in DATABASES, when there is one (jiayuan.core.dbrouter).
REPLICA_ALIAS = "replica"
# A hot standby of the primary (streaming replication), read-only.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
# The alias reads go to inside use_replica(); "" sends every read to the primary
# (tests/settings.py keeps it so, and the router's tests turn it on).
DATABASE_REPLICA_ALIAS = REPLICA_ALIAS if DATABASE_REPLICA_URL else ""
DATABASE_ROUTERS = ["jiayuan.core.dbrouter.ReplicaRouter"]


def replica_databases(default: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{REPLICA_ALIAS: its settings} with DATABASE_REPLICA_URL set, else {}. The
    replica keeps the primary's connection age and options (the URL's own
    options win); a test run makes it a mirror of the test database."""
    if not DATABASE_REPLICA_URL:
        return {}
    replica: dict[str, Any] = dict(dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=default["CONN_MAX_AGE"], conn_health_checks=True))
    postgres = "django.db.backends.postgresql"
    if default["ENGINE"] != postgres or replica["ENGINE"] != postgres:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs PostgreSQL, for the replica and "
                                   "for DATABASE_URL (a streaming replica of the primary).")
    replica["OPTIONS"] = {**default.get("OPTIONS", {}), **replica.get("OPTIONS", {})}
    replica["ATOMIC_REQUESTS"] = False
    replica["TEST"] = {"MIRROR": "default"}
    return {REPLICA_ALIAS: replica}
