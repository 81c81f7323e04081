"""Load every installed app's `<app>/schedules.py` PERIODIC_TASKS into django-celery-beat.

Each entry: {"name": str, "task": str, "every_seconds": int} or {"name", "task", "crontab": {...}},
optionally "kwargs" (dict), "args" (list), "queue" (str), "enabled" (bool, default True),
"description" (str). Tasks are matched by name, so running the command again updates them in place;
a PeriodicTask whose `task` is no longer declared by any app is left alone (it may be one an operator
added in the admin).
"""

import importlib
import json

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

CRONTAB_FIELDS = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")


def collect_periodic_tasks() -> list[tuple[str, dict]]:
    """(app label, entry) for every PERIODIC_TASKS entry of every installed app, in app order."""
    found = []
    for config in apps.get_app_configs():
        module_name = f"{config.name}.schedules"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        for entry in getattr(module, "PERIODIC_TASKS", []):
            found.append((config.label, entry))
    return found


def _validate(app_label: str, entry: dict) -> None:
    where = f"{app_label}.schedules"
    for key in ("name", "task"):
        if not entry.get(key):
            raise CommandError(f"{where}: an entry has no {key!r}: {entry!r}")
    has_every, has_cron = "every_seconds" in entry, "crontab" in entry
    if has_every == has_cron:
        raise CommandError(f"{where}: {entry['name']!r} needs exactly one of 'every_seconds' or 'crontab'")
    if has_every and (not isinstance(entry["every_seconds"], int) or entry["every_seconds"] <= 0):
        raise CommandError(f"{where}: {entry['name']!r} every_seconds must be a positive integer")
    if has_cron:
        unknown = set(entry["crontab"]) - set(CRONTAB_FIELDS)
        if unknown:
            raise CommandError(f"{where}: {entry['name']!r} unknown crontab fields {sorted(unknown)}")


@transaction.atomic
def setup_schedules() -> list[tuple[str, bool]]:
    """Create or update one PeriodicTask per declared entry. Returns (name, created) pairs."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask, PeriodicTasks

    entries = collect_periodic_tasks()
    names = [e["name"] for _label, e in entries if "name" in e]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise CommandError(f"periodic task names declared twice: {sorted(duplicates)}")
    results = []
    for app_label, entry in entries:
        _validate(app_label, entry)
        schedule = {"interval": None, "crontab": None}
        if "every_seconds" in entry:
            schedule["interval"], _c = IntervalSchedule.objects.get_or_create(
                every=entry["every_seconds"], period=IntervalSchedule.SECONDS
            )
        else:
            cron = {field: str(entry["crontab"].get(field, "*")) for field in CRONTAB_FIELDS}
            schedule["crontab"], _c = CrontabSchedule.objects.get_or_create(**cron, timezone=settings.TIME_ZONE)
        _task, created = PeriodicTask.objects.update_or_create(
            name=entry["name"],
            defaults={
                "task": entry["task"],
                **schedule,
                "args": json.dumps(entry.get("args", [])),
                "kwargs": json.dumps(entry.get("kwargs", {})),
                "queue": entry.get("queue") or None,
                "enabled": entry.get("enabled", True),
                "description": entry.get("description", f"declared in {app_label}/schedules.py"),
            },
        )
        results.append((entry["name"], created))
    # Tell a running beat (DatabaseScheduler) to reload.
    PeriodicTasks.update_changed()
    return results


class Command(BaseCommand):
    help = "Load every app's schedules.py PERIODIC_TASKS into django-celery-beat (idempotent, by name)."

    def handle(self, *args, **options):
        results = setup_schedules()
        for name, created in results:
            self.stdout.write(f"{'created' if created else 'updated'}: {name}")
        self.stdout.write(self.style.SUCCESS(f"{len(results)} periodic task(s) in place."))
