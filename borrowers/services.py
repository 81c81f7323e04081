"""Writes to the loan book: schedules, payments and their allocation, delinquency.

Every function here is a business action: keyword-only, atomic, given the actor where a person acts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest, Round
from django.utils import timezone
from django.utils.translation import gettext as _

from borrowers.choices import ALLOCATION_ORDER, BUCKET_BOUNDS, Bucket, LoanStatus
from borrowers.dates import DaysBetween, add_months
from borrowers.models import (
    ZERO,
    Borrower,
    Installment,
    Loan,
    LoanEvent,
    Payment,
    PaymentAllocation,
    PiiAccessLog,
)
from common.exceptions import ConcurrentUpdate, DomainError

CENT = Decimal("0.01")


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- schedule ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleRow:
    seq: int
    due_date: date
    principal: Decimal
    interest: Decimal
    fee: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fee


def schedule_compute(
    *, principal: Decimal, annual_rate: Decimal, term_months: int, start_date: date, fees: Decimal = ZERO
) -> list[ScheduleRow]:
    """Equal monthly installments (等额本息).

    payment = P·r / (1 − (1+r)^−n) with r = annual rate / 12, rounded to the cent; each month's
    interest is the remaining principal × r rounded to the cent, principal is the rest; the last
    installment takes whatever principal remains so the schedule repays exactly P. Fees are spread
    evenly, the leftover cents on the first installment. Due dates fall on the start date's day of
    month, clamped to short months (a loan started on Jan 31 is due Feb 29 in a leap year).
    """
    principal = _money(principal)
    fees = _money(fees)
    if term_months <= 0:
        raise DomainError(_("期数必须大于 0。"), field="term_months")
    if principal <= 0:
        raise DomainError(_("本金必须大于 0。"), field="principal")
    r = Decimal(annual_rate) / Decimal(12)
    n = term_months
    if r == 0:
        payment = _money(principal / n)
    else:
        payment = _money(principal * r / (1 - (1 + r) ** -n))
    fee_each = (fees / n).quantize(CENT, rounding="ROUND_DOWN")
    fee_first = fees - fee_each * (n - 1)

    rows = []
    remaining = principal
    for k in range(1, n + 1):
        interest = _money(remaining * r)
        part = remaining if k == n else min(payment - interest, remaining)
        remaining -= part
        rows.append(
            ScheduleRow(
                seq=k,
                due_date=add_months(start_date, k),
                principal=part,
                interest=interest,
                fee=fee_first if k == 1 else fee_each,
            )
        )
    return rows


@transaction.atomic
def loan_create(
    *,
    borrower: Borrower,
    contract_number: str,
    principal: Decimal,
    annual_rate: Decimal,
    term_months: int,
    start_date: date,
    fees: Decimal = ZERO,
    branch=None,
    actor=None,
    **vehicle,
) -> Loan:
    loan = Loan.objects.create(
        borrower=borrower,
        branch=branch or borrower.branch,
        contract_number=contract_number,
        principal=_money(principal),
        annual_rate=annual_rate,
        term_months=term_months,
        start_date=start_date,
        fees=_money(fees),
        **vehicle,
    )
    loan_build_schedule(loan=loan)
    LoanEvent.objects.create(
        loan=loan, borrower=borrower, kind="loan_created", actor=actor, payload={"contract_number": contract_number}
    )
    return loan


def loan_build_schedule(*, loan: Loan, version: int = 1) -> list[Installment]:
    rows = schedule_compute(
        principal=loan.principal,
        annual_rate=loan.annual_rate,
        term_months=loan.term_months,
        start_date=loan.start_date,
        fees=loan.fees,
    )
    return Installment.objects.bulk_create(
        [
            Installment(
                loan=loan,
                seq=row.seq,
                version=version,
                due_date=row.due_date,
                principal_due=row.principal,
                interest_due=row.interest,
                fee_due=row.fee,
            )
            for row in rows
        ]
    )


@transaction.atomic
def loan_reschedule(*, loan: Loan, rows: list[ScheduleRow], actor, reason: str, payload: dict | None = None) -> int:
    """Replace the unsettled part of the schedule in force with `rows` (an approved arrangement).

    The old schedule stays on record as an inactive version; settled installments stay in force.
    Returns the new version number.
    """
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    current = Installment.objects.filter(loan=loan, is_active=True)
    new_version = (Installment.objects.filter(loan=loan).order_by("-version").values_list("version", flat=True).first() or 0) + 1
    kept = list(current.filter(settled=True).order_by("seq"))
    replaced = list(current.filter(settled=False).values("seq", "due_date", "principal_due", "interest_due"))
    current.update(is_active=False)
    new = [
        Installment(
            loan=loan,
            seq=i.seq,
            version=new_version,
            due_date=i.due_date,
            principal_due=i.principal_due,
            interest_due=i.interest_due,
            fee_due=i.fee_due,
            penalty_due=i.penalty_due,
            penalty_waived=i.penalty_waived,
            principal_paid=i.principal_paid,
            interest_paid=i.interest_paid,
            fee_paid=i.fee_paid,
            penalty_paid=i.penalty_paid,
            settled=True,
            settled_at=i.settled_at,
        )
        for i in kept
    ]
    next_seq = (kept[-1].seq if kept else 0) + 1
    for offset, row in enumerate(rows):
        new.append(
            Installment(
                loan=loan,
                seq=next_seq + offset,
                version=new_version,
                due_date=row.due_date,
                principal_due=row.principal,
                interest_due=row.interest,
                fee_due=row.fee,
            )
        )
    Installment.objects.bulk_create(new)
    LoanEvent.objects.create(
        loan=loan,
        borrower_id=loan.borrower_id,
        kind="loan_rescheduled",
        actor=actor,
        payload={
            "reason": reason,
            "version": new_version,
            "replaced": [{**r, "due_date": str(r["due_date"]), "principal_due": str(r["principal_due"]),
                          "interest_due": str(r["interest_due"])} for r in replaced],
            **(payload or {}),
        },
    )
    loans_refresh_delinquency(loan_ids=[loan.pk], accrue_penalty=False)
    return new_version


# --- payments ----------------------------------------------------------------------------------


@transaction.atomic
def payment_record(
    *,
    loan: Loan,
    amount: Decimal,
    paid_at: datetime,
    external_ref: str,
    channel: str = "bank_debit",
    actor=None,
) -> tuple[Payment, bool]:
    """Record a payment and allocate it: oldest installment first, and within an installment
    penalty → fee → interest → principal. Whatever is left after the last installment is kept on
    the loan as an overpayment (`unapplied_amount`).

    Idempotent by `external_ref`: replaying the same payment returns the first one (created=False)
    and counts nothing twice; the same reference with a different loan or amount is a conflict.
    """
    amount = _money(amount)
    if amount <= 0:
        raise DomainError(_("还款金额必须大于 0。"), field="amount")
    existing = Payment.objects.filter(external_ref=external_ref).first()
    if existing is not None:
        return _same_payment_or_conflict(existing, loan, amount), False

    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                loan=loan, amount=amount, paid_at=paid_at, channel=channel, external_ref=external_ref, recorded_by=actor
            )
    except IntegrityError:
        # a concurrent request with the same reference won the race
        existing = Payment.objects.get(external_ref=external_ref)
        return _same_payment_or_conflict(existing, loan, amount), False

    installments = list(
        Installment.objects.select_for_update().filter(loan=loan, is_active=True, settled=False).order_by("due_date", "seq")
    )
    parts, remaining = payment_allocate(installments=installments, amount=amount, paid_at=paid_at)
    touched = {id(inst) for inst, _component, _part in parts}
    for inst in (i for i in installments if id(i) in touched or i.settled):
        inst.save(
            update_fields=["principal_paid", "interest_paid", "fee_paid", "penalty_paid", "settled", "settled_at"]
        )
    PaymentAllocation.objects.bulk_create(
        [PaymentAllocation(payment=payment, installment=inst, component=c, amount=part) for inst, c, part in parts]
    )
    if remaining > 0:
        payment.unapplied_amount = remaining
        payment.save(update_fields=["unapplied_amount"])
        Loan.objects.filter(pk=loan.pk).update(unapplied_amount=F("unapplied_amount") + remaining)
    if not Installment.objects.filter(loan=loan, is_active=True, settled=False).exists():
        Loan.objects.filter(pk=loan.pk, status=LoanStatus.ACTIVE).update(status=LoanStatus.PAID_OFF)
    LoanEvent.objects.create(
        loan=loan,
        borrower_id=loan.borrower_id,
        kind="payment_recorded",
        actor=actor,
        payload={"payment_id": payment.pk, "amount": str(amount), "external_ref": external_ref,
                 "unapplied": str(remaining), "channel": channel},
    )
    # Penalty accrues only in the daily refresh; a payment just moves the loan's delinquency.
    loans_refresh_delinquency(loan_ids=[loan.pk], accrue_penalty=False)
    return payment, True


def payment_allocate(
    *, installments: list[Installment], amount: Decimal, paid_at: datetime
) -> tuple[list[tuple[Installment, str, Decimal]], Decimal]:
    """Split `amount` over unsettled `installments` (already in due-date order) in memory: oldest
    first, within one penalty → fee → interest → principal. Updates the installments' paid fields
    and settled flags (not saved) and returns the (installment, component, amount) parts and what
    is left over. The one allocation rule, used by `payment_record` and the demo-data generator."""
    remaining = amount
    parts = []
    for inst in installments:
        if remaining <= 0:
            break
        if inst.settled:
            continue
        for component in ALLOCATION_ORDER:
            owed = inst.outstanding(component)
            if owed <= 0 or remaining <= 0:
                continue
            part = min(owed, remaining)
            setattr(inst, f"{component}_paid", getattr(inst, f"{component}_paid") + part)
            remaining -= part
            parts.append((inst, component, part))
        if inst.total_outstanding <= 0:
            inst.settled = True
            inst.settled_at = paid_at
    return parts, remaining


def penalty_as_of(*, installment: Installment, today: date, rate: Decimal) -> Decimal:
    """The penalty the delinquency refresh would hold on `installment` on `today` (in Python; the
    refresh computes the same thing in SQL): overdue principal+interest × daily rate × days overdue,
    to the cent, never less than what was already charged."""
    if installment.settled or installment.due_date >= today:
        return installment.penalty_due
    base = (installment.principal_due - installment.principal_paid + installment.interest_due
            - installment.interest_paid)
    computed = _money(base * rate * (today - installment.due_date).days)
    return max(installment.penalty_due, computed)


def _same_payment_or_conflict(existing: Payment, loan: Loan, amount: Decimal) -> Payment:
    if existing.loan_id != loan.pk or existing.amount != amount:
        raise ConcurrentUpdate(
            _("流水号 %(ref)s 已用于另一笔还款。") % {"ref": existing.external_ref},
            code="duplicate_external_ref",
            field="external_ref",
        )
    return existing


# --- delinquency -------------------------------------------------------------------------------


def _today() -> date:
    return timezone.localdate()


def loans_refresh_delinquency(
    *, today: date | None = None, loan_ids: list[int] | None = None, accrue_penalty: bool = True
) -> int:
    """Recompute, in a handful of set-based UPDATEs, every active loan's oldest unpaid due date,
    days past due, bucket, overdue amount and the penalty interest on overdue installments.

    Idempotent: the same `today` gives the same result however often it runs. Penalty only ever
    grows (it is recomputed as overdue principal+interest × daily rate × days overdue and kept if
    higher), so a rerun never reduces what a borrower owes or has paid.
    """
    today = today or _today()
    rate = Decimal(str(settings.CRM["PENALTY_DAILY_RATE"]))
    loans = Loan.objects.filter(status=LoanStatus.ACTIVE)
    installments = Installment.objects.filter(is_active=True, settled=False)
    if loan_ids is not None:
        loans = loans.filter(pk__in=loan_ids)
        installments = installments.filter(loan_id__in=loan_ids)
    money = DecimalField(max_digits=14, decimal_places=2)

    if connection.vendor == "postgresql" and loan_ids is None:
        return _loans_refresh_delinquency_pg(today=today, rate=rate if accrue_penalty else Decimal(0))

    with transaction.atomic():
        if accrue_penalty and rate > 0:
            computed = Round(
                (F("principal_due") - F("principal_paid") + F("interest_due") - F("interest_paid"))
                * Value(rate, output_field=DecimalField(max_digits=10, decimal_places=6))
                * DaysBetween(Value(today), F("due_date")),
                2,
                output_field=money,
            )
            installments.filter(due_date__lt=today).update(penalty_due=Greatest(F("penalty_due"), computed))

        oldest = (
            Installment.objects.filter(loan=OuterRef("pk"), is_active=True, settled=False)
            .order_by("due_date")
            .values("due_date")[:1]
        )
        outstanding = (
            F("principal_due") - F("principal_paid") + F("interest_due") - F("interest_paid")
            + F("fee_due") - F("fee_paid") + F("penalty_due") - F("penalty_waived") - F("penalty_paid")
        )
        overdue_sum = (
            Installment.objects.filter(loan=OuterRef("pk"), is_active=True, settled=False, due_date__lt=today)
            .values("loan")
            .annotate(total=Sum(outstanding, output_field=money))
            .values("total")
        )
        loans.update(
            oldest_unpaid_due_date=Subquery(oldest),
            amount_overdue=Coalesce(Subquery(overdue_sum, output_field=money), Value(ZERO), output_field=money),
            delinquency_refreshed_on=today,
        )
        loans.filter(oldest_unpaid_due_date__lt=today).update(
            days_past_due=DaysBetween(Value(today), F("oldest_unpaid_due_date"))
        )
        loans.filter(Q(oldest_unpaid_due_date__gte=today) | Q(oldest_unpaid_due_date__isnull=True)).update(days_past_due=0)
        whens = [When(days_past_due=0, then=Value(Bucket.CURRENT.value))]
        for bucket, _low, high in BUCKET_BOUNDS[1:]:
            if high is not None:
                whens.append(When(days_past_due__lte=high, then=Value(bucket.value)))
        changed = loans.update(bucket=Case(*whens, default=Value(Bucket.M4_PLUS.value)))
        # Loans whose last installment got settled by other means (e.g. a reschedule) close here.
        loans.filter(oldest_unpaid_due_date__isnull=True).update(status=LoanStatus.PAID_OFF)
        if loan_ids is None:
            bucket_snapshot_take(month=today.replace(day=1))
    return changed


def _loans_refresh_delinquency_pg(*, today: date, rate: Decimal) -> int:
    """The whole-book refresh on PostgreSQL: the same result as the ORM path above, in two
    statements that aggregate the open installments once (hash aggregate, no per-loan subquery)
    and rewrite only the rows whose figures changed, so a quiet day writes almost nothing."""
    inst = Installment._meta.db_table
    loan = Loan._meta.db_table
    whens = " ".join(
        f"WHEN calc.dpd <= {high} THEN '{bucket.value}'" for bucket, _low, high in BUCKET_BOUNDS[1:] if high is not None
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if rate > 0:
            cursor.execute(
                f"""
                UPDATE {inst} i SET penalty_due = n.penalty
                FROM (
                    SELECT id, ROUND((principal_due - principal_paid + interest_due - interest_paid)
                                     * %(rate)s * (%(today)s::date - due_date), 2) AS penalty
                    FROM {inst}
                    WHERE is_active AND NOT settled AND due_date < %(today)s
                ) n
                WHERE i.id = n.id AND n.penalty > i.penalty_due
                """,  # noqa: S608 - table names from model metadata; values are parameters
                {"rate": rate, "today": today},
            )
        cursor.execute(
            f"""
            WITH agg AS (
                SELECT loan_id,
                       MIN(due_date) AS oldest,
                       SUM(CASE WHEN due_date < %(today)s
                                THEN principal_due - principal_paid + interest_due - interest_paid + fee_due - fee_paid
                                     + penalty_due - penalty_waived - penalty_paid
                                ELSE 0 END) AS overdue
                FROM {inst}
                WHERE is_active AND NOT settled
                GROUP BY loan_id
            ), calc AS (
                SELECT l.id, agg.oldest, COALESCE(agg.overdue, 0) AS overdue,
                       CASE WHEN agg.oldest < %(today)s THEN (%(today)s::date - agg.oldest) ELSE 0 END AS dpd
                FROM {loan} l LEFT JOIN agg ON agg.loan_id = l.id
                WHERE l.status = %(active)s
            )
            UPDATE {loan} l SET
                oldest_unpaid_due_date = calc.oldest,
                amount_overdue = calc.overdue,
                days_past_due = calc.dpd,
                bucket = CASE WHEN calc.dpd = 0 THEN %(current)s {whens} ELSE %(last)s END,
                status = CASE WHEN calc.oldest IS NULL THEN %(paid_off)s ELSE l.status END,
                delinquency_refreshed_on = %(today)s
            FROM calc
            WHERE calc.id = l.id
              AND (l.oldest_unpaid_due_date IS DISTINCT FROM calc.oldest
                   OR l.amount_overdue <> calc.overdue
                   OR l.days_past_due <> calc.dpd
                   OR calc.oldest IS NULL
                   OR l.delinquency_refreshed_on IS NULL)
            """,  # noqa: S608
            {
                "today": today,
                "active": LoanStatus.ACTIVE.value,
                "paid_off": LoanStatus.PAID_OFF.value,
                "current": Bucket.CURRENT.value,
                "last": Bucket.M4_PLUS.value,
            },
        )
        changed = cursor.rowcount
        bucket_snapshot_take(month=today.replace(day=1))
    return changed


def bucket_snapshot_take(*, month: date) -> int:
    """Record every active loan's bucket once per month (the first refresh of the month wins).

    Roll rates compare consecutive months. INSERT … SELECT with NOT EXISTS: set-based and
    idempotent on both PostgreSQL and SQLite.
    """
    from borrowers.models import BucketSnapshot

    table = BucketSnapshot._meta.db_table
    loan_table = Loan._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (month, loan_id, branch_id, bucket, days_past_due, amount_overdue)
            SELECT %s, l.id, l.branch_id, l.bucket, l.days_past_due, l.amount_overdue
            FROM {loan_table} l
            WHERE l.status = %s
              AND NOT EXISTS (SELECT 1 FROM {table} s WHERE s.month = %s AND s.loan_id = l.id)
            """,  # noqa: S608 - table names come from model metadata, values are parameters
            [month, LoanStatus.ACTIVE.value, month],
        )
        return cursor.rowcount


# --- borrowers ---------------------------------------------------------------------------------


@transaction.atomic
def borrower_reveal_pii(*, borrower: Borrower, field: str, actor, reason: str = "", ip: str | None = None) -> str:
    """Return one unmasked field and log who saw it. Callers check `can_reveal_pii` first."""
    allowed = {"national_id", "mobile", "alt_phone", "address", "email"}
    if field not in allowed:
        raise DomainError(_("不支持查看该字段。"), field="field")
    PiiAccessLog.objects.create(actor=actor, borrower=borrower, action="reveal", field=field, reason=reason[:200], ip=ip)
    LoanEvent.objects.create(borrower=borrower, kind="pii_revealed", actor=actor, payload={"field": field, "reason": reason[:200]})
    return getattr(borrower, field)


# --- penalty waiver (added for debt_collection's approved arrangements) ------------------------------


@transaction.atomic
def installments_waive_penalty(*, loan: Loan, amount: Decimal, actor, reason: str, payload: dict | None = None) -> Decimal:
    """Forgive up to `amount` of outstanding penalty interest on the schedule in force, oldest
    installment first, by raising `Installment.penalty_waived`. An installment whose only debt was
    penalty becomes settled. Returns the amount actually waived."""
    amount = _money(amount)
    if amount <= 0:
        raise DomainError(_("减免金额必须大于 0。"), field="amount")
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    remaining = amount
    now = timezone.now()
    changed = []
    for inst in Installment.objects.select_for_update().filter(loan=loan, is_active=True, settled=False).order_by("due_date", "seq"):
        owed = inst.outstanding("penalty")
        if owed <= 0 or remaining <= 0:
            continue
        part = min(owed, remaining)
        inst.penalty_waived += part
        remaining -= part
        if inst.total_outstanding <= 0:
            inst.settled = True
            inst.settled_at = now
        inst.save(update_fields=["penalty_waived", "settled", "settled_at"])
        changed.append({"seq": inst.seq, "waived": str(part)})
    waived = amount - remaining
    if not Installment.objects.filter(loan=loan, is_active=True, settled=False).exists():
        Loan.objects.filter(pk=loan.pk, status=LoanStatus.ACTIVE).update(status=LoanStatus.PAID_OFF)
    LoanEvent.objects.create(
        loan=loan,
        borrower_id=loan.borrower_id,
        kind="penalty_waived",
        actor=actor,
        payload={"reason": reason, "amount": str(waived), "installments": changed, **(payload or {})},
    )
    loans_refresh_delinquency(loan_ids=[loan.pk], accrue_penalty=False)
    return waived
