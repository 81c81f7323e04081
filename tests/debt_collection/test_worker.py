"""A real Celery worker runs the daily refresh against PostgreSQL: the overdue loan gets its case,
assigned; running it again changes nothing."""

from datetime import date

import pytest

from debt_collection.models import CaseEvent, CollectionCase
from tests.factories import BorrowerFactory, make_loan

pytestmark = pytest.mark.worker


def test_refresh_task_on_a_real_worker_opens_and_assigns_once(celery_worker_proc, branch, collector):
    from debt_collection.tasks import refresh_cases

    loan = make_loan(borrower=BorrowerFactory(branch=branch), start_date=date(2025, 1, 15), term_months=36)
    celery_worker_proc()
    refresh_cases.delay()
    assert celery_worker_proc.wait_for(lambda: CollectionCase.objects.filter(loan=loan, assigned_to=collector).exists(), 90)
    # a second run (with one more overdue loan, so we can see it has finished) opens only that one
    later = make_loan(borrower=BorrowerFactory(branch=branch), start_date=date(2025, 2, 15), term_months=36)
    refresh_cases.delay()
    assert celery_worker_proc.wait_for(lambda: CollectionCase.objects.filter(loan=later).exists(), 90)
    assert CollectionCase.objects.filter(loan=loan).count() == 1
    assert CaseEvent.objects.filter(kind="opened", case__loan=loan).count() == 1
    assert CaseEvent.objects.filter(kind="assigned", case__loan=loan).count() == 1
