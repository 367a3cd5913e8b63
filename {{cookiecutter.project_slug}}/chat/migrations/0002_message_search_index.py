"""A GIN index for full-text search of message bodies, on PostgreSQL only (chat/domain/search.py)."""

from django.db import migrations

INDEX = "message_body_search"
# The same expression as chat/domain/search.py body_vector(), as Django writes it.
EXPRESSION = "to_tsvector('simple'::regconfig, COALESCE(body, ''))"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("chat", "Message")._meta.db_table)
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} USING gin ({EXPRESSION})"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("chat", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
