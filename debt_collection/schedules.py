PERIODIC_TASKS = [
    # after midnight in the project time zone, when the day's payments are in
    {"name": "collections: daily delinquency refresh", "task": "debt_collection.refresh_cases",
     "crontab": {"minute": "30", "hour": "2"}},
]
