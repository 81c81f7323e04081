"""The real-worker fixture itself: a task enqueued after commit runs in another process."""

import pytest

from notifications.choices import MessageStatus
from notifications.models import OutboundMessage
from notifications.services import message_queue

pytestmark = [pytest.mark.worker]


def test_message_sent_by_a_real_worker(celery_worker_proc, borrower):
    celery_worker_proc()
    message = message_queue(channel="sms", to=borrower.mobile, body="测试", borrower=borrower)
    # no surrounding transaction in a transactional test: on_commit runs at once
    assert celery_worker_proc.wait_for(
        lambda: OutboundMessage.objects.get(pk=message.pk).status == MessageStatus.SENT, timeout=60
    ), (celery_worker_proc.log_dir / "worker0.log").read_text(errors="ignore")[-3000:]
