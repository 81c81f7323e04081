"""Celery application.

Delivery is at-least-once: a task is acknowledged only after it finishes and is redelivered if its
worker dies, so every task in this project must be idempotent (see docs/adr/0002-tasks.md).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "autoloan_crm.settings")

app = Celery("autoloan_crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
