"""PostgreSQL: vacuum the complaints table early. An SLA sweep that escalates many complaints leaves
their old row versions in the clock indexes until vacuum; the default (20 % of the table) would let a
burst of escalations slow the every-minute probe for a long time. No-op on other databases."""

from django.db import migrations

TABLES = ("complaints_complaint", "complaints_escalation")


def tune(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"ALTER TABLE {table} SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000, "
            "autovacuum_analyze_scale_factor = 0.02)"
        )


def untune(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"ALTER TABLE {table} RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, "
            "autovacuum_analyze_scale_factor)"
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0003_lean_indexes_review_clock")]

    operations = [migrations.RunPython(tune, untune)]
