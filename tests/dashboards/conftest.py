"""A small book whose every dashboard figure is worked out by hand in the tests.

NOW = 2026-03-20 12:00 (Asia/Shanghai); the range is 2026-03-01 … 2026-03-20. Branch SH (the
supervisor's) and BJ (another branch). Complaints c1…c8, cases k1…k5, promises, payments, snapshots and
blocked contacts are described beside each row.
"""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from borrowers.models import BucketSnapshot, Payment
from complaints.models import Complaint, Escalation
from dashboards.filters import Scope
from debt_collection.models import (
    BlockedContact,
    CollectionCase,
    CollectorOrganisation,
    ContactAttempt,
    PromiseToPay,
)
from tests.factories import BorrowerFactory, UserFactory, aware, make_loan

NOW = aware(2026, 3, 20, 12, 0)
START, END = date(2026, 3, 1), date(2026, 3, 20)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users are created per test; the production hasher's work factor is not under test here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_scope(user, *, branch_id=None, now=NOW, start=START, end=END):
    from zoneinfo import ZoneInfo

    return Scope(user=user, branch_id=branch_id, start_date=start, end_date=end, tz=ZoneInfo("Asia/Shanghai"), now=now)


def complaint(branch, received_at, **fields):
    fields.setdefault("complainant_name", "王五")
    fields.setdefault("description", "投诉内容")
    return Complaint.objects.create(branch=branch, received_at=received_at, **fields)


@pytest.fixture
def book(branch, other_branch, agent, other_agent, collector, hq_branch):
    h = timedelta(hours=1)
    agent2 = UserFactory(username="agent_c", role="agent", branch=branch)
    other_collector = UserFactory(username="collector_b", role="collector", branch=other_branch)
    b = SimpleNamespace(agent2=agent2, other_collector=other_collector)

    # --- loans and borrowers --------------------------------------------------------------------
    borrowers = [BorrowerFactory(branch=branch) for _i in range(4)] + [BorrowerFactory(branch=other_branch)]
    loans = [make_loan(borrower=bw, contract_number=f"HT-DASH-{i + 1}") for i, bw in enumerate(borrowers)]
    b.loans, b.borrowers = loans, borrowers
    L1, L2, L3, L4, L5 = loans

    # --- complaints --------------------------------------------------------------------------------
    b.c1 = complaint(branch, aware(2026, 3, 2, 10), state="resolved", owner=agent, category="interest_fees",
                     minutes_to_first_response=30, first_responded_at=aware(2026, 3, 2, 11), minutes_to_resolution=600,
                     csat=5, root_cause="fee_or_interest_error", resolved_at=aware(2026, 3, 5, 10))
    b.c2 = complaint(branch, aware(2026, 3, 3, 10), state="closed", owner=agent, category="collection_conduct", loan=L1,
                     minutes_to_first_response=90, first_response_breached=True, first_responded_at=aware(2026, 3, 3, 12),
                     minutes_to_resolution=2000, resolution_breached=True, csat=2, root_cause="collection_misconduct",
                     resolved_at=aware(2026, 3, 10, 10), reopen_count=1)
    # open, resolution clock past due → service breached; regulatory on track
    b.c3 = complaint(branch, aware(2026, 3, 10, 10), state="in_progress", owner=agent2, minutes_to_first_response=60,
                     first_responded_at=aware(2026, 3, 10, 11), resolution_due_at=NOW - h, resolution_warn_at=NOW - 5 * h,
                     regulatory_due_at=NOW + timedelta(days=5), regulatory_warn_at=NOW + timedelta(days=3))
    # open, first response not yet given, past its warning → at risk (both clocks)
    b.c4 = complaint(branch, aware(2026, 3, 19, 10), state="intake", first_response_due_at=NOW + 2 * h,
                     first_response_warn_at=NOW - timedelta(minutes=10), regulatory_due_at=NOW + timedelta(days=1),
                     regulatory_warn_at=NOW - timedelta(minutes=1))
    # waiting on the borrower → paused; regulatory deadline passed → regulatory breached
    b.c5 = complaint(branch, aware(2026, 3, 5, 10), state="waiting_on_borrower", owner=agent2, minutes_to_first_response=120,
                     first_responded_at=aware(2026, 3, 5, 12), resolution_due_at=NOW + timedelta(days=1),
                     regulatory_due_at=NOW - h, regulatory_warn_at=NOW - 10 * h)
    # outside the range (received in February), resolved in February
    b.c6 = complaint(branch, aware(2026, 2, 20, 10), state="closed", owner=agent, minutes_to_first_response=10, csat=1,
                     root_cause="fee_or_interest_error", resolved_at=aware(2026, 2, 25, 10), minutes_to_resolution=50)
    # other branch
    b.c7 = complaint(other_branch, aware(2026, 3, 15, 10), state="intake", category="collection_conduct", loan=L5,
                     first_response_due_at=NOW - h, regulatory_due_at=NOW + timedelta(days=10),
                     regulatory_warn_at=NOW + timedelta(days=8))
    b.c8 = complaint(other_branch, aware(2026, 3, 4, 10), state="resolved", owner=other_agent, minutes_to_first_response=300,
                     first_responded_at=aware(2026, 3, 4, 15), minutes_to_resolution=100, csat=4, root_cause="staff_conduct",
                     resolved_at=aware(2026, 3, 6, 10))

    b.e1 = Escalation.objects.create(complaint=b.c3, level=1, trigger="breach", clock="resolution",
                                     created_at=aware(2026, 3, 18, 9), ack_due_at=aware(2026, 3, 18, 11))
    b.e2 = Escalation.objects.create(complaint=b.c2, level=1, trigger="breach", clock="first_response",
                                     created_at=aware(2026, 3, 4, 9), acknowledged_at=aware(2026, 3, 4, 10))
    b.e3 = Escalation.objects.create(complaint=b.c7, level=2, trigger="manual", created_at=aware(2026, 3, 19, 9),
                                     ack_due_at=aware(2026, 3, 19, 11))

    # --- collections --------------------------------------------------------------------------------
    b.agency = CollectorOrganisation.objects.create(name="信达委外", kind="agency", branch=other_branch)

    def case(loan, **fields):
        return CollectionCase.objects.create(loan=loan, borrower=loan.borrower, branch=loan.branch, **fields)

    b.k1 = case(L1, state="contacting", bucket="M1", amount_due=Decimal("1000.00"), opened_at=aware(2026, 3, 2, 9),
                assigned_to=collector)
    b.k2 = case(L2, state="on_hold", hold_reason="complaint", bucket="M2", amount_due=Decimal("2000.00"),
                opened_at=aware(2026, 3, 5, 9))
    b.k3 = case(L3, state="cured", bucket="M1", amount_due=Decimal("0.00"), opened_at=aware(2026, 3, 3, 9),
                closed_at=aware(2026, 3, 15, 9))
    b.k4 = case(L4, state="written_off", bucket="M4+", amount_due=Decimal("9000.00"), opened_at=aware(2026, 2, 1, 9),
                closed_at=aware(2026, 3, 10, 9))
    b.k5 = case(L5, state="contacting", bucket="M1", amount_due=Decimal("500.00"), opened_at=aware(2026, 3, 8, 9),
                agency=b.agency, assigned_to=other_collector)

    def contacts(k, n):
        for i in range(n):
            ContactAttempt.objects.create(case=k, borrower=k.borrower, loan=k.loan, branch=k.branch, channel="call",
                                          outcome="no_answer", occurred_at=aware(2026, 3, 10, 10 + i))

    contacts(b.k1, 3)
    contacts(b.k3, 1)
    contacts(b.k5, 2)

    PromiseToPay.objects.create(case=b.k1, loan=L1, amount=Decimal("300"), promised_date=date(2026, 3, 10), status="kept",
                                created_by=collector)
    PromiseToPay.objects.create(case=b.k1, loan=L1, amount=Decimal("300"), promised_date=date(2026, 3, 12), status="broken",
                                created_by=collector)
    PromiseToPay.objects.create(case=b.k5, loan=L5, amount=Decimal("200"), promised_date=date(2026, 3, 15), status="kept",
                                created_by=other_collector)
    PromiseToPay.objects.create(case=b.k3, loan=L3, amount=Decimal("100"), promised_date=date(2026, 3, 25), status="pending",
                                created_by=collector)

    def pay(loan, amount, at, ref):
        Payment.objects.create(loan=loan, amount=Decimal(amount), paid_at=at, external_ref=ref)

    pay(L1, "300.00", aware(2026, 3, 11, 10), "P1")  # k1 open → recovered
    pay(L3, "700.00", aware(2026, 3, 14, 10), "P2")  # k3 open (closes 03-15) → recovered
    pay(L3, "50.00", aware(2026, 3, 18, 10), "P3")   # after k3 closed → not
    pay(L4, "100.00", aware(2026, 3, 5, 10), "P4")   # k4 open until 03-10 → recovered
    pay(L5, "200.00", aware(2026, 3, 9, 10), "P5")   # k5 open (BJ) → recovered
    pay(L2, "80.00", aware(2026, 3, 1, 10), "P6")    # before k2 opened → not

    feb, mar = date(2026, 2, 1), date(2026, 3, 1)
    for loan, before, after in ((L1, "current", "M1"), (L2, "M1", "M2"), (L3, "M1", "M1"), (L4, "M3", None), (L5, "M1", "current")):
        BucketSnapshot.objects.create(month=feb, loan=loan, branch=loan.branch, bucket=before)
        if after:
            BucketSnapshot.objects.create(month=mar, loan=loan, branch=loan.branch, bucket=after)

    def blocked_contact(k, rule, actor, at):
        BlockedContact.objects.create(borrower=k.borrower, case=k, branch=k.branch, channel="call", purpose="collection",
                                      rule=rule, rule_pack="CN", actor=actor, at=at)

    blocked_contact(b.k1, "quiet_hours", collector, aware(2026, 3, 5, 23))
    blocked_contact(b.k1, "quiet_hours", collector, aware(2026, 3, 6, 23))
    blocked_contact(b.k2, "weekly_calls", None, aware(2026, 3, 7, 10))
    blocked_contact(b.k5, "quiet_hours", other_collector, aware(2026, 3, 8, 23))
    blocked_contact(b.k1, "quiet_hours", collector, aware(2026, 2, 20, 23))  # before the range
    return b
