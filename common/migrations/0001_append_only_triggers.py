"""On PostgreSQL, audit tables refuse UPDATE and DELETE at the database (raw SQL and
`QuerySet.update()` included). TRUNCATE (test flushes, a DBA's deliberate purge) is not affected.
Other databases rely on the model-level guard in common.audit."""

from django.db import migrations

from common.audit import APPEND_ONLY_MODELS

FUNCTION = """
CREATE OR REPLACE FUNCTION crm_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append-only audit table %: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _tables(apps):
    tables = []
    for label in APPEND_ONLY_MODELS:
        app_label, model_name = label.split(".")
        try:
            tables.append(apps.get_model(app_label, model_name)._meta.db_table)
        except LookupError:
            continue
    return tables


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # a plain cursor: the function body has `%` placeholders of its own (RAISE), not query parameters
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FUNCTION)
        for table in _tables(apps):
            cursor.execute(f'DROP TRIGGER IF EXISTS crm_append_only ON "{table}"')
            cursor.execute(
                f'CREATE TRIGGER crm_append_only BEFORE UPDATE OR DELETE ON "{table}" '
                f"FOR EACH ROW EXECUTE FUNCTION crm_refuse_audit_change()"
            )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in _tables(apps):
            cursor.execute(f'DROP TRIGGER IF EXISTS crm_append_only ON "{table}"')
        cursor.execute("DROP FUNCTION IF EXISTS crm_refuse_audit_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("borrowers", "0001_initial"),
        ("complaints", "0001_initial"),
        ("debt_collection", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
