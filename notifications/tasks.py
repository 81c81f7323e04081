from celery import shared_task

from notifications.backends import TransientSendError
from notifications.services import message_send


@shared_task(
    name="notifications.send_message",
    autoretry_for=(TransientSendError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=12,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
)
def send_message(message_id: int) -> str:
    return message_send(message_id=message_id)
