"""On PostgreSQL, a trigger refuses UPDATE and DELETE of audit entries, except DELETE while the prune command runs
(it sets ``eyt_audit.allow_prune`` for its own transaction). Other databases rely on the ORM's refusal."""

from django.db import migrations

INSTALL = """
CREATE OR REPLACE FUNCTION eyt_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('eyt_audit.allow_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'eyt_audit: audit entries are append-only; % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER eyt_audit_append_only BEFORE UPDATE OR DELETE ON eyt_audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION eyt_audit_refuse_change();
"""

REMOVE = """
DROP TRIGGER IF EXISTS eyt_audit_append_only ON eyt_audit_auditentry;
DROP FUNCTION IF EXISTS eyt_audit_refuse_change();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE, params=None)


class Migration(migrations.Migration):
    dependencies = [("eyt_audit", "0001_initial")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
