"""Grow or shrink a copy of the district demo, server-side (bench/growth.py).

The growth curve needs the same district at 100k, 300k and 1M people; the
demo generator takes ~8 minutes for one district (285k people), so the sizes
are made from one loaded district by SQL, in minutes:

* **Which rows.** A table is *owned by the communities* when it has a foreign
  key into places_community or into another owned table (found from the
  catalogue, pg_constraint, at run time: whatever the apps add is followed).
  That covers grids, buildings, dwellings, households, people and their search
  keys, consents, circumstances, businesses, cases with their events,
  documents, referrals and follow-ups, visits, duties, pairings, disputes,
  meetings, projects, suggestions, volunteers, activities, posts, import
  batches, and the community's staff accounts (core_user has a community) with
  their grid assignments. A row belongs to a set of communities when one of its
  foreign keys into an owned table points at a row that belongs to it (the
  closure is computed to a fixpoint in temporary tables `sel_<table>`).
* **Not cloned (SKIP).** The audit log (core_auditentry, core_audittip: its
  chain is never touched, so it still verifies; new entries come only from the
  app), sessions, OTP devices, API tokens, login attempts, report runs, digest
  logs, Django's own tables, and every table no owned row reaches (the service
  catalogue, departments, festival dates, reference counters, rate counters).
* **Growing.** Round j copies the selected rows of each owned table with
  `id + j * max(id)`; each foreign key into an owned table is shifted the same
  way when its target was copied too (a district-wide account, which belongs to
  no community, is shared by the copies). Unique columns that no shifted
  foreign key makes unique are rewritten: text gets the suffix `~j` (community
  codes, case and meeting refs, usernames, the ID-number keyed hash: a cloned
  person is found by name, phone or dwelling but not by ID number, which finds
  the original), uuids a new random uuid, a unique account link is cleared when
  the account was not copied. Sequences are moved past the new ids.
* **Shrinking.** The rows of the communities dropped (highest ids first, never
  the demo's own station community) are deleted, with the skipped tables' rows
  that point at them (sessions, devices of deleted accounts); audit entries
  about them stay (the chain must verify).
* Writes run with session_replication_role = replica (no foreign-key triggers:
  consistency comes from the closure, and `dangling()` checks it after).
  Columns that hold ids without a foreign key (JSON payloads, audit targets)
  are copied as they are: they point at the originals.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

ROOT_TABLE = "places_community"
SKIP_PREFIXES = ("django_", "auth_", "axes_", "otp_")
SKIP = {"core_auditentry", "core_audittip", "core_usersession", "api_apitoken",
        "reports_reportrun", "desk_digestlog"}
TEXT_TYPES = {"text", "character varying", "character"}


@dataclass
class Table:
    name: str
    columns: list[str] = field(default_factory=list)
    types: dict[str, tuple[str, int | None, bool]] = field(default_factory=dict)
    fks: dict[str, str] = field(default_factory=dict)  # column -> owned target table
    unique: list[list[str]] = field(default_factory=list)  # non-primary unique indexes


def skipped(name: str) -> bool:
    return name in SKIP or name.startswith(SKIP_PREFIXES)


def schema(cur) -> tuple[dict[str, Table], list[tuple[str, str, str]]]:
    """The owned tables, and every single-column foreign key (table, column, target)."""
    cur.execute("""
        SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE c.contype = 'f' AND n.nspname = 'public' AND cardinality(c.conkey) = 1""")
    fks = cur.fetchall()
    owned = {ROOT_TABLE}
    grew = True
    while grew:
        grew = False
        for table, _col, target in fks:
            if target in owned and table not in owned and not skipped(table):
                owned.add(table)
                grew = True
    tables = {name: Table(name) for name in owned}
    cur.execute("""
        SELECT table_name, column_name, data_type, character_maximum_length,
               is_nullable = 'YES'
        FROM information_schema.columns WHERE table_schema = 'public'
        ORDER BY table_name, ordinal_position""")
    for name, column, dtype, length, nullable in cur.fetchall():
        if name in tables:
            tables[name].columns.append(column)
            tables[name].types[column] = (dtype, length, nullable)
    for table, column, target in fks:
        if table in tables and target in owned:
            tables[table].fks[column] = target
    cur.execute("""
        SELECT c.relname, array_agg(a.attname::text ORDER BY a.attnum)
        FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(x.indkey)
        WHERE n.nspname = 'public' AND x.indisunique AND NOT x.indisprimary
        GROUP BY x.indexrelid, c.relname""")
    for name, cols in cur.fetchall():
        if name in tables:
            tables[name].unique.append(list(cols))
    for name, table in tables.items():
        if "id" not in table.columns:
            raise SystemExit(f"growth: owned table {name} has no id column")
    return tables, fks


def select(cur, tables: dict[str, Table], communities: list[int], prefix: str = "sel") -> None:
    """Temporary tables <prefix>_<table>(id): the rows of `communities`, to a fixpoint."""
    for name in tables:
        cur.execute(f"DROP TABLE IF EXISTS {prefix}_{name}")
        cur.execute(f"CREATE TEMPORARY TABLE {prefix}_{name} (id bigint PRIMARY KEY)")
    cur.execute(f"INSERT INTO {prefix}_{ROOT_TABLE} SELECT unnest(%s::bigint[])",
                [communities])
    edges = [(name, col, target) for name, t in tables.items() for col, target in t.fks.items()]
    changed = {ROOT_TABLE}
    while changed:
        grown: set[str] = set()
        for name, col, target in edges:
            if target not in changed:
                continue
            cur.execute(f"""
                INSERT INTO {prefix}_{name}
                SELECT t.id FROM {name} t JOIN {prefix}_{target} s ON s.id = t.{col}
                ON CONFLICT DO NOTHING""")
            if cur.rowcount:
                grown.add(name)
        for name in grown:
            cur.execute(f"ANALYZE {prefix}_{name}")
        changed = grown


def needs_rewrite(table: Table, cols: list[str]) -> bool:
    """A unique index that the shifted ids do not keep unique. A key into
    core_user is shifted only when the account was copied (a district-wide one
    is shared), so it counts only in a table whose rows belong to a community
    through their accounts alone (core_user_grids, core_user_groups …)."""
    via_users = set(table.fks.values()) == {"core_user"}
    return not any(c == "id" or (c in table.fks and (table.fks[c] != "core_user" or via_users))
                   for c in cols)


def clone_sql(table: Table, tables: dict[str, Table], j: int, maxes: dict[str, int],
              prefix: str = "sel") -> str:
    rewrite = {c for cols in table.unique if needs_rewrite(table, cols) for c in cols}
    suffix = f"~{j}"
    exprs = []
    for col in table.columns:
        dtype, length, nullable = table.types[col]
        q = f'"{col}"'
        if col == "id":
            expr = f"id + {j * maxes[table.name]}"
        elif col in table.fks:
            target = table.fks[col]
            shifted = f"{q} + {j * maxes[target]}"
            kept = "NULL" if col in rewrite and nullable else q
            expr = (f"CASE WHEN {q} IN (SELECT id FROM {prefix}_{target}) "
                    f"THEN {shifted} ELSE {kept} END")
        elif col in rewrite and dtype == "uuid":
            expr = "gen_random_uuid()"
        elif col in rewrite and dtype in TEXT_TYPES:
            keep = (length - len(suffix)) if length else None
            head = f"left({q}, {keep})" if keep else q
            expr = f"{head} || '{suffix}'"
        elif col in rewrite:
            raise SystemExit(f"growth: cannot make {table.name}.{col} ({dtype}) unique")
        else:
            expr = q
        exprs.append(expr)
    columns = ", ".join(f'"{c}"' for c in table.columns)
    return (f"INSERT INTO {table.name} ({columns}) SELECT {', '.join(exprs)} "
            f"FROM {table.name} WHERE id IN (SELECT id FROM {prefix}_{table.name})")


def people_by_community(cur) -> list[tuple[int, int]]:
    cur.execute("""
        SELECT c.id, count(p.id) FROM places_community c
        LEFT JOIN places_grid g ON g.community_id = c.id
        LEFT JOIN registry_person p ON p.grid_id = g.id
        GROUP BY c.id ORDER BY c.id""")
    return [(cid, n) for cid, n in cur.fetchall()]


def plan(counts: list[tuple[int, int]], target: int,
         keep: set[int] = frozenset()) -> tuple[str, int, list[int]]:
    """What reaches about `target` people: ("shrink", 0, communities to delete),
    or ("grow", full rounds, communities of the last, partial round)."""
    total = sum(n for _c, n in counts)
    if target <= total:
        kept, size = [], 0
        for cid, n in sorted(counts, key=lambda c: (c[0] not in keep, c[0])):
            if size >= target:
                break
            kept.append(cid)
            size += n
        return "shrink", 0, [cid for cid, _n in counts if cid not in kept]
    rounds, rest = divmod(target - total, total)
    partial, size = [], 0
    for cid, n in counts:
        if size >= rest:
            break
        partial.append(cid)
        size += n
    return "grow", rounds, partial


def reshape(conn, target: int, log=print) -> dict:
    """Bring the database behind `conn` (autocommit) to about `target` people."""
    cur = conn.cursor()
    tables, fks = schema(cur)
    counts = people_by_community(cur)
    cur.execute("SELECT community_id FROM core_user WHERE username IN "
                "('head', 'caseworker', 'gridworker') AND community_id IS NOT NULL")
    keep = {row[0] for row in cur.fetchall()}
    kind, rounds, communities = plan(counts, target, keep)
    log(f"  {len(tables)} owned tables; {sum(n for _c, n in counts):,} people in "
        f"{len(counts)} communities; {kind}: {rounds} full round(s), "
        f"{len(communities)} communities {'deleted' if kind == 'shrink' else 'in the last'}")
    cur.execute("SET session_replication_role = replica")
    # Room for the hashed `IN (SELECT id FROM sel_…)` of every key (else a scan per row).
    cur.execute("SET work_mem = '256MB'")
    with conn.transaction():
        if kind == "shrink":
            select(cur, tables, communities)
            for name in tables:
                cur.execute(f"DELETE FROM {name} WHERE id IN (SELECT id FROM sel_{name})")
            for table, col, target_table in fks:
                if target_table in tables and table not in tables:
                    cur.execute(f"DELETE FROM {table} WHERE {col} IN "
                                f"(SELECT id FROM sel_{target_table})")
        else:
            maxes = {}
            for name in tables:
                cur.execute(f"SELECT coalesce(max(id), 0) FROM {name}")
                maxes[name] = cur.fetchone()[0]
            if rounds:
                select(cur, tables, [cid for cid, _n in counts], "sel")
            jobs = [(j, "sel") for j in range(1, rounds + 1)]
            if communities:
                select(cur, tables, communities, "part")
                jobs.append((rounds + 1, "part"))
            for j, prefix in jobs:
                log(f"  round {j} ({'all communities' if prefix == 'sel' else 'partial'})")
                for table in tables.values():
                    cur.execute(clone_sql(table, tables, j, maxes, prefix))
        for name in tables:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"greatest((SELECT max(id) FROM {name}), 1))")
    cur.execute("SET session_replication_role = DEFAULT")
    cur.execute("SELECT count(*) FROM registry_person")
    return {"kind": kind, "rounds": rounds, "partial_communities": len(communities),
            "people": cur.fetchone()[0], "owned_tables": sorted(tables)}


def dangling(conn) -> dict[str, int]:
    """Foreign keys of owned tables that point at no row (should be none)."""
    cur = conn.cursor()
    tables, fks = schema(cur)
    bad: dict[str, int] = defaultdict(int)
    for table, col, target in fks:
        if target in tables:
            cur.execute(f"SELECT count(*) FROM {table} t WHERE t.{col} IS NOT NULL AND NOT "
                        f"EXISTS (SELECT 1 FROM {target} p WHERE p.id = t.{col})")
            n = cur.fetchone()[0]
            if n:
                bad[f"{table}.{col}"] = n
    return dict(bad)
