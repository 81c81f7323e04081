from datetime import date, timedelta

import pytest

from tests.factories import BorrowerFactory, make_loan
from tests.notifications import stubs


@pytest.fixture
def guard(settings):
    settings.NOTIFICATIONS_CONTACT_GUARD = "tests.notifications.stubs.contact_check"
    stubs.GUARD.quiet_until = None
    stubs.GUARD.on_hold_borrowers = set()
    stubs.GUARD.calls = []
    return stubs.GUARD


@pytest.fixture
def provider(settings):
    settings.NOTIFICATION_BACKENDS = {"sms": "tests.notifications.stubs.RecordingSmsBackend"}
    stubs.PROVIDER.calls = []
    stubs.PROVIDER.fail_transient = 0
    stubs.PROVIDER.reject_numbers = set()
    return stubs.PROVIDER


@pytest.fixture
def installment_due(branch):
    """installment_due(due_date, borrower=None) → the first installment of a new loan, due that day."""

    def make(due_date: date, borrower=None, **borrower_fields):
        borrower = borrower or BorrowerFactory(branch=branch, **borrower_fields)
        loan = make_loan(borrower=borrower, term_months=2, start_date=due_date - timedelta(days=400))
        first, *rest = list(loan.installments.order_by("seq"))
        first.due_date = due_date
        first.save(update_fields=["due_date"])
        for n, other in enumerate(rest, start=1):
            other.due_date = due_date + timedelta(days=200 * n)
            other.save(update_fields=["due_date"])
        return first

    return make


def batched_ids(callbacks) -> list[int]:
    """Message ids of the send_batch tasks that on-commit callbacks would enqueue."""
    from notifications.services.messages import _publish_batches

    ids = []
    for callback in callbacks:
        assert callback.func is _publish_batches, callback
        for batch in callback.args[0]:
            ids.extend(batch)
    return ids
