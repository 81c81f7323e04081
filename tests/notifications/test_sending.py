"""Sending: retries and backoff on provider errors, exactly once across outages and crashes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import MessageTemplate, OutboundMessage
from notifications.services import (
    message_queue,
    message_send,
    message_send_batch,
    messages_dispatch_due,
    messages_recover_stale,
    notify_staff,
)
from notifications.services.messages import RETRY
from tests.notifications.conftest import batched_ids


def _queue(borrower, n=1, **extra):
    return [
        message_queue(channel="sms", to=f"1390000{i:04d}", body=f"hello {i}", borrower=borrower, **extra)
        for i in range(n)
    ]


@pytest.mark.django_db
def test_message_queue_enqueues_after_commit_and_adds_the_opt_out_line(
    borrower, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        message = message_queue(channel="sms", to=borrower.mobile, body="您的投诉已受理", borrower=borrower)
    assert len(callbacks) == 1 and callbacks[0].keywords["args"] == (message.pk,)
    assert message.body == "您的投诉已受理 回复TD退订"
    assert message.dispatched_at is not None


@pytest.mark.django_db
def test_message_queue_renders_a_template_in_the_language(borrower):
    message = message_queue(
        channel="sms",
        to=borrower.mobile,
        borrower=borrower,
        template="complaint_ack",
        language="en",
        context={"tracking_code": "TK-7", "branch_name": "Shanghai"},
    )
    assert message.body.startswith("[Shanghai] We have received your complaint. Tracking code TK-7")
    assert message.body.endswith("Reply STOP to opt out")
    with pytest.raises(MessageTemplate.DoesNotExist):
        message_queue(channel="sms", to="1", template="no_such_template")


@pytest.mark.django_db
def test_notify_staff_keeps_its_signature_and_sends_no_opt_out_line(
    agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        notify_staff(user=agent, title="投诉升级", body="请处理", link="/complaints/1/", kind="escalation")
    assert agent.notifications.get().title == "投诉升级"
    email = OutboundMessage.objects.get(channel="email")
    assert email.to == agent.email and "退订" not in email.body


@pytest.mark.django_db
def test_provider_outage_then_recovery_sends_every_message_exactly_once(
    borrower, provider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        messages = _queue(borrower, 5)
    ids = [m.pk for m in messages]
    provider.fail_transient = 3  # down for three calls, then back
    now = timezone.now()

    # first batch: the first call fails, the rest of the batch is not even tried (provider presumed down)
    assert message_send_batch(message_ids=ids, now=now) == {RETRY: 1, "postponed": 4}
    assert provider.calls == []
    rows = {m.pk: m for m in OutboundMessage.objects.filter(pk__in=ids)}
    assert all(
        m.status == "queued" and m.dispatched_at is None and m.scheduled_at > now for m in rows.values()
    )
    assert rows[ids[0]].attempts == 1 and "503" in rows[ids[0]].last_error

    sent_rounds = 0
    while (
        provider.fail_transient or OutboundMessage.objects.filter(pk__in=ids).exclude(status="sent").exists()
    ):
        now += timedelta(hours=1)  # past any backoff
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            messages_dispatch_due(now=now)
        message_send_batch(message_ids=batched_ids(callbacks), now=now)
        sent_rounds += 1
        assert sent_rounds < 10
    assert sorted(provider.calls) == sorted(ids)  # each once
    assert set(OutboundMessage.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"sent"}
    assert OutboundMessage.objects.get(pk=ids[0]).attempts == 4


@pytest.mark.django_db
def test_permanent_error_fails_without_retry(borrower, provider):
    (message,) = _queue(borrower)
    provider.reject_numbers = {message.to}
    assert message_send(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == "failed" and "invalid number" in message.last_error
    assert message_send(message_id=message.pk) == "failed"
    assert provider.calls == []


@pytest.mark.django_db
def test_gives_up_after_max_attempts(borrower, provider, settings):
    settings.CRM = {**settings.CRM, "MESSAGE_MAX_ATTEMPTS": 2}
    (message,) = _queue(borrower)
    provider.fail_transient = 10
    now = timezone.now()
    assert message_send(message_id=message.pk, now=now) == RETRY
    assert message_send(message_id=message.pk, now=now + timedelta(hours=1)) == "failed"
    message.refresh_from_db()
    assert message.status == "failed" and message.status_reason == "max_attempts"


def _stuck_in_sending(message, minutes_ago=30):
    OutboundMessage.objects.filter(pk=message.pk).update(
        status="sending", sending_started_at=timezone.now() - timedelta(minutes=minutes_ago)
    )


@pytest.mark.django_db
def test_crash_after_provider_accepted_is_marked_sent_not_resent(borrower, provider):
    (message,) = _queue(borrower)
    provider.calls.append(message.pk)  # the provider got it, then the worker died before our update
    _stuck_in_sending(message)
    assert messages_recover_stale() == {"sent": 1, "requeued": 0, "failed": 0, "kept": 0}
    message.refresh_from_db()
    assert message.status == "sent" and message.provider_id == f"rec-{message.pk}"
    assert message_send(message_id=message.pk) == "sent"
    assert provider.calls == [message.pk]


@pytest.mark.django_db
def test_crash_before_provider_call_is_requeued_and_sent_once(borrower, provider):
    (message,) = _queue(borrower)
    _stuck_in_sending(message)
    assert messages_recover_stale()["requeued"] == 1
    assert message_send(message_id=message.pk) == "sent"
    assert provider.calls == [message.pk]


@pytest.mark.django_db
def test_a_recent_send_in_progress_is_left_alone(borrower, provider):
    (message,) = _queue(borrower)
    _stuck_in_sending(message, minutes_ago=1)
    assert messages_recover_stale() == {"sent": 0, "requeued": 0, "failed": 0, "kept": 0}
    assert OutboundMessage.objects.get(pk=message.pk).status == "sending"


@pytest.mark.django_db
def test_unknown_outcome_is_not_resent_unless_the_provider_deduplicates(borrower, provider, settings):
    first, second = _queue(borrower, 2)
    _stuck_in_sending(first)
    settings.NOTIFICATION_BACKENDS = {"sms": "tests.notifications.stubs.NoLookupSmsBackend"}
    assert messages_recover_stale()["failed"] == 1
    first.refresh_from_db()
    assert (first.status, first.status_reason) == ("failed", "outcome_unknown")

    _stuck_in_sending(second)
    settings.NOTIFICATION_BACKENDS = {"sms": "tests.notifications.stubs.IdempotentSmsBackend"}
    assert messages_recover_stale()["requeued"] == 1
    assert OutboundMessage.objects.get(pk=second.pk).status == "queued"


@pytest.mark.django_db
def test_dispatch_redispatches_a_message_whose_task_was_lost(borrower, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        (message,) = _queue(borrower)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=False):
        assert messages_dispatch_due(now=now) == 0  # its task is already on the broker
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert messages_dispatch_due(now=now + timedelta(minutes=11)) == 1
    assert batched_ids(callbacks) == [message.pk]
