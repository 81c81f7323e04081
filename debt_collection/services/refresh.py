"""The daily delinquency refresh of collection cases. Set-based and idempotent: every step is a
conditional UPDATE/INSERT over indexed columns, safe to run twice or to rerun after a crash.

1. loans: days past due, bucket, overdue amount (`borrowers.services.loans_refresh_delinquency`);
2. open cases: copy bucket, days past due, amount due from the loan;
3. cure: open cases whose loan is current again (or paid off) close as `cured`;
4. promises: kept when payments on the loan since the promise reach the amount by the end of the
   promised day (borrower's branch time zone); broken when that day has passed without it. A case
   left `promised` without a pending promise goes back to `contacting`;
5. open new cases for loans at ≥ CRM["CASE_OPEN_DPD"] days past due (INSERT … SELECT, guarded by the
   one-open-case-per-loan constraint);
6. assign unassigned cases (least-loaded collector of the branch and bucket).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DecimalField, Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from borrowers.choices import LoanStatus
from borrowers.models import Loan, Payment
from debt_collection.choices import OPEN_STATES, CaseState, PromiseStatus
from debt_collection.models import CaseEvent, CaseHold, CollectionCase, PromiseToPay
from debt_collection.services.assignment import cases_assign_unassigned

logger = logging.getLogger(__name__)
CHUNK = 1000
MONEY = DecimalField(max_digits=14, decimal_places=2)


def cases_refresh(
    *, today: date | None = None, now: datetime | None = None, assign: bool = True, refresh_loans: bool = True
) -> dict:
    """`refresh_loans=False` uses the loans' delinquency as it stands (a caller that just refreshed
    it for another date, like `seed_demo --today`)."""
    from borrowers.services import loans_refresh_delinquency

    now = now or timezone.now()
    today = today or timezone.localdate(now)
    stats = {"loans": loans_refresh_delinquency(today=today) if refresh_loans else 0}
    stats["updated"] = _update_figures()
    stats["cured"] = _cure(now=now)
    stats["promises_kept"], stats["promises_broken"] = _settle_promises(now=now)
    stats["opened"] = _open_new(now=now)
    stats["assigned"] = cases_assign_unassigned() if assign else 0
    logger.info("collection cases refreshed: %s", stats)
    return stats


def _update_figures() -> int:
    loan = Loan.objects.filter(pk=OuterRef("loan_id"))
    return CollectionCase.objects.filter(state__in=OPEN_STATES).update(
        bucket=Subquery(loan.values("bucket")[:1]),
        days_past_due=Subquery(loan.values("days_past_due")[:1]),
        amount_due=Subquery(loan.values("amount_overdue")[:1]),
    )


def _events(rows: list[tuple[int, str, str]], kind: str, now: datetime, **payload) -> None:
    CaseEvent.objects.bulk_create(
        [CaseEvent(case_id=cid, kind=kind, from_state=before, to_state=after, payload=payload, created_at=now)
         for cid, before, after in rows]
    )


def _cure(*, now: datetime) -> int:
    current = Loan.objects.filter(pk=OuterRef("loan_id")).filter(
        Q(status=LoanStatus.PAID_OFF) | Q(status=LoanStatus.ACTIVE, days_past_due=0)
    )
    cured = 0
    while True:
        with transaction.atomic():
            rows = list(
                CollectionCase.objects.select_for_update(skip_locked=True)
                .filter(Exists(current), state__in=OPEN_STATES)
                .values_list("id", "state")[:CHUNK]
            )
            if not rows:
                return cured
            ids = [r[0] for r in rows]
            changed = CollectionCase.objects.filter(pk__in=ids, state__in=OPEN_STATES).update(
                state=CaseState.CURED, closed_at=now, hold_return_state="", hold_reason="", next_promise_date=None
            )
            _events([(cid, before, CaseState.CURED) for cid, before in rows], "cured", now, by="delinquency_refresh")
            CaseHold.objects.filter(case_id__in=ids, released_at__isnull=True).update(released_at=now)
            cured += changed
        if len(rows) < CHUNK:
            return cured


def _settle_promises(*, now: datetime) -> tuple[int, int]:
    kept_total = broken_total = 0
    groups = (
        PromiseToPay.objects.filter(status=PromiseStatus.PENDING)
        .values_list("case__branch__time_zone", "promised_date")
        .distinct()
    )
    for tz_name, promised_date in list(groups):
        tz = ZoneInfo(tz_name)
        day_end = datetime.combine(promised_date + timedelta(days=1), time(0, 0), tzinfo=tz)
        past = now.astimezone(tz).date() > promised_date
        with transaction.atomic():
            kept, broken = _settle_group(tz_name=tz_name, promised_date=promised_date, day_end=day_end, past=past, now=now)
        kept_total += kept
        broken_total += broken
    with transaction.atomic():
        # promises on cases that closed meanwhile (cured, written off) are moot
        PromiseToPay.objects.filter(status=PromiseStatus.PENDING).exclude(case__state__in=OPEN_STATES).update(
            status=PromiseStatus.CANCELLED, resolved_at=now
        )
    return kept_total, broken_total


def _settle_group(*, tz_name, promised_date, day_end, past, now) -> tuple[int, int]:
    paid = Coalesce(
        Subquery(
            Payment.objects.filter(loan=OuterRef("loan_id"), paid_at__gte=OuterRef("created_at"), paid_at__lt=day_end)
            .values("loan")
            .annotate(total=Sum("amount"))
            .values("total"),
            output_field=MONEY,
        ),
        Value(0, output_field=MONEY),
        output_field=MONEY,
    )
    group = PromiseToPay.objects.select_for_update(skip_locked=True).filter(
        status=PromiseStatus.PENDING, case__branch__time_zone=tz_name, promised_date=promised_date
    )
    rows = list(group.annotate(paid=paid).values_list("id", "case_id", "paid", "amount"))
    kept = [(pid, cid, p) for pid, cid, p, amount in rows if p >= amount]
    broken = [(pid, cid, p) for pid, cid, p, amount in rows if p < amount] if past else []
    for status, items in ((PromiseStatus.KEPT, kept), (PromiseStatus.BROKEN, broken)):
        for pid, _cid, p in items:
            # one UPDATE per resolved promise (a handful a day), each compare-and-set on `pending`
            PromiseToPay.objects.filter(pk=pid, status=PromiseStatus.PENDING).update(
                status=status, amount_paid=p, resolved_at=now
            )
    _move_cases(kept, "promise_kept", now)
    _move_cases(broken, "promise_broken", now)
    return len(kept), len(broken)


def _move_cases(items, kind, now) -> None:
    """A promised case with no pending promise left goes back to contacting; a case on hold that will
    return to `promised` returns to `contacting` instead."""
    if not items:
        return
    case_ids = {cid for _pid, cid, _p in items}
    pending = PromiseToPay.objects.filter(case=OuterRef("pk"), status=PromiseStatus.PENDING)
    promised = list(
        CollectionCase.objects.filter(pk__in=case_ids, state=CaseState.PROMISED)
        .exclude(Exists(pending))
        .values_list("id", flat=True)
    )
    CollectionCase.objects.filter(pk__in=promised, state=CaseState.PROMISED).update(
        state=CaseState.CONTACTING, next_promise_date=None
    )
    CollectionCase.objects.filter(pk__in=case_ids, state=CaseState.ON_HOLD, hold_return_state=CaseState.PROMISED).exclude(
        Exists(pending)
    ).update(hold_return_state=CaseState.CONTACTING, next_promise_date=None)
    moved = set(promised)
    states = dict(CollectionCase.objects.filter(pk__in=case_ids).values_list("id", "state"))
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case_id=cid,
                kind=kind,
                from_state=CaseState.PROMISED if cid in moved else states.get(cid, ""),
                to_state=states.get(cid, ""),
                payload={"promise_id": pid, "paid": str(p), "by": "delinquency_refresh"},
                created_at=now,
            )
            for pid, cid, p in items
        ]
    )


def _open_new(*, now: datetime) -> int:
    threshold = int(settings.CRM.get("CASE_OPEN_DPD", 1))
    case_table = connection.ops.quote_name(CollectionCase._meta.db_table)
    loan_table = connection.ops.quote_name(Loan._meta.db_table)
    open_states = [s.value for s in OPEN_STATES]
    finished = [CaseState.CLOSED.value, CaseState.WRITTEN_OFF.value]
    open_ph = ", ".join(["%s"] * len(open_states))
    fin_ph = ", ".join(["%s"] * len(finished))
    sql = f"""
        INSERT INTO {case_table}
            (loan_id, borrower_id, branch_id, state, hold_return_state, hold_reason, bucket, days_past_due,
             amount_due, opened_at, updated_at)
        SELECT l.id, l.borrower_id, l.branch_id, %s, '', '', l.bucket, l.days_past_due, l.amount_overdue, %s, %s
        FROM {loan_table} l
        WHERE l.status = %s AND l.days_past_due >= %s
          AND NOT EXISTS (SELECT 1 FROM {case_table} c WHERE c.loan_id = l.id AND c.state IN ({open_ph}))
          AND NOT EXISTS (SELECT 1 FROM {case_table} c WHERE c.loan_id = l.id AND c.state IN ({fin_ph}))
        ON CONFLICT DO NOTHING
    """  # noqa: S608 - table names from model metadata, values are parameters
    params = [CaseState.OPEN.value, now, now, LoanStatus.ACTIVE.value, threshold, *open_states, *finished]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            opened = cursor.rowcount
        # the timeline entry of every case opened here (anti-join: idempotent after a crash)
        has_opened = CaseEvent.objects.filter(case=OuterRef("pk"), kind="opened")
        new = CollectionCase.objects.filter(state=CaseState.OPEN).exclude(Exists(has_opened))
        while True:
            rows = list(new.values_list("id", "days_past_due", "bucket")[:CHUNK])
            if not rows:
                break
            CaseEvent.objects.bulk_create(
                [CaseEvent(case_id=cid, kind="opened", to_state=CaseState.OPEN, created_at=now,
                           payload={"by": "delinquency_refresh", "days_past_due": dpd, "bucket": bucket})
                 for cid, dpd, bucket in rows]
            )
    return max(opened, 0)

