"""Thin Celery tasks: ids in, one service call. Delivery is at-least-once (acks_late,
reject_on_worker_lost); every service here is idempotent, so a redelivered task is harmless."""

from celery import shared_task

from notifications import services

COMMON = dict(acks_late=True, reject_on_worker_lost=True)


@shared_task(name="notifications.send_message", soft_time_limit=60, time_limit=90, **COMMON)
def send_message(message_id: int) -> str:
    # transient provider errors are rescheduled on the row (backoff) and picked up by dispatch_due
    return services.message_send(message_id=message_id)


@shared_task(name="notifications.send_batch", soft_time_limit=240, time_limit=270, **COMMON)
def send_batch(message_ids: list[int]) -> dict:
    return services.message_send_batch(message_ids=list(message_ids))


@shared_task(name="notifications.run_reminders", soft_time_limit=1500, time_limit=1800, **COMMON)
def run_reminders() -> dict:
    return services.reminders_run()


@shared_task(name="notifications.dispatch_due", soft_time_limit=50, time_limit=58, **COMMON)
def dispatch_due() -> int:
    return services.messages_dispatch_due()


@shared_task(name="notifications.recover_stale", soft_time_limit=110, time_limit=118, **COMMON)
def recover_stale() -> dict:
    return services.messages_recover_stale()
