"""Audit entries that can be redacted (an erased person) with the chain intact.

New entries hash the digest of their object, diff and address (salted), not
the text itself; `audit.redact` blanks the text, the address and the salt and
sets `redacted`. The append-only trigger (0007) is replaced by one that lets
exactly that change through, and nothing else: every other column unchanged,
the entry redactable (a digest) and not yet redacted, the text, diff, address
and salt blank. `verify_audit` then checks that a later REDACT entry, itself
in the chain, names every redacted entry.
"""

import importlib

from django.db import migrations, models

FUNCTION = "core_auditentry_append_only"

REDACTABLE = f"""
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
    IF TG_OP = 'UPDATE' AND TG_LEVEL = 'ROW'
       AND OLD.payload_digest <> '' AND NOT OLD.redacted AND NEW.redacted
       AND NEW.object_repr = '' AND NEW.changes = '{{}}'::jsonb AND NEW.ip IS NULL
       AND NEW.payload_salt = ''
       AND (NEW.seq, NEW.at, NEW.actor_id, NEW.actor_username, NEW.actor_role, NEW.action,
            NEW.object_type, NEW.object_id, NEW.prev_hash, NEW.hash, NEW.key_id,
            NEW.payload_digest)
           IS NOT DISTINCT FROM
           (OLD.seq, OLD.at, OLD.actor_id, OLD.actor_username, OLD.actor_role, OLD.action,
            OLD.object_type, OLD.object_id, OLD.prev_hash, OLD.hash, OLD.key_id,
            OLD.payload_digest)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log (%) is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit entries can be added, never changed or removed.';
END
$$;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REDACTABLE, params=None)


def restore(apps, schema_editor):
    # Back to 0007's function (the triggers themselves are unchanged).
    if schema_editor.connection.vendor == "postgresql":
        before = importlib.import_module(
            "jiayuan.core.migrations.0007_auditentry_append_only_triggers")
        function = before.INSTALL.split("CREATE TRIGGER")[0]
        schema_editor.execute(function, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0007_auditentry_append_only_triggers'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditentry',
            name='payload_digest',
            field=models.CharField(blank=True, db_default='', default='', max_length=64),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='payload_salt',
            field=models.CharField(blank=True, db_default='', default='', max_length=32),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='redacted',
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='action',
            field=models.CharField(choices=[('create', 'Created'), ('update', 'Updated'), ('delete', 'Deleted'), ('move', 'Moved'), ('reveal', 'Revealed a masked field'), ('print', 'Printed'), ('export', 'Exported'), ('import', 'Imported a roster'), ('undo_import', 'Undid an import'), ('login', 'Logged in'), ('login_failed', 'Failed login'), ('lockout', 'Logins locked out'), ('logout', 'Logged out'), ('denied', 'Access denied'), ('view_sensitive', 'Viewed sensitive details'), ('redact', 'Redacted audit entries')], db_index=True, max_length=20, verbose_name='action'),
        ),
        migrations.RunPython(install, restore, elidable=False),
    ]
