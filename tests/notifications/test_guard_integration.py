"""Reminders against the real contact-compliance guard (debt_collection.compliance)."""

from datetime import timedelta

import pytest

from debt_collection.models import BlockedContact, CollectionCase
from notifications.models import OutboundMessage
from notifications.services import message_send, reminders_run
from tests.factories import aware

NOW = aware(2026, 11, 20, 10, 0)


@pytest.fixture
def reminder(installment_due, provider):
    def make(**borrower_fields):
        installment = installment_due(NOW.date(), **borrower_fields)
        reminders_run(now=NOW)
        return OutboundMessage.objects.get(installment=installment, channel="sms")

    return make


@pytest.mark.django_db
def test_quiet_hours_defer_to_eight_the_next_morning_and_the_refusal_is_recorded(reminder, provider):
    message = reminder()
    late = aware(2026, 11, 20, 23, 0)
    assert message_send(message_id=message.pk, now=late) == "deferred"
    message.refresh_from_db()
    assert message.scheduled_at == aware(2026, 11, 21, 8, 0)
    assert message.status_reason.startswith("quiet_hours")
    blocked = BlockedContact.objects.get(borrower=message.borrower)
    assert (blocked.rule, blocked.purpose, blocked.channel) == ("quiet_hours", "reminder", "sms")
    assert message_send(message_id=message.pk, now=aware(2026, 11, 21, 8, 0)) == "sent"
    assert provider.calls == [message.pk]


@pytest.mark.django_db
def test_opt_out_and_hold_with_the_real_guard(reminder, provider):
    opted = reminder(opted_out_channels=["sms"])
    assert message_send(message_id=opted.pk, now=NOW) == "skipped"
    assert OutboundMessage.objects.get(pk=opted.pk).status_reason.startswith("opted_out")

    held = reminder()
    loan = held.installment.loan
    case = CollectionCase.objects.create(loan=loan, borrower=loan.borrower, branch=loan.branch, bucket="M1")
    CollectionCase.objects.filter(pk=case.pk).update(state="on_hold")
    assert message_send(message_id=held.pk, now=NOW + timedelta(minutes=1)) == "cancelled"
    assert OutboundMessage.objects.get(pk=held.pk).status_reason.startswith("case_on_hold")
    assert provider.calls == []
    assert set(BlockedContact.objects.values_list("rule", flat=True)) == {"opted_out", "case_on_hold"}
