"""Settings for the real Celery worker in tests/notifications/test_worker.py: the project's settings
plus the recording SMS provider and a guard that allows everything (the guard's own rules are
tested in tests/notifications/test_reminders.py and by the collections app)."""

from autoloan_crm.settings import *  # noqa: F403
from autoloan_crm.settings import CRM

NOTIFICATION_BACKENDS = {"sms": "tests.notifications.stubs.RecordingSmsBackend"}
NOTIFICATIONS_CONTACT_GUARD = "tests.notifications.stubs.allow_all"
CRM = {**CRM, "MESSAGE_RETRY_BASE_SECONDS": 1}
