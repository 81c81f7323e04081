"""Default SLA policies (every category × priority) and the default business calendar.

Targets are business minutes of the calendar (a business day = 09:00–18:00 = 540 minutes):
urgent 2 h / 1 day, high 4 h / 3 days, normal 1 day / 5 days, low 2 days / 10 days. Collection-conduct
and privacy complaints answer faster (half the first-response target). Everything is editable in the
admin; this migration only adds what is missing.
"""

from datetime import time

from django.db import migrations

DAY = 540
TARGETS = {"urgent": (120, DAY), "high": (240, 3 * DAY), "normal": (DAY, 5 * DAY), "low": (2 * DAY, 10 * DAY)}
CATEGORIES = [
    "overdue_repayment", "interest_fees", "service_experience", "collection_conduct", "privacy_data",
    "vehicle_mortgage", "other",
]
FASTER = {"collection_conduct", "privacy_data"}


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("complaints", "SlaPolicy")
    BusinessCalendar = apps.get_model("complaints", "BusinessCalendar")
    WorkingHours = apps.get_model("complaints", "WorkingHours")
    for category in CATEGORIES:
        for priority, (first_response, resolution) in TARGETS.items():
            if category in FASTER:
                first_response = max(60, first_response // 2)
            SlaPolicy.objects.get_or_create(
                category=category, priority=priority,
                defaults={"first_response_minutes": first_response, "resolution_minutes": resolution},
            )
    if not BusinessCalendar.objects.filter(is_default=True).exists():
        calendar = BusinessCalendar.objects.create(name="默认工作日历（周一至周五 9:00–18:00）", is_default=True)
        WorkingHours.objects.bulk_create(
            [WorkingHours(calendar=calendar, weekday=wd, start=time(9), end=time(18)) for wd in range(5)]
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
