"""Repayment arrangements: restructure, extension (展期), penalty waiver, settlement.

Proposed by a collector, decided by a supervisor who is not the proposer (four-eyes). The new
schedule is previewed before the decision and recomputed from the loan's state at approval; approval
rewrites the schedule through `borrowers.services.loan_reschedule` (the old one stays on record as an
inactive version) or, for a waiver, raises `Installment.penalty_waived`.

What is owed is taken from the schedule in force: outstanding principal is re-amortised; the arrears
(interest already due and unpaid, unpaid fees, unpaid penalty) are capitalised and spread evenly over
the new installments as fees, so nothing is forgiven unless the arrangement says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from borrowers.dates import add_months
from borrowers.models import Installment, Loan
from borrowers.services import ScheduleRow, schedule_compute
from common.exceptions import ConcurrentUpdate, DomainError, PermissionDeniedError, TransitionNotAllowed
from debt_collection import permissions
from debt_collection.choices import OPEN_STATES, ArrangementKind, ArrangementStatus
from debt_collection.models import CollectionCase, RepaymentArrangement
from debt_collection.services._base import event, lock_case, require, run_transition

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_TERM_MONTHS = 120


@dataclass
class Preview:
    rows: list[ScheduleRow]
    summary: dict = field(default_factory=dict)
    waiver: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "rows": [
                {"seq": r.seq, "due_date": r.due_date.isoformat(), "principal": str(r.principal),
                 "interest": str(r.interest), "fee": str(r.fee), "total": str(r.total)}
                for r in self.rows
            ],
            "summary": {k: str(v) for k, v in self.summary.items()},
            "waiver": self.waiver,
        }


def _owed(loan: Loan, today: date) -> dict:
    inst = Installment.objects.filter(loan=loan, is_active=True, settled=False)
    rows = list(inst.values("due_date", "principal_due", "principal_paid", "interest_due", "interest_paid", "fee_due",
                            "fee_paid", "penalty_due", "penalty_waived", "penalty_paid"))
    principal = sum((r["principal_due"] - r["principal_paid"] for r in rows), ZERO)
    interest = sum((r["interest_due"] - r["interest_paid"] for r in rows if r["due_date"] <= today), ZERO)
    fees = sum((r["fee_due"] - r["fee_paid"] for r in rows), ZERO)
    penalty = sum((r["penalty_due"] - r["penalty_waived"] - r["penalty_paid"] for r in rows), ZERO)
    return {
        "remaining_installments": len(rows),
        "principal": principal,
        "interest_arrears": interest,
        "fees": fees,
        "penalty": penalty,
        "total": principal + interest + fees + penalty,
    }


def _next_due_date(loan: Loan, today: date) -> date:
    """The first due day (the loan's day of month) after today."""
    k = (today.year - loan.start_date.year) * 12 + (today.month - loan.start_date.month)
    candidate = add_months(loan.start_date, max(k, 1))
    while candidate <= today:
        k += 1
        candidate = add_months(loan.start_date, k)
    return candidate


def _extension_used(loan: Loan) -> int:
    return (
        RepaymentArrangement.objects.filter(
            loan=loan, kind=ArrangementKind.EXTENSION, status=ArrangementStatus.APPROVED
        ).aggregate(n=Sum("extension_months"))["n"]
        or 0
    )


def arrangement_preview(
    *,
    loan: Loan,
    kind: str,
    new_term_months: int | None = None,
    new_annual_rate: Decimal | None = None,
    extension_months: int | None = None,
    waiver_amount: Decimal | None = None,
    settlement_amount: Decimal | None = None,
    first_due_date: date | None = None,
    today: date | None = None,
) -> Preview:
    """The schedule the arrangement would put in force (nothing is written). Invalid parameters →
    DomainError naming the field."""
    today = today or timezone.localdate(timezone=loan.branch.tzinfo)
    owed = _owed(loan, today)
    if owed["remaining_installments"] == 0:
        raise DomainError(_("该贷款已无未结清的还款计划。"), code="nothing_owed")
    if first_due_date is not None and first_due_date <= today:
        raise DomainError(_("首期还款日必须晚于今天。"), field="first_due_date")
    first_due = first_due_date or _next_due_date(loan, today)
    arrears = owed["interest_arrears"] + owed["fees"] + owed["penalty"]
    summary = {"owed_principal": owed["principal"], "owed_arrears": arrears, "owed_total": owed["total"]}

    if kind == ArrangementKind.WAIVER:
        amount = Decimal(waiver_amount or 0).quantize(CENT)
        if amount <= 0:
            raise DomainError(_("请填写减免金额。"), field="waiver_amount")
        if amount > owed["penalty"]:
            raise DomainError(
                _("减免金额不能超过未还罚息 %(p)s 元。") % {"p": owed["penalty"]}, field="waiver_amount"
            )
        summary.update({"waived": amount, "new_total": owed["total"] - amount, "forgiven": amount})
        return Preview(rows=[], summary=summary)

    if kind == ArrangementKind.SETTLEMENT:
        amount = Decimal(settlement_amount or 0).quantize(CENT)
        if amount <= 0:
            raise DomainError(_("请填写和解金额。"), field="settlement_amount")
        if amount > owed["total"]:
            raise DomainError(_("和解金额不能超过欠款总额 %(t)s 元。") % {"t": owed["total"]}, field="settlement_amount")
        principal = min(amount, owed["principal"])
        interest = min(amount - principal, owed["interest_arrears"])
        fee = amount - principal - interest
        rows = [ScheduleRow(seq=1, due_date=first_due, principal=principal, interest=interest, fee=fee)]
        summary.update({"new_total": amount, "forgiven": owed["total"] - amount, "term_months": 1})
        return Preview(rows=rows, summary=summary)

    rate = loan.annual_rate
    if kind == ArrangementKind.RESTRUCTURE:
        if not new_term_months or not (1 <= int(new_term_months) <= MAX_TERM_MONTHS):
            raise DomainError(_("新期数须在 1 到 %(n)s 之间。") % {"n": MAX_TERM_MONTHS}, field="new_term_months")
        term = int(new_term_months)
        if new_annual_rate is not None:
            if not (ZERO <= Decimal(new_annual_rate) <= loan.annual_rate):
                raise DomainError(_("新利率不能为负，也不能高于原利率。"), field="new_annual_rate")
            rate = Decimal(new_annual_rate)
    elif kind == ArrangementKind.EXTENSION:
        months = int(extension_months or 0)
        if months <= 0:
            raise DomainError(_("请填写展期月数。"), field="extension_months")
        used = _extension_used(loan)
        if (used + months) * 2 > loan.term_months:
            raise DomainError(
                _("展期总期限不得超过原期限的一半（原期限 %(term)s 个月，已展期 %(used)s 个月，最多还可展期 %(left)s 个月）。")
                % {"term": loan.term_months, "used": used, "left": max(loan.term_months // 2 - used, 0)},
                field="extension_months",
            )
        term = owed["remaining_installments"] + months
        summary["extension_total_months"] = used + months
    else:
        raise DomainError(_("方案类型无效。"), field="kind")

    if owed["principal"] <= 0:
        raise DomainError(_("本金已还清，无需重组或展期。"), code="nothing_owed")
    rows = schedule_compute(
        principal=owed["principal"], annual_rate=rate, term_months=term, start_date=add_months(first_due, -1), fees=arrears
    )
    summary.update({"new_total": sum((r.total for r in rows), ZERO), "forgiven": ZERO, "term_months": term})
    return Preview(rows=rows, summary=summary)


def _preview_for(arr: RepaymentArrangement, today=None) -> Preview:
    return arrangement_preview(
        loan=arr.loan,
        kind=arr.kind,
        new_term_months=arr.new_term_months,
        new_annual_rate=arr.new_annual_rate,
        extension_months=arr.extension_months,
        waiver_amount=arr.waiver_amount,
        settlement_amount=arr.settlement_amount,
        first_due_date=arr.first_due_date,
        today=today,
    )


def _notify_approvers(arr: RepaymentArrangement) -> None:
    from notifications.services import notify_staff

    approvers = get_user_model().objects.filter(
        is_active=True, role="supervisor", branch_id=arr.case.branch_id
    ).exclude(pk=arr.proposed_by_id)
    link = reverse("debt_collection:case", args=[arr.case_id])
    for user in approvers[:20]:
        notify_staff(user=user, title=_("还款安排待审批：案件 #%(id)s") % {"id": arr.case_id}, link=link,
                     kind="arrangement_proposed", email=False)


@transaction.atomic
def arrangement_propose(
    *,
    case: CollectionCase,
    kind: str,
    reason: str,
    actor,
    new_term_months: int | None = None,
    new_annual_rate: Decimal | None = None,
    extension_months: int | None = None,
    waiver_amount: Decimal | None = None,
    settlement_amount: Decimal | None = None,
    first_due_date: date | None = None,
) -> RepaymentArrangement:
    case = lock_case(case)
    require(permissions.can_work_case(actor, case))
    if case.state not in OPEN_STATES:
        raise TransitionNotAllowed(_("案件已结案，不能再提出还款安排。"))
    if not reason.strip():
        raise DomainError(_("请填写理由。"), field="reason")
    arr = RepaymentArrangement(
        case=case, loan=case.loan, kind=kind, reason=reason[:4000], proposed_by=actor,
        new_term_months=new_term_months if kind == ArrangementKind.RESTRUCTURE else None,
        new_annual_rate=new_annual_rate if kind == ArrangementKind.RESTRUCTURE else None,
        extension_months=extension_months if kind == ArrangementKind.EXTENSION else None,
        waiver_amount=waiver_amount if kind == ArrangementKind.WAIVER else None,
        settlement_amount=settlement_amount if kind == ArrangementKind.SETTLEMENT else None,
        first_due_date=first_due_date if kind != ArrangementKind.WAIVER else None,
    )
    arr.preview = _preview_for(arr).as_json()
    arr.save()
    event(case, "arrangement_proposed", actor=actor, from_state=case.state, to_state=case.state,
          arrangement_id=arr.pk, arrangement_kind=kind)
    _notify_approvers(arr)
    return arr


def _lock_arrangement(arrangement) -> tuple[RepaymentArrangement, CollectionCase]:
    case_id = RepaymentArrangement.objects.filter(pk=arrangement.pk).values_list("case_id", flat=True).get()
    case = lock_case(case_id)  # case first, then the arrangement: the same lock order as propose
    arr = RepaymentArrangement.objects.select_for_update().select_related("loan", "loan__branch", "case").get(pk=arrangement.pk)
    return arr, case


def _decide_check(arr, actor):
    if arr.proposed_by_id == getattr(actor, "pk", None):
        raise PermissionDeniedError(_("四眼原则：提议人不能审批自己的方案。"), code="four_eyes")
    require(permissions.can_decide_arrangement(actor, arr), _("只有本分支机构的主管可以审批还款安排。"))


def _save(arr):
    try:
        arr.save()
    except ConcurrentTransition:
        raise ConcurrentUpdate(_("该方案已被他人处理，请刷新。"))


@transaction.atomic
def arrangement_approve(*, arrangement: RepaymentArrangement, actor, note: str = "") -> RepaymentArrangement:
    arr, case = _lock_arrangement(arrangement)
    _decide_check(arr, actor)
    if not can_proceed(arr.approve):
        raise TransitionNotAllowed(_("该方案已是“%(s)s”状态。") % {"s": arr.get_status_display()}, code="already_decided")
    if case.state not in OPEN_STATES:
        raise TransitionNotAllowed(_("案件已结案，方案不能再批准。"))
    preview = _preview_for(arr)  # recomputed: payments since the proposal count
    loan = arr.loan
    reason = f"arrangement:{arr.kind}:{arr.pk}"
    if arr.kind == ArrangementKind.WAIVER:
        from borrowers.services import installments_waive_penalty

        installments_waive_penalty(loan=loan, amount=arr.waiver_amount, actor=actor, reason=reason,
                                   payload={"arrangement_id": arr.pk})
    else:
        from borrowers.services import loan_reschedule

        arr.schedule_version = loan_reschedule(loan=loan, rows=preview.rows, actor=actor, reason=reason,
                                               payload={"arrangement_id": arr.pk, "kind": arr.kind})
    arr.approve()
    arr.preview = preview.as_json()
    arr.decided_by = actor
    arr.decided_at = timezone.now()
    arr.decision_note = note[:300]
    _save(arr)
    event(case, "arrangement_approved", actor=actor, from_state=case.state, to_state=case.state,
          arrangement_id=arr.pk, arrangement_kind=arr.kind, schedule_version=arr.schedule_version)
    loan.refresh_from_db()
    if (loan.status == "paid_off" or loan.days_past_due == 0) and case.state in OPEN_STATES:
        run_transition(case, "cure", actor=actor, kind="cured", arrangement_id=arr.pk)
        case.closed_at = timezone.now()
        case.save(update_fields=["closed_at", "updated_at"])
    _tell_proposer(arr, _("您提出的还款安排已批准。"))
    return arr


@transaction.atomic
def arrangement_reject(*, arrangement: RepaymentArrangement, actor, note: str) -> RepaymentArrangement:
    arr, case = _lock_arrangement(arrangement)
    _decide_check(arr, actor)
    if not note.strip():
        raise DomainError(_("驳回须填写意见。"), field="note")
    if not can_proceed(arr.reject):
        raise TransitionNotAllowed(_("该方案已是“%(s)s”状态。") % {"s": arr.get_status_display()}, code="already_decided")
    arr.reject()
    arr.decided_by = actor
    arr.decided_at = timezone.now()
    arr.decision_note = note[:300]
    _save(arr)
    event(case, "arrangement_rejected", actor=actor, from_state=case.state, to_state=case.state,
          arrangement_id=arr.pk, note=note[:300])
    _tell_proposer(arr, _("您提出的还款安排被驳回：%(note)s") % {"note": note[:100]})
    return arr


@transaction.atomic
def arrangement_cancel(*, arrangement: RepaymentArrangement, actor) -> RepaymentArrangement:
    arr, case = _lock_arrangement(arrangement)
    if arr.proposed_by_id != actor.pk:
        raise PermissionDeniedError(_("只有提议人可以撤回方案。"))
    if not can_proceed(arr.cancel):
        raise TransitionNotAllowed(_("该方案已是“%(s)s”状态。") % {"s": arr.get_status_display()}, code="already_decided")
    arr.cancel()
    arr.decided_at = timezone.now()
    _save(arr)
    event(case, "arrangement_cancelled", actor=actor, from_state=case.state, to_state=case.state, arrangement_id=arr.pk)
    return arr


def _tell_proposer(arr, title):
    from notifications.services import notify_staff

    notify_staff(user=arr.proposed_by, title=title, link=reverse("debt_collection:case", args=[arr.case_id]),
                 kind="arrangement_decided", email=False)


