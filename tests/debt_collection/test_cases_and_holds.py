"""Case state machine, the one-open-case constraint, holds and the complaint link."""

from types import SimpleNamespace

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.exceptions import ConcurrentUpdate, PermissionDeniedError, TransitionNotAllowed
from complaints.signals import collection_hold_released, collection_hold_requested
from debt_collection import services
from debt_collection.models import CaseEvent, CollectionCase
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_one_open_case_per_loan_is_a_database_constraint(case):
    with pytest.raises(IntegrityError), transaction.atomic():
        CollectionCase.objects.create(loan=case.loan, borrower=case.borrower, branch=case.branch, bucket="M1")


def test_case_open_twice_returns_the_open_case(overdue_loan, supervisor):
    first = services.case_open(loan=overdue_loan, actor=supervisor)
    assert services.case_open(loan=overdue_loan, actor=supervisor) == first
    assert CaseEvent.objects.filter(case=first, kind="opened").count() == 1


def test_hold_remembers_the_state_and_release_returns_to_it(case, collector, supervisor):
    services.promise_record(case=case, amount="500", promised_date=timezone.localdate(), actor=collector)
    case = services.case_hold(case=case, reason="hardship", actor=collector, note="失业")
    assert (case.state, case.hold_return_state) == ("on_hold", "promised")
    case = services.case_release(case=case, actor=supervisor)
    assert case.state == "promised"
    kinds = list(CaseEvent.objects.filter(case=case).order_by("id").values_list("kind", "from_state", "to_state"))
    assert ("held", "promised", "on_hold") in kinds and ("released", "on_hold", "promised") in kinds


def test_collector_cannot_release_a_hold(case, collector):
    services.case_hold(case=case, reason="dispute", actor=collector)
    with pytest.raises(PermissionDeniedError):
        services.case_release(case=case, actor=collector)


def test_stale_state_is_a_409_conflict(case, supervisor):
    with pytest.raises(ConcurrentUpdate):
        services.case_escalate(case=case, actor=supervisor, expected_state="contacting")


def test_transition_not_allowed_from_this_state(case, supervisor):
    with pytest.raises(TransitionNotAllowed):
        services.case_start_legal(case=case, actor=supervisor, agency_name="律所")


def test_escalation_ladder_records_vehicle_agency_and_dates(case, supervisor):
    services.case_escalate(case=case, actor=supervisor)
    services.case_start_legal(case=case, actor=supervisor, agency_name="上海某律师事务所", reference="(2026)沪0115民初1号")
    services.case_start_repossession(case=case, actor=supervisor, agency_name="某资产处置公司", mortgage_registration="沪抵2026-001")
    case.refresh_from_db()
    assert case.state == "repossession"
    rec = case.enforcement_records.get(stage="repossession")
    assert (rec.vin, rec.plate, rec.mortgage_registration, rec.agency_name) == (
        case.loan.vin, case.loan.plate, "沪抵2026-001", "某资产处置公司")
    assert rec.started_on is not None
    services.case_close(case=case, actor=supervisor, note="车辆处置完毕")
    case.refresh_from_db()
    assert case.state == "closed" and case.closed_at


def test_repossession_needs_the_mortgage_registration(case, supervisor):
    services.case_escalate(case=case, actor=supervisor)
    services.case_start_legal(case=case, actor=supervisor, agency_name="律所")
    from common.exceptions import DomainError

    with pytest.raises(DomainError) as exc:
        services.case_start_repossession(case=case, actor=supervisor, agency_name="处置公司")
    assert exc.value.field == "mortgage_registration"


# --- the complaint link ---------------------------------------------------------------------------------


def _complaint(pk):
    return SimpleNamespace(pk=pk, reference=f"TS{pk}")


def test_complaint_signal_puts_the_case_on_hold_and_resolution_lifts_it(case, agent):
    collection_hold_requested.send(sender=None, complaint=_complaint(7), loan=case.loan, actor=agent)
    case.refresh_from_db()
    assert (case.state, case.hold_reason) == ("on_hold", "complaint")
    assert case.holds.get().complaint_id == 7
    collection_hold_released.send(sender=None, complaint=_complaint(7), actor=agent)
    case.refresh_from_db()
    assert case.state == "open"


def test_two_complaints_hold_until_both_are_resolved(case, agent):
    for pk in (7, 8):
        collection_hold_requested.send(sender=None, complaint=_complaint(pk), loan=case.loan, actor=agent)
    collection_hold_requested.send(sender=None, complaint=_complaint(7), loan=case.loan, actor=agent)  # repeated: no-op
    assert case.holds.filter(released_at__isnull=True).count() == 2
    collection_hold_released.send(sender=None, complaint=_complaint(7), actor=agent)
    case.refresh_from_db()
    assert case.state == "on_hold"
    collection_hold_released.send(sender=None, complaint=_complaint(8), actor=agent)
    case.refresh_from_db()
    assert case.state == "open"


def test_a_supervisor_cannot_lift_a_complaint_hold_by_hand(case, agent, supervisor):
    collection_hold_requested.send(sender=None, complaint=_complaint(9), loan=case.loan, actor=agent)
    with pytest.raises(TransitionNotAllowed):
        services.case_release(case=case, actor=supervisor)


def test_complaint_on_a_loan_without_open_case_does_nothing(overdue_loan, agent):
    collection_hold_requested.send(sender=None, complaint=_complaint(5), loan=overdue_loan, actor=agent)
    assert not CollectionCase.objects.exists()


def test_collector_of_another_branch_cannot_hold(case, other_branch):
    stranger = UserFactory(username="c_bj", role="collector", branch=other_branch)
    with pytest.raises(PermissionDeniedError):
        services.case_hold(case=case, reason="dispute", actor=stranger)
