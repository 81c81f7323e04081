# Loaded into django-celery-beat by `manage.py setup_schedules` (times in settings.TIME_ZONE).
PERIODIC_TASKS = [
    {
        "name": "borrowers: delinquency refresh",
        "task": "borrowers.refresh_delinquency",
        # after midnight so "today" is the new day; before the collectors' shift starts
        "crontab": {"minute": "10", "hour": "0"},
    },
]
