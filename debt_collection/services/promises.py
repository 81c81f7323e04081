"""Promises to pay (承诺还款). Recorded by the collector; kept or broken is decided from payments by
the daily refresh (`services.refresh`)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import DomainError, TransitionNotAllowed
from debt_collection import permissions
from debt_collection.choices import CaseState, PromiseStatus
from debt_collection.models import CollectionCase, PromiseToPay
from debt_collection.services._base import event, lock_case, require, run_transition


def _max_days() -> int:
    return int(settings.CRM.get("PROMISE_MAX_DAYS", 30))


@transaction.atomic
def promise_record(
    *,
    case: CollectionCase,
    amount: Decimal,
    promised_date: date,
    actor,
    contact=None,
    notes: str = "",
    expected_state: str | None = None,
) -> PromiseToPay:
    """Record the borrower's promise. A new promise replaces a pending one (cancelled, on the
    timeline). The case moves to `promised`."""
    case = lock_case(case, expected_state=expected_state)
    require(permissions.can_work_case(actor, case))
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if amount <= 0:
        raise DomainError(_("承诺金额必须大于 0。"), field="amount")
    today = timezone.localdate(timezone=case.branch.tzinfo)
    if promised_date < today:
        raise DomainError(_("承诺还款日不能早于今天。"), field="promised_date")
    if promised_date > today + timedelta(days=_max_days()):
        raise DomainError(_("承诺还款日不能晚于 %(n)s 天后。") % {"n": _max_days()}, field="promised_date")
    if case.state not in (CaseState.OPEN, CaseState.CONTACTING, CaseState.PROMISED):
        raise TransitionNotAllowed(
            _("案件当前状态“%(state)s”不能记录还款承诺。") % {"state": case.get_state_display()}
        )
    previous = list(case.promises.filter(status=PromiseStatus.PENDING).values_list("pk", flat=True))
    if previous:
        case.promises.filter(pk__in=previous).update(status=PromiseStatus.CANCELLED, resolved_at=timezone.now())
        event(case, "promise_replaced", actor=actor, from_state=case.state, to_state=case.state, promise_ids=previous)
    promise = PromiseToPay.objects.create(
        case=case, loan_id=case.loan_id, amount=amount, promised_date=promised_date, contact=contact,
        notes=notes[:300], created_by=actor,
    )
    CollectionCase.objects.filter(pk=case.pk).update(next_promise_date=promised_date)
    case.next_promise_date = promised_date
    payload = {"promise_id": promise.pk, "amount": amount, "promised_date": promised_date}
    if case.state == CaseState.PROMISED:
        event(case, "promise_recorded", actor=actor, from_state=case.state, to_state=case.state, **payload)
    else:
        run_transition(case, "record_promise", actor=actor, kind="promise_recorded", **payload)
    return promise


@transaction.atomic
def promise_cancel(*, promise: PromiseToPay, actor, reason: str) -> PromiseToPay:
    case = lock_case(promise.case_id)
    require(permissions.can_work_case(actor, case))
    if not reason.strip():
        raise DomainError(_("请填写取消原因。"), field="reason")
    updated = PromiseToPay.objects.filter(pk=promise.pk, status=PromiseStatus.PENDING).update(
        status=PromiseStatus.CANCELLED, resolved_at=timezone.now()
    )
    if not updated:
        raise TransitionNotAllowed(_("该承诺已不是待兑现状态。"))
    CollectionCase.objects.filter(pk=case.pk).update(next_promise_date=None)
    case.next_promise_date = None
    if case.state == CaseState.PROMISED:
        run_transition(case, "break_promise", actor=actor, kind="promise_cancelled", promise_id=promise.pk,
                       reason=reason[:300])
    else:
        event(case, "promise_cancelled", actor=actor, from_state=case.state, to_state=case.state,
              promise_id=promise.pk, reason=reason[:300])
    promise.refresh_from_db()
    return promise
