"""The hourly reminder pass and what happens to each reminder at send time."""

from datetime import timedelta

import pytest
from django.urls import reverse

from borrowers.services import payment_record
from notifications.models import OutboundMessage, ReminderStep
from notifications.services import message_send, message_send_batch, messages_dispatch_due, reminders_run
from tests.factories import BorrowerFactory, aware
from tests.notifications.conftest import batched_ids

NOW = aware(2026, 11, 20, 10, 0)  # 10:00 in the branches' time zone (Asia/Shanghai)
TODAY = NOW.date()


@pytest.mark.django_db
def test_pass_creates_one_message_per_installment_step_and_channel_and_a_second_pass_none(
    installment_due, django_capture_on_commit_callbacks
):
    due = {offset: installment_due(TODAY - timedelta(days=offset)) for offset in (-3, -1, 0, 1, 3, 7)}
    not_due = installment_due(TODAY + timedelta(days=2))
    paid = installment_due(TODAY)
    paid.settled = True
    paid.save(update_fields=["settled"])

    with django_capture_on_commit_callbacks() as callbacks:
        result = reminders_run(now=NOW)

    messages = OutboundMessage.objects.all()
    got = sorted((m.installment_id, m.step_key, m.channel) for m in messages)
    expected = sorted(
        [
            (due[o].pk, key, "sms")
            for o, key in [(-3, "T-3"), (-1, "T-1"), (0, "T0"), (1, "T+1"), (3, "T+3"), (7, "T+7")]
        ]
        + [(due[-3].pk, "T-3", "email"), (due[1].pk, "T+1", "email")]
    )
    assert got == expected
    assert not messages.filter(installment__in=[not_due, paid]).exists()
    assert result == {"created": 8, "enqueued": 8}
    assert sorted(batched_ids(callbacks)) == sorted(m.pk for m in messages)
    sms = messages.get(installment=due[0], channel="sms")
    assert sms.to == due[0].loan.borrower.mobile and sms.status == "queued" and sms.template == "reminder_due"

    with django_capture_on_commit_callbacks() as callbacks:
        again = reminders_run(now=NOW + timedelta(hours=1))
    assert again == {"created": 0, "enqueued": 0}
    assert callbacks == []
    assert OutboundMessage.objects.count() == 8


@pytest.mark.django_db
def test_before_send_hour_messages_wait_for_the_dispatcher(
    installment_due, django_capture_on_commit_callbacks
):
    installment = installment_due(TODAY)
    early = aware(2026, 11, 20, 0, 7)
    with django_capture_on_commit_callbacks() as callbacks:
        assert reminders_run(now=early) == {"created": 1, "enqueued": 0}
    assert callbacks == []
    message = OutboundMessage.objects.get(installment=installment)
    assert message.scheduled_at == aware(2026, 11, 20, 9, 0)

    with django_capture_on_commit_callbacks() as callbacks:
        assert messages_dispatch_due(now=aware(2026, 11, 20, 8, 59)) == 0
    with django_capture_on_commit_callbacks() as callbacks:
        assert messages_dispatch_due(now=aware(2026, 11, 20, 9, 1)) == 1
    assert batched_ids(callbacks) == [message.pk]
    with django_capture_on_commit_callbacks() as callbacks:  # claimed: not dispatched twice
        assert messages_dispatch_due(now=aware(2026, 11, 20, 9, 2)) == 0


@pytest.mark.django_db
def test_branch_specific_cadence_replaces_the_default(branch, other_branch, installment_due):
    ReminderStep.objects.create(
        branch=branch, offset_days=-2, channel="sms", template_code="reminder_before_1"
    )
    ours = installment_due(TODAY + timedelta(days=2))
    ours_default_day = installment_due(TODAY + timedelta(days=3))
    theirs = installment_due(TODAY + timedelta(days=3), borrower=BorrowerFactory(branch=other_branch))

    reminders_run(now=NOW)

    assert list(OutboundMessage.objects.filter(installment=ours).values_list("step_key", "channel")) == [
        ("T-2", "sms")
    ]
    assert not OutboundMessage.objects.filter(installment=ours_default_day).exists()
    assert sorted(OutboundMessage.objects.filter(installment=theirs).values_list("step_key", "channel")) == [
        ("T-3", "email"),
        ("T-3", "sms"),
    ]


def _one_reminder(installment_due, **borrower_fields):
    installment = installment_due(TODAY, **borrower_fields)
    reminders_run(now=NOW)
    return OutboundMessage.objects.get(installment=installment, channel="sms")


@pytest.mark.django_db
def test_sent_reminder_is_rendered_in_the_borrowers_language_with_the_opt_out_line(
    installment_due, guard, provider
):
    message = _one_reminder(installment_due, language="en", name="Li Lei")
    assert message_send(message_id=message.pk, now=NOW) == "sent"
    message.refresh_from_db()
    assert message.status == "sent" and message.provider_id == f"rec-{message.pk}"
    assert "Dear Li Lei" in message.body and "due today" in message.body
    assert message.body.endswith("Reply STOP to opt out")
    assert f"{message.installment.total_outstanding:,.2f}" in message.body
    assert provider.calls == [message.pk]
    assert guard.calls == [(message.borrower_id, "sms", NOW, "reminder", True)]
    # a rerun (redelivered task) sends nothing
    assert message_send(message_id=message.pk, now=NOW) == "sent"
    assert provider.calls == [message.pk]


@pytest.mark.django_db
def test_quiet_hours_defer_then_the_dispatcher_sends_it_later(
    installment_due, guard, provider, django_capture_on_commit_callbacks
):
    message = _one_reminder(installment_due)
    morning = NOW + timedelta(hours=22)  # the guard says: not before 08:00 tomorrow
    guard.quiet_until = morning

    assert message_send(message_id=message.pk, now=NOW) == "deferred"
    message.refresh_from_db()
    assert (message.status, message.scheduled_at, message.attempts) == ("deferred", morning, 0)
    assert message.status_reason.startswith("quiet_hours")
    assert provider.calls == []

    with django_capture_on_commit_callbacks() as callbacks:
        assert messages_dispatch_due(now=morning - timedelta(minutes=1)) == 0
    with django_capture_on_commit_callbacks() as callbacks:
        assert messages_dispatch_due(now=morning) == 1
    assert batched_ids(callbacks) == [message.pk]
    assert message_send_batch(message_ids=[message.pk], now=morning) == {"sent": 1}
    message.refresh_from_db()
    assert message.status == "sent" and provider.calls == [message.pk]


@pytest.mark.django_db
def test_opted_out_channel_is_skipped_and_recorded(installment_due, guard, provider):
    message = _one_reminder(installment_due, opted_out_channels=["sms"])
    assert message_send(message_id=message.pk, now=NOW) == "skipped"
    message.refresh_from_db()
    assert message.status == "skipped" and message.status_reason.startswith("opt_out")
    assert provider.calls == []
    assert guard.calls and guard.calls[0][4] is True  # the guard was asked to record the refusal


@pytest.mark.django_db
def test_case_on_hold_cancels_the_reminder(installment_due, guard, provider):
    message = _one_reminder(installment_due)
    guard.on_hold_borrowers.add(message.borrower_id)
    assert message_send(message_id=message.pk, now=NOW) == "cancelled"
    message.refresh_from_db()
    assert message.status == "cancelled" and message.status_reason.startswith("case_on_hold")
    assert provider.calls == []


@pytest.mark.django_db
def test_installment_paid_after_planning_is_cancelled_at_send_time(installment_due, guard, provider):
    message = _one_reminder(installment_due)
    installment = message.installment
    payment_record(
        loan=installment.loan,
        amount=installment.total_outstanding,
        paid_at=NOW - timedelta(hours=1),
        external_ref="PAY-1",
    )
    assert message_send(message_id=message.pk, now=NOW) == "cancelled"
    message.refresh_from_db()
    assert (message.status, message.status_reason) == ("cancelled", "installment_settled")
    assert provider.calls == [] and guard.calls == []


@pytest.mark.django_db
def test_a_deferral_beyond_two_days_is_skipped_as_expired(installment_due, guard, provider):
    message = _one_reminder(installment_due)
    guard.quiet_until = NOW + timedelta(days=5)  # e.g. do-not-contact-until
    assert message_send(message_id=message.pk, now=NOW) == "skipped"
    message.refresh_from_db()
    assert message.status_reason.startswith("expired")


@pytest.mark.django_db
def test_outcomes_are_on_the_borrowers_page(client, agent, branch, installment_due, guard, provider):
    borrower = BorrowerFactory(branch=branch, opted_out_channels=["email"])
    sent = installment_due(TODAY, borrower=borrower)
    deferred = installment_due(TODAY - timedelta(days=1), borrower=borrower)
    reminders_run(now=NOW)
    m_sent = OutboundMessage.objects.get(installment=sent)
    m_deferred = OutboundMessage.objects.get(installment=deferred, channel="sms")
    m_skipped = OutboundMessage.objects.get(installment=deferred, channel="email")
    message_send(message_id=m_sent.pk, now=NOW)
    message_send(message_id=m_skipped.pk, now=NOW)
    guard.quiet_until = NOW + timedelta(hours=10)
    message_send(message_id=m_deferred.pk, now=NOW)

    client.force_login(agent)
    page = client.get(reverse("borrowers:detail", args=[borrower.pk])).content.decode()
    assert f'data-message-id="{m_sent.pk}" data-status="sent"' in page
    assert f'data-message-id="{m_deferred.pk}" data-status="deferred"' in page
    assert f'data-message-id="{m_skipped.pk}" data-status="skipped"' in page
    assert "T+1" in page and "opt_out" in page
    assert borrower.mobile not in page  # masked

    partial = client.get(reverse("notifications:borrower_messages", args=[borrower.pk]))
    assert partial.status_code == 200 and f'data-message-id="{m_sent.pk}"' in partial.content.decode()


@pytest.mark.django_db
def test_other_branch_cannot_see_the_timeline(client, other_agent, installment_due):
    message = _one_reminder(installment_due)
    client.force_login(other_agent)
    assert (
        client.get(reverse("notifications:borrower_messages", args=[message.borrower_id])).status_code == 404
    )


@pytest.mark.django_db
def test_the_timeline_costs_the_same_queries_for_one_or_many_messages(
    client, agent, branch, installment_due, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    borrower = BorrowerFactory(branch=branch)
    installment_due(TODAY, borrower=borrower)
    reminders_run(now=NOW)
    client.force_login(agent)
    url = reverse("notifications:borrower_messages", args=[borrower.pk])
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for offset in (1, 3, 7):
        installment_due(TODAY - timedelta(days=offset), borrower=borrower)
    reminders_run(now=NOW)
    assert OutboundMessage.objects.filter(borrower=borrower).count() == 5
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url)
