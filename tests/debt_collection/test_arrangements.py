"""Repayment arrangements: preview, the extension limit, four-eyes, the schedule rewrite."""

from decimal import Decimal as D

import pytest

from borrowers.models import Installment, LoanEvent
from common.exceptions import DomainError, PermissionDeniedError, TransitionNotAllowed
from debt_collection import services
from debt_collection.models import CaseEvent

pytestmark = pytest.mark.django_db


def _owed_principal(loan):
    return sum(i.principal_due - i.principal_paid for i in Installment.objects.filter(loan=loan, is_active=True, settled=False))


def test_restructure_preview_reamortises_principal_and_capitalises_arrears(live_case):
    loan = live_case.loan
    preview = services.arrangement_preview(loan=loan, kind="restructure", new_term_months=24)
    assert len(preview.rows) == 24
    assert sum(r.principal for r in preview.rows) == _owed_principal(loan)
    assert sum(r.fee for r in preview.rows) == preview.summary["owed_arrears"] > 0
    assert preview.summary["forgiven"] == 0
    assert Installment.objects.filter(loan=loan, version=2).count() == 0  # nothing written


def test_extension_total_at_most_half_the_original_term(live_case, collector, supervisor):
    loan = live_case.loan  # 12 months: at most 6 in total
    services.arrangement_preview(loan=loan, kind="extension", extension_months=6)
    with pytest.raises(DomainError) as exc:
        services.arrangement_preview(loan=loan, kind="extension", extension_months=7)
    assert exc.value.field == "extension_months"
    first = services.arrangement_propose(case=live_case, kind="extension", extension_months=4, reason="收入下降", actor=collector)
    services.arrangement_approve(arrangement=first, actor=supervisor)
    # the approved 4 months count: 3 more would make 7 > 6
    with pytest.raises(DomainError) as exc:
        services.arrangement_preview(loan=loan, kind="extension", extension_months=3)
    assert exc.value.field == "extension_months"
    assert services.arrangement_preview(loan=loan, kind="extension", extension_months=2).summary["extension_total_months"] == 6


def test_four_eyes_the_proposer_can_never_approve(live_case, supervisor, other_supervisor, collector):
    arr = services.arrangement_propose(case=live_case, kind="restructure", new_term_months=18, reason="疫情", actor=supervisor)
    with pytest.raises(PermissionDeniedError) as exc:
        services.arrangement_approve(arrangement=arr, actor=supervisor)
    assert exc.value.code == "four_eyes"
    with pytest.raises(PermissionDeniedError):
        services.arrangement_approve(arrangement=arr, actor=collector)  # not a supervisor
    services.arrangement_approve(arrangement=arr, actor=other_supervisor)
    arr.refresh_from_db()
    assert (arr.status, arr.decided_by, arr.proposed_by) == ("approved", other_supervisor, supervisor)


def test_approval_rewrites_the_schedule_and_keeps_the_old_one(live_case, collector, supervisor):
    loan = live_case.loan
    old_ids = set(Installment.objects.filter(loan=loan, is_active=True).values_list("id", flat=True))
    principal = _owed_principal(loan)
    arr = services.arrangement_propose(case=live_case, kind="restructure", new_term_months=24, reason="重组", actor=collector)
    assert len(arr.preview["rows"]) == 24
    services.arrangement_approve(arrangement=arr, actor=supervisor, note="同意")
    arr.refresh_from_db()
    active = Installment.objects.filter(loan=loan, is_active=True, settled=False)
    assert active.count() == 24 and {i.version for i in active} == {arr.schedule_version} == {2}
    assert sum(i.principal_due for i in active) == principal
    assert set(Installment.objects.filter(loan=loan, is_active=False).values_list("id", flat=True)) == old_ids
    assert LoanEvent.objects.filter(loan=loan, kind="loan_rescheduled", payload__arrangement_id=arr.pk).exists()
    live_case.refresh_from_db()
    # the new schedule's first installment is in the future: the loan is current, the case cured
    assert live_case.state == "cured"
    assert CaseEvent.objects.filter(case=live_case, kind="arrangement_approved").exists()


def test_rejection_needs_a_note_and_changes_nothing(live_case, collector, supervisor):
    arr = services.arrangement_propose(case=live_case, kind="restructure", new_term_months=24, reason="重组", actor=collector)
    with pytest.raises(DomainError):
        services.arrangement_reject(arrangement=arr, actor=supervisor, note="")
    services.arrangement_reject(arrangement=arr, actor=supervisor, note="收入证明不足")
    arr.refresh_from_db()
    assert arr.status == "rejected"
    assert not Installment.objects.filter(loan=live_case.loan, version=2).exists()
    with pytest.raises(TransitionNotAllowed):
        services.arrangement_approve(arrangement=arr, actor=supervisor)


def test_penalty_waiver_sets_penalty_waived(live_case, collector, supervisor):
    loan = live_case.loan
    penalty = sum(i.penalty_due for i in Installment.objects.filter(loan=loan, is_active=True))
    assert penalty > 0
    with pytest.raises(DomainError):
        services.arrangement_propose(case=live_case, kind="waiver", waiver_amount=penalty + 1, reason="x", actor=collector)
    arr = services.arrangement_propose(case=live_case, kind="waiver", waiver_amount=penalty, reason="首次逾期", actor=collector)
    services.arrangement_approve(arrangement=arr, actor=supervisor)
    waived = sum(i.penalty_waived for i in Installment.objects.filter(loan=loan, is_active=True))
    assert waived == penalty
    assert LoanEvent.objects.filter(loan=loan, kind="penalty_waived").exists()


def test_settlement_replaces_the_rest_with_one_payment(live_case, collector, supervisor):
    loan = live_case.loan
    arr = services.arrangement_propose(case=live_case, kind="settlement", settlement_amount=D("8000.00"), reason="一次性结清",
                                       actor=collector)
    assert arr.preview["summary"]["new_total"] == "8000.00" and D(arr.preview["summary"]["forgiven"]) > 0
    services.arrangement_approve(arrangement=arr, actor=supervisor)
    active = Installment.objects.filter(loan=loan, is_active=True, settled=False)
    assert active.count() == 1 and active.get().total_due == D("8000.00")
