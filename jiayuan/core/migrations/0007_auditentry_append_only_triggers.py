"""The audit log is append-only in PostgreSQL itself, whoever connects.

Triggers refuse UPDATE and DELETE of any row and TRUNCATE of the table, with no
manual step (the grants in docs/deployment.md §2 remain good practice: the
app's role should not own the table). The one way past them is a session
setting, `jiayuan.audit_maintenance = on`, honoured only for a superuser or a
member of the table's owner role — who could drop the triggers anyway — so it
is no back door for the app's role; the test suite sets it because Django
empties the test database with TRUNCATE between tests (tests/settings.py).
SQLite has no such triggers: nothing is done there.
"""

from django.db import migrations

FUNCTION = "core_auditentry_append_only"

INSTALL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('jiayuan.audit_maintenance', true), '') = 'on'
       AND ((SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
            OR pg_has_role(current_user,
                           (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER'))
    THEN
        IF TG_LEVEL = 'STATEMENT' THEN
            RETURN NULL;
        ELSIF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log (%) is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit entries can be added, never changed or removed.';
END
$$;
CREATE TRIGGER core_auditentry_no_update_delete
    BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
CREATE TRIGGER core_auditentry_no_truncate
    BEFORE TRUNCATE ON core_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();
"""

REMOVE = f"""
DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;
DROP TRIGGER IF EXISTS core_auditentry_no_update_delete ON core_auditentry;
DROP FUNCTION IF EXISTS {FUNCTION}();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0006_auditentry_key_id"),
    ]

    operations = [
        migrations.RunPython(install, remove, elidable=False),
    ]
