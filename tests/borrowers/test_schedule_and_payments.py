"""Schedule, allocation and days-past-due against hand-computed examples."""

from datetime import date
from decimal import Decimal as D

import pytest

from borrowers.models import Installment, Loan, LoanEvent, Payment
from borrowers.services import loans_refresh_delinquency, payment_record, schedule_compute
from common.exceptions import ConcurrentUpdate
from tests.factories import aware, make_loan

pytestmark = pytest.mark.django_db


def test_equal_installment_schedule_matches_hand_computation():
    # 12,000 at 12 %/year over 12 months: r = 1 %/month, payment = 12000·0.01/(1−1.01^−12) = 1066.1855 → 1066.19
    rows = schedule_compute(principal=D("12000"), annual_rate=D("0.12"), term_months=12, start_date=date(2026, 1, 15))
    assert [r.due_date for r in rows[:2]] == [date(2026, 2, 15), date(2026, 3, 15)]
    assert (rows[0].interest, rows[0].principal) == (D("120.00"), D("946.19"))
    # month 2: remaining 11053.81 × 1 % = 110.5381 → 110.54
    assert (rows[1].interest, rows[1].principal) == (D("110.54"), D("955.65"))
    assert sum(r.principal for r in rows) == D("12000.00")
    assert all(r.total == D("1066.19") for r in rows[:-1])
    # the last one absorbs the rounding: it repays exactly what is left
    assert abs(rows[-1].total - D("1066.19")) < D("0.10")


def test_due_dates_clamp_to_month_end_in_a_leap_year():
    rows = schedule_compute(principal=D("3000"), annual_rate=D("0"), term_months=3, start_date=date(2028, 1, 31))
    assert [r.due_date for r in rows] == [date(2028, 2, 29), date(2028, 3, 31), date(2028, 4, 30)]
    assert [r.principal for r in rows] == [D("1000.00")] * 3


def test_fees_spread_evenly_with_leftover_cents_on_the_first():
    rows = schedule_compute(principal=D("1000"), annual_rate=D("0"), term_months=3, start_date=date(2026, 1, 1), fees=D("100"))
    assert [r.fee for r in rows] == [D("33.34"), D("33.33"), D("33.33")]


def _loan():
    return make_loan(principal="12000.00", annual_rate="0.12", term_months=12, start_date=date(2026, 1, 15))


def test_partial_payment_pays_interest_before_principal():
    loan = _loan()
    payment, created = payment_record(loan=loan, amount=D("100.00"), paid_at=aware(2026, 2, 10, 9), external_ref="P1")
    assert created
    first = loan.installments.get(seq=1)
    assert (first.interest_paid, first.principal_paid, first.settled) == (D("100.00"), D("0.00"), False)
    payment_record(loan=loan, amount=D("1000.00"), paid_at=aware(2026, 2, 12, 9), external_ref="P2")
    first.refresh_from_db()
    second = loan.installments.get(seq=2)
    assert (first.interest_paid, first.principal_paid, first.settled) == (D("120.00"), D("946.19"), True)
    # 1000 − 20 interest − 946.19 principal = 33.81 goes to the next installment's interest
    assert second.interest_paid == D("33.81") and second.principal_paid == D("0.00")
    assert LoanEvent.objects.filter(loan=loan, kind="payment_recorded").count() == 2


def test_penalty_is_paid_first_on_an_overdue_installment():
    loan = _loan()
    loans_refresh_delinquency(today=date(2026, 3, 20))
    first = loan.installments.get(seq=1)
    # 33 days overdue × 0.05 %/day × (946.19 + 120.00) = 17.592 → 17.59
    assert first.penalty_due == D("17.59")
    payment_record(loan=loan, amount=D("30.00"), paid_at=aware(2026, 3, 20, 9), external_ref="PEN")
    first.refresh_from_db()
    assert (first.penalty_paid, first.interest_paid) == (D("17.59"), D("12.41"))


def test_overpayment_settles_everything_and_keeps_the_rest_on_the_loan():
    loan = _loan()
    total = sum(i.total_due for i in loan.installments.all())
    payment, _ = payment_record(loan=loan, amount=total + D("500.00"), paid_at=aware(2026, 2, 1, 9), external_ref="BIG")
    loan.refresh_from_db()
    assert payment.unapplied_amount == D("500.00")
    assert loan.unapplied_amount == D("500.00")
    assert loan.status == "paid_off"
    assert not loan.installments.filter(settled=False).exists()


def test_replayed_payment_reference_is_not_counted_twice():
    loan = _loan()
    first, created1 = payment_record(loan=loan, amount=D("500.00"), paid_at=aware(2026, 2, 1, 9), external_ref="REPLAY")
    again, created2 = payment_record(loan=loan, amount=D("500.00"), paid_at=aware(2026, 2, 1, 9), external_ref="REPLAY")
    assert (created1, created2) == (True, False)
    assert again.pk == first.pk
    assert Payment.objects.count() == 1
    assert loan.installments.get(seq=1).interest_paid == D("120.00")
    assert loan.installments.get(seq=1).principal_paid == D("380.00")


def test_same_reference_with_a_different_amount_is_a_conflict():
    loan = _loan()
    payment_record(loan=loan, amount=D("500.00"), paid_at=aware(2026, 2, 1, 9), external_ref="X1")
    with pytest.raises(ConcurrentUpdate):
        payment_record(loan=loan, amount=D("501.00"), paid_at=aware(2026, 2, 1, 9), external_ref="X1")


def test_days_past_due_bucket_and_amount_overdue():
    loan = _loan()
    current = make_loan(start_date=date(2026, 3, 1))
    loans_refresh_delinquency(today=date(2026, 3, 20))
    loan.refresh_from_db()
    current.refresh_from_db()
    # oldest unpaid due 2026-02-15 → 33 days → M2
    assert (loan.days_past_due, loan.bucket) == (33, "M2")
    # two installments of 1066.19 overdue + penalties 17.59 (33 days) and 2.67 (5 days: 1066.19·0.0025 = 2.665)
    assert loan.amount_overdue == D("2152.64")
    assert (current.days_past_due, current.bucket, current.amount_overdue) == (0, "current", D("0.00"))


@pytest.mark.parametrize(
    ("today", "dpd", "bucket"),
    [
        (date(2026, 2, 15), 0, "current"),  # due today is not yet overdue
        (date(2026, 2, 16), 1, "M1"),
        (date(2026, 3, 17), 30, "M1"),
        (date(2026, 3, 18), 31, "M2"),
        (date(2026, 5, 16), 90, "M3"),
        (date(2026, 5, 17), 91, "M4+"),
    ],
)
def test_bucket_boundaries(today, dpd, bucket):
    loan = _loan()
    Installment.objects.filter(loan=loan, seq__gt=1).update(due_date=date(2027, 1, 1))
    loans_refresh_delinquency(today=today)
    loan.refresh_from_db()
    assert (loan.days_past_due, loan.bucket) == (dpd, bucket)


def test_refresh_is_idempotent():
    loan = _loan()
    loans_refresh_delinquency(today=date(2026, 3, 20))
    snapshot = list(Installment.objects.filter(loan=loan).values_list("penalty_due", flat=True))
    loans_refresh_delinquency(today=date(2026, 3, 20))
    assert list(Installment.objects.filter(loan=loan).values_list("penalty_due", flat=True)) == snapshot
    assert Loan.objects.get(pk=loan.pk).days_past_due == 33
