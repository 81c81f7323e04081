PERIODIC_TASKS = [
    {
        "name": "notifications: repayment reminders",
        "task": "notifications.run_reminders",
        "crontab": {"minute": "7"},
    },
    {
        "name": "notifications: dispatch due messages",
        "task": "notifications.dispatch_due",
        "every_seconds": 60,
    },
    {
        "name": "notifications: recover stale sends",
        "task": "notifications.recover_stale",
        "every_seconds": 120,
    },
]
