import sys
import types

import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_schedules(monkeypatch):
    """Give the `common` app a schedules.py with one interval and one crontab task."""
    module = types.ModuleType("common.schedules")
    module.PERIODIC_TASKS = [
        {"name": "test: every minute", "task": "test.sweep", "every_seconds": 60},
        {"name": "test: nightly", "task": "test.nightly", "crontab": {"minute": "5", "hour": "2"},
         "kwargs": {"limit": 10}},
    ]
    monkeypatch.setitem(sys.modules, "common.schedules", module)
    return module


def test_loads_interval_and_crontab_tasks_in_the_project_time_zone(fake_schedules, settings):
    call_command("setup_schedules", stdout=open("/dev/null", "w"))  # noqa: SIM115

    sweep = PeriodicTask.objects.get(name="test: every minute")
    assert sweep.task == "test.sweep" and sweep.enabled
    assert (sweep.interval.every, sweep.interval.period) == (60, IntervalSchedule.SECONDS)
    assert sweep.crontab is None

    nightly = PeriodicTask.objects.get(name="test: nightly")
    assert (nightly.crontab.minute, nightly.crontab.hour, nightly.crontab.day_of_week) == ("5", "2", "*")
    assert str(nightly.crontab.timezone) == settings.TIME_ZONE
    assert nightly.kwargs == '{"limit": 10}'
    # the project's own schedule (borrowers/schedules.py) is loaded too
    assert PeriodicTask.objects.get(name="borrowers: delinquency refresh").task == "borrowers.refresh_delinquency"


def test_running_twice_updates_in_place_without_duplicates(fake_schedules):
    call_command("setup_schedules", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (PeriodicTask.objects.count(), IntervalSchedule.objects.count(), CrontabSchedule.objects.count())

    fake_schedules.PERIODIC_TASKS[0]["every_seconds"] = 120
    call_command("setup_schedules", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert PeriodicTask.objects.count() == counts[0]
    assert PeriodicTask.objects.get(name="test: every minute").interval.every == 120


def test_an_entry_with_both_or_neither_schedule_is_refused(fake_schedules):
    fake_schedules.PERIODIC_TASKS.append({"name": "test: broken", "task": "test.broken"})
    with pytest.raises(CommandError, match="exactly one"):
        call_command("setup_schedules")
    assert not PeriodicTask.objects.filter(name__startswith="test:").exists()  # all or nothing
