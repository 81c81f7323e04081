from datetime import time

from django.db import migrations

# The design's numbers (docs: DESIGN.md "Contact compliance guard"). Edited afterwards in the admin.
PACKS = {
    "CN": {
        "name": "中国（中国银行业协会催收指引）",
        "quiet_start": time(22, 0),
        "quiet_end": time(8, 0),
        "max_unanswered_calls_per_number_per_day": 6,
        "max_calls_per_debt_in_period": None,
        "call_period_days": 7,
        "days_after_conversation": None,
        "third_party_failed_attempts": 3,
        "require_call_recording": True,
        "min_visit_staff": 2,
        "record_retention_years": 3,
        "electronic_opt_out_notice": False,
    },
    "US": {
        "name": "United States (CFPB Regulation F)",
        "quiet_start": time(21, 0),
        "quiet_end": time(8, 0),
        "max_unanswered_calls_per_number_per_day": None,
        "max_calls_per_debt_in_period": 7,
        "call_period_days": 7,
        "days_after_conversation": 7,
        "third_party_failed_attempts": 3,
        "require_call_recording": False,
        "min_visit_staff": 2,
        "record_retention_years": 3,
        "electronic_opt_out_notice": True,
    },
}


def seed(apps, schema_editor):
    Pack = apps.get_model("debt_collection", "ContactRulePack")
    for code, values in PACKS.items():
        Pack.objects.get_or_create(code=code, defaults=values)


class Migration(migrations.Migration):
    dependencies = [("debt_collection", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
