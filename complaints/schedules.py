"""Beat schedules of the complaints app, loaded into django-celery-beat by `manage.py setup_schedules`."""

PERIODIC_TASKS = [
    {"name": "complaints: SLA sweep", "task": "complaints.sla_sweep", "every_seconds": 60},
    # 01:15 local time: resolved complaints without feedback for FEEDBACK_AUTOCLOSE_DAYS close
    {"name": "complaints: feedback auto-close", "task": "complaints.autoclose_resolved", "crontab": {"minute": "15", "hour": "1"}},
]
