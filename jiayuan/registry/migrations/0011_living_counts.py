"""Households and people living here, kept by PostgreSQL triggers
(jiayuan.registry.living_counts): statement-level triggers with transition
tables on registry_household and registry_person append, in one INSERT per
statement (aggregated per grid), what each statement starts (+1 on the day a
row starts living) and ends (-1 on the day it stops) per grid, residency category and
day, so COPY, bulk_create, raw SQL, updates and deletes are all counted. The
triggers fire ALWAYS (also under session_replication_role = replica); a
TRUNCATE marks the counts untrustworthy. Filled here, in the same migration.
The SQL is frozen here; jiayuan.registry.living_counts has the recount.
On SQLite: only the (unused) tables.
"""

import django.db.models.deletion
from django.db import migrations, models




FOLD = "date '0001-01-01'"

# A row's changes: (grid, residency, start, stop, households, people), `sign`
# +1 for the statement's new rows, -1 for its old ones. Each start is +1 and
# each stop -1 on its day, or on FOLD for a day before the floor (exact for
# any day from the floor on; a floor read before a `tick` raised it folds less).
PERSON = """SELECT r.grid_id, h.residency, h.moved_in AS start,
       least(r.left_on, h.moved_out) AS stop, 0 AS hn, {sign} AS pn
  FROM {rows} r JOIN registry_household h ON h.id = r.household_id"""
HOUSEHOLD = """SELECT r.grid_id, r.residency, r.moved_in AS start, r.moved_out AS stop,
       {sign} AS hn, 0 AS pn
  FROM {rows} r
UNION ALL
SELECT p.grid_id, r.residency, r.moved_in, least(p.left_on, r.moved_out), 0, {sign}
  FROM {rows} r JOIN registry_person p ON p.household_id = r.id"""

# Appended, never updated: an UPDATE (or INSERT ... ON CONFLICT) of a row per
# grid and day would make every writer of the grid wait for the commit of
# the one before it (an import holding a grid for a minute).
APPEND = """INSERT INTO registry_livingcount (grid_id, residency, day, households, people)
SELECT x.grid_id, x.residency,
       CASE WHEN d.day < (SELECT floor FROM registry_livingcountstate WHERE id = 1)
            THEN {fold} ELSE d.day END,
       sum(x.hn * d.k), sum(x.pn * d.k)
  FROM ({changes}) x, LATERAL (VALUES (x.start, 1), (x.stop, -1)) d(day, k)
 WHERE d.day IS NOT NULL AND (x.stop IS NULL OR x.stop > x.start)
 GROUP BY 1, 2, 3 HAVING sum(x.hn * d.k) <> 0 OR sum(x.pn * d.k) <> 0;"""

FUNCTION = """CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {insert}
  ELSIF TG_OP = 'DELETE' THEN
    {delete}
  ELSE
    {update}
  END IF;
  RETURN NULL;
END $f$;"""

INVALIDATE = """CREATE OR REPLACE FUNCTION registry_living_truncated() RETURNS trigger
LANGUAGE plpgsql AS $f$
BEGIN
  UPDATE registry_livingcountstate SET floor = NULL;
  RETURN NULL;
END $f$;"""

FILL = """INSERT INTO registry_livingcount (grid_id, residency, day, households, people)
SELECT x.grid_id, x.residency,
       CASE WHEN d.day < current_date - 1 THEN {fold} ELSE d.day END,
       sum(x.hn * d.k), sum(x.pn * d.k)
  FROM (SELECT grid_id, residency, moved_in AS start, moved_out AS stop, 1 AS hn, 0 AS pn
          FROM registry_household
        UNION ALL
        SELECT p.grid_id, h.residency, h.moved_in, least(p.left_on, h.moved_out), 0, 1
          FROM registry_person p JOIN registry_household h ON h.id = p.household_id) x,
       LATERAL (VALUES (x.start, 1), (x.stop, -1)) d(day, k)
 WHERE d.day IS NOT NULL AND (x.stop IS NULL OR x.stop > x.start)
 GROUP BY 1, 2, 3 HAVING sum(x.hn * d.k) <> 0 OR sum(x.pn * d.k) <> 0;
INSERT INTO registry_livingcountstate (id, floor) VALUES (1, current_date - 1);"""

# A statement on households first takes their members FOR SHARE, as it
# reads them (households before people, as the services lock them): a
# member being changed by another transaction is then read once that one
# has committed, and a member not yet changed waits for this one. Without
# it a member leaving while their household moved out, in two transactions,
# was counted out twice. A statement inserting people, or moving them to
# another household, first takes their (new) households FOR SHARE, as it
# reads them: one changing a household's residency or dates in another
# transaction is then read once committed, and one not yet begun waits for
# this one (its member lock then sees the person). Without it a person
# created in a household moving out in another transaction was counted as
# living on. Households before people: a household's statement holds the
# household, then its members; a person's holds only the new rows (unseen
# by others) or a moved person, whose old household it does not lock. (A raw
# statement moving people while one transaction changes both their old and
# new households may deadlock: PostgreSQL aborts one, nothing is miscounted;
# the services lock the households first.)
LOCK = """PERFORM 1 FROM registry_person
     WHERE household_id IN ({ids}) ORDER BY id FOR SHARE;
    """
LOCK_NEW = """PERFORM 1 FROM registry_household
     WHERE id IN (SELECT DISTINCT household_id FROM new_rows) ORDER BY id FOR SHARE;
    """
LOCK_MOVED = """PERFORM 1 FROM registry_household
     WHERE id IN (SELECT DISTINCT n.household_id FROM new_rows n JOIN old_rows o ON o.id = n.id
                   WHERE n.household_id IS DISTINCT FROM o.household_id) ORDER BY id FOR SHARE;
    """

TABLES = {"registry_person": ("registry_living_person", PERSON),
          "registry_household": ("registry_living_household", HOUSEHOLD)}


def _function(name: str, changes: str) -> str:
    def append(*parts: tuple[str, str]) -> str:
        body = "\nUNION ALL\n".join(changes.format(rows=rows, sign=sign) for rows, sign in parts)
        lock = ""
        if changes is HOUSEHOLD and parts[0][0] == "old_rows":
            lock = LOCK.format(ids=" UNION ".join(f"SELECT id FROM {rows}" for rows, _ in parts))
        elif changes is PERSON and parts[-1][0] == "new_rows":
            lock = LOCK_NEW if len(parts) == 1 else LOCK_MOVED
        return lock + APPEND.format(changes=body, fold=FOLD)
    return FUNCTION.format(name=name, insert=append(("new_rows", "1")),
                           delete=append(("old_rows", "-1")),
                           update=append(("old_rows", "-1"), ("new_rows", "1")))


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run(INVALIDATE)
    for table, (name, changes) in TABLES.items():
        run(_function(name, changes))
        for op, ref in (("INSERT", "NEW TABLE AS new_rows"), ("DELETE", "OLD TABLE AS old_rows"),
                        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows")):
            trigger = f"{name}_{op.lower()}"
            run(f"CREATE TRIGGER {trigger} AFTER {op} ON {table} REFERENCING {ref} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
            run(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {trigger}")
        run(f"CREATE TRIGGER {name}_truncate AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION registry_living_truncated()")
        run(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}_truncate")
    # The counts emptied on their own (TRUNCATE) are not trustworthy either.
    run("CREATE TRIGGER registry_livingcount_truncate AFTER TRUNCATE ON registry_livingcount "
        "FOR EACH STATEMENT EXECUTE FUNCTION registry_living_truncated()")
    run("ALTER TABLE registry_livingcount ENABLE ALWAYS TRIGGER registry_livingcount_truncate")
    # Nobody writes the registry while the counts are filled.
    run("LOCK TABLE registry_household, registry_person IN SHARE MODE")
    run(FILL.format(fold=FOLD))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (name, _changes) in TABLES.items():
        for op in ("insert", "delete", "update", "truncate"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{op} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
    schema_editor.execute("DROP TRIGGER IF EXISTS registry_livingcount_truncate "
                          "ON registry_livingcount")
    schema_editor.execute("DROP FUNCTION IF EXISTS registry_living_truncated()")


class Migration(migrations.Migration):

    dependencies = [
        ('places', '0002_dwelling_import_batch_id'),
        ('registry', '0010_searchkey_key_statistics'),
    ]

    operations = [
        migrations.CreateModel(
            name='LivingCountState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('floor', models.DateField(null=True)),
            ],
        ),
        migrations.CreateModel(
            name='LivingCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('residency', models.CharField(max_length=12)),
                ('day', models.DateField()),
                ('households', models.IntegerField(default=0)),
                ('people', models.IntegerField(default=0)),
                ('grid', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='places.grid')),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
