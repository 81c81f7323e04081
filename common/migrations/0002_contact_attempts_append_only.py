"""The collection contact log joins the append-only tables: on PostgreSQL its rows refuse UPDATE and
DELETE at the database too (the function comes from 0001). A logged call, SMS or visit is evidence of
how collection was conducted; a correction is a new entry, never an edit."""

from django.db import migrations

TABLE = "debt_collection_contactattempt"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'DROP TRIGGER IF EXISTS crm_append_only ON "{TABLE}"')
        cursor.execute(
            f'CREATE TRIGGER crm_append_only BEFORE UPDATE OR DELETE ON "{TABLE}" '
            "FOR EACH ROW EXECUTE FUNCTION crm_refuse_audit_change()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'DROP TRIGGER IF EXISTS crm_append_only ON "{TABLE}"')


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0001_append_only_triggers"),
        ("debt_collection", "0003_dashboard_indexes"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
