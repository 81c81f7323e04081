"""Fixtures for the collections tests: a loan in arrears with its case, and a US branch."""

from datetime import date, timedelta

import pytest

from tests.factories import BorrowerFactory, BranchFactory, EmergencyContactFactory, make_loan


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # factories set a password on every user; PBKDF2 would dominate these tests' run time
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def us_branch(db, hq_branch):
    return BranchFactory(code="LA", name="Los Angeles", parent=hq_branch, time_zone="America/Los_Angeles", contact_rule_pack="US")


@pytest.fixture
def us_borrower(us_branch):
    return BorrowerFactory(branch=us_branch, mobile="13900000001")


@pytest.fixture
def emergency_contact(borrower):
    return EmergencyContactFactory(borrower=borrower, phone="13700000001")


@pytest.fixture
def overdue_loan(borrower):
    """First installment due 2026-02-15; refreshed on 2026-03-20 it is 33 days past due (M2)."""
    from borrowers.services import loans_refresh_delinquency

    loan = make_loan(borrower=borrower, principal="12000.00", annual_rate="0.12", term_months=12, start_date=date(2026, 1, 15))
    loans_refresh_delinquency(today=date(2026, 3, 20))
    loan.refresh_from_db()
    return loan


@pytest.fixture
def case(overdue_loan, collector):
    from debt_collection.models import CollectionCase

    return CollectionCase.objects.create(
        loan=overdue_loan,
        borrower=overdue_loan.borrower,
        branch=overdue_loan.branch,
        bucket=overdue_loan.bucket,
        days_past_due=overdue_loan.days_past_due,
        amount_due=overdue_loan.amount_overdue,
        assigned_to=collector,
    )


@pytest.fixture
def us_case(us_borrower, collector):
    from debt_collection.models import CollectionCase

    loan = make_loan(borrower=us_borrower, start_date=date(2026, 1, 15))
    return CollectionCase.objects.create(
        loan=loan, borrower=us_borrower, branch=us_borrower.branch, bucket="M1", days_past_due=5, amount_due=1000
    )


@pytest.fixture
def live_loan(borrower):
    """A loan two installments in arrears as of the real today (promises are validated against it)."""
    from django.utils import timezone

    from borrowers.dates import add_months
    from borrowers.services import loans_refresh_delinquency

    today = timezone.localdate()
    start = add_months(today.replace(day=min(today.day, 28)), -3) - timedelta(days=1)
    loan = make_loan(borrower=borrower, principal="12000.00", annual_rate="0.12", term_months=12, start_date=start)
    loans_refresh_delinquency(today=today)
    loan.refresh_from_db()
    return loan


@pytest.fixture
def live_case(live_loan, collector):
    from debt_collection.services import case_open

    case = case_open(loan=live_loan)
    if case.assigned_to_id is None:
        from debt_collection.models import CollectionCase

        CollectionCase.objects.filter(pk=case.pk).update(assigned_to=collector)
        case.refresh_from_db()
    return case


@pytest.fixture
def collector_profile(collector, branch):
    from debt_collection.models import CollectorOrganisation, CollectorProfile

    team = CollectorOrganisation.objects.create(name="上海催收一组", kind="internal", branch=branch)
    return CollectorProfile.objects.create(user=collector, organisation=team)


@pytest.fixture
def other_supervisor(branch):
    from tests.factories import UserFactory

    return UserFactory(username="supervisor_a2", role="supervisor", branch=branch)
