"""MariaDB and MySQL create no unique constraint with a condition (Django leaves ``eyt_notify_unique_idempotency_key``
out there, warning ``models.W036``). A plain unique index does the same work on them, since their unique indexes
let NULL keys repeat: a key is used once per recipient, also by concurrent ``notify()`` calls."""

from django.db import migrations

INDEX = "eyt_notify_unique_idempotency_key"


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "mysql":
        quote = schema_editor.quote_name
        table = quote(apps.get_model("eyt_notify", "Notification")._meta.db_table)
        schema_editor.execute(
            f"CREATE UNIQUE INDEX {quote(INDEX)} ON {table} ({quote('recipient_id')}, {quote('idempotency_key')})"
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "mysql":
        table = schema_editor.quote_name(apps.get_model("eyt_notify", "Notification")._meta.db_table)
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(INDEX)} ON {table}")


class Migration(migrations.Migration):
    dependencies = [("eyt_notify", "0001_initial")]

    operations = [migrations.RunPython(install, remove, atomic=False, elidable=False)]
