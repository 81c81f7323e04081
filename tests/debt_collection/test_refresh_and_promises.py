"""The daily refresh: opens, updates and cures cases; promises kept or broken from payments."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from borrowers.services import payment_record
from debt_collection import services
from debt_collection.models import CaseEvent, CollectionCase, PromiseToPay
from debt_collection.tasks import refresh_cases
from tests.factories import BorrowerFactory, UserFactory, aware, make_loan

pytestmark = pytest.mark.django_db

MARCH_20 = date(2026, 3, 20)
NIGHT = aware(2026, 3, 20, 2, 30)


def test_refresh_opens_one_case_per_overdue_loan_and_is_idempotent(borrower, collector_profile, collector):
    overdue = make_loan(borrower=borrower, start_date=date(2026, 1, 15))
    current = make_loan(borrower=BorrowerFactory(branch=borrower.branch), start_date=date(2026, 3, 1))
    for _ in range(2):
        stats = services.cases_refresh(today=MARCH_20, now=NIGHT)
    case = CollectionCase.objects.get()
    overdue.refresh_from_db()
    assert case.loan == overdue and not CollectionCase.objects.filter(loan=current).exists()
    assert (case.state, case.bucket, case.days_past_due, case.amount_due) == ("open", "M2", 33, overdue.amount_overdue)
    assert case.assigned_to == collector
    assert CaseEvent.objects.filter(case=case, kind="opened").count() == 1
    assert CaseEvent.objects.filter(case=case, kind="assigned").count() == 1
    assert stats["opened"] == 0  # second run


def test_threshold_is_configurable(borrower, settings):
    settings.CRM = {**settings.CRM, "CASE_OPEN_DPD": 40}
    make_loan(borrower=borrower, start_date=date(2026, 1, 15))
    services.cases_refresh(today=MARCH_20, now=NIGHT)
    assert not CollectionCase.objects.exists()
    services.cases_refresh(today=date(2026, 3, 27), now=NIGHT + timedelta(days=7))
    assert CollectionCase.objects.get().days_past_due == 40


def test_refresh_updates_bucket_and_amount_then_cures_when_paid(borrower):
    loan = make_loan(borrower=borrower, start_date=date(2026, 1, 15))
    services.cases_refresh(today=date(2026, 2, 20), now=aware(2026, 2, 20, 2, 30))
    case = CollectionCase.objects.get()
    assert case.bucket == "M1"
    services.cases_refresh(today=MARCH_20, now=NIGHT)
    case.refresh_from_db()
    assert case.bucket == "M2" and case.days_past_due == 33
    loan.refresh_from_db()
    payment_record(loan=loan, amount=loan.amount_overdue, paid_at=aware(2026, 3, 20, 10), external_ref="CURE-1")
    services.cases_refresh(today=MARCH_20, now=aware(2026, 3, 20, 23))
    case.refresh_from_db()
    assert case.state == "cured" and case.closed_at
    assert CaseEvent.objects.filter(case=case, kind="cured", from_state="open").exists()
    # cured loan falls behind again later: a new case opens, the cured one stays closed
    services.cases_refresh(today=date(2026, 5, 20), now=aware(2026, 5, 20, 2, 30))
    assert CollectionCase.objects.filter(loan=loan).count() == 2


def test_promise_kept_when_paid_in_full_by_the_date(live_case, collector):
    today = timezone.localdate()
    promise = services.promise_record(case=live_case, amount=D("1000.00"), promised_date=today + timedelta(days=3), actor=collector)
    live_case.refresh_from_db()
    assert live_case.state == "promised" and live_case.next_promise_date == promise.promised_date
    payment_record(loan=live_case.loan, amount=D("600.00"), paid_at=timezone.now(), external_ref="PTP-1")
    services.cases_refresh(today=today)
    promise.refresh_from_db()
    assert promise.status == "pending"  # 600 of 1000 so far, and the date has not passed
    payment_record(loan=live_case.loan, amount=D("400.00"), paid_at=timezone.now(), external_ref="PTP-2")
    services.cases_refresh(today=today)
    services.cases_refresh(today=today)  # twice: same result
    promise.refresh_from_db()
    live_case.refresh_from_db()
    assert (promise.status, promise.amount_paid) == ("kept", D("1000.00"))
    # still in arrears after the kept promise: back to contacting, not stuck in promised
    assert live_case.state == "contacting"
    assert CaseEvent.objects.filter(case=live_case, kind="promise_kept").count() == 1


def test_promise_broken_when_the_day_passes_short(live_case, collector):
    today = timezone.localdate()
    promise = services.promise_record(case=live_case, amount=D("1000.00"), promised_date=today, actor=collector)
    payment_record(loan=live_case.loan, amount=D("999.99"), paid_at=timezone.now(), external_ref="PTP-3")
    services.cases_refresh(today=today)
    promise.refresh_from_db()
    assert promise.status == "pending"
    tomorrow = timezone.now() + timedelta(days=1)
    services.cases_refresh(today=today + timedelta(days=1), now=tomorrow)
    services.cases_refresh(today=today + timedelta(days=1), now=tomorrow)
    promise.refresh_from_db()
    live_case.refresh_from_db()
    assert (promise.status, promise.amount_paid) == ("broken", D("999.99"))
    assert live_case.state == "contacting"
    assert list(CaseEvent.objects.filter(case=live_case, kind="promise_broken").values_list("from_state", "to_state")) == [
        ("promised", "contacting")]


def test_payments_before_the_promise_do_not_count(live_case, collector):
    payment_record(loan=live_case.loan, amount=D("500.00"), paid_at=timezone.now() - timedelta(hours=2), external_ref="EARLY")
    today = timezone.localdate()
    promise = services.promise_record(case=live_case, amount=D("500.00"), promised_date=today, actor=collector)
    services.cases_refresh(today=today + timedelta(days=1), now=timezone.now() + timedelta(days=1))
    promise.refresh_from_db()
    assert promise.status == "broken"


def test_a_new_promise_replaces_the_pending_one(live_case, collector):
    today = timezone.localdate()
    first = services.promise_record(case=live_case, amount=D("100"), promised_date=today, actor=collector)
    second = services.promise_record(case=live_case, amount=D("200"), promised_date=today + timedelta(days=1), actor=collector)
    first.refresh_from_db()
    assert first.status == "cancelled" and second.status == "pending"
    assert PromiseToPay.objects.filter(case=live_case, status="pending").count() == 1


def test_promise_date_must_be_within_the_window(live_case, collector):
    from common.exceptions import DomainError

    with pytest.raises(DomainError) as exc:
        services.promise_record(case=live_case, amount=D("100"), promised_date=timezone.localdate() - timedelta(days=1), actor=collector)
    assert exc.value.field == "promised_date"
    with pytest.raises(DomainError):
        services.promise_record(case=live_case, amount=D("100"), promised_date=timezone.localdate() + timedelta(days=31), actor=collector)


def test_refresh_task_runs_the_service(borrower, settings):
    make_loan(borrower=borrower, start_date=date(2025, 1, 15), term_months=24)
    stats = refresh_cases.apply().get()
    assert stats["opened"] == 1


def test_assignment_is_least_loaded_within_branch_and_bucket(borrower, branch, collector_profile, collector):
    from debt_collection.models import CollectorProfile

    second = UserFactory(username="collector_a2", role="collector", branch=branch)
    CollectorProfile.objects.create(user=second, organisation=collector_profile.organisation, buckets=["M2"])
    m3_only = UserFactory(username="collector_a3", role="collector", branch=branch)
    CollectorProfile.objects.create(user=m3_only, organisation=collector_profile.organisation, buckets=["M3"])
    for _ in range(4):
        make_loan(borrower=BorrowerFactory(branch=branch), start_date=date(2026, 1, 15))
    services.cases_refresh(today=MARCH_20, now=NIGHT)
    loads = {u: CollectionCase.objects.filter(assigned_to=u).count() for u in (collector, second, m3_only)}
    assert loads == {collector: 2, second: 2, m3_only: 0}
