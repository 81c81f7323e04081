"""Collections figures: the book by bucket, roll rates, cure rate, promise-to-pay kept rate, amount
recovered, contact intensity and holds.

Cohorts: cure rate and contacts per case take cases **opened** in the range; promises take those
**due** (promised date) in the range; amount recovered takes payments **made** in the range on a loan
while it had a collection case open. Buckets, amounts and holds are a snapshot (now). Roll rates compare
`borrowers.BucketSnapshot` of the range's end month with the month before (one row per active loan
per month, written by the delinquency refresh).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from borrowers.models import BucketSnapshot, Payment
from dashboards.filters import Scope
from dashboards.selectors.base import in_range, scoped, user_fields
from debt_collection.choices import OPEN_STATES, CaseState, PromiseStatus
from debt_collection.models import CollectionCase, ContactAttempt, PromiseToPay

ZERO = Decimal("0.00")
EXITED = "exited"  # no snapshot next month: the loan left the active book (paid off, written off …)


def cases(scope: Scope):
    return scoped(CollectionCase.objects.all(), scope)


def open_cases(scope: Scope):
    return cases(scope).filter(state__in=OPEN_STATES)


def open_book(scope: Scope) -> list[dict]:
    """Open cases grouped by (bucket, hold reason): one scan feeds the bucket table and the holds table."""
    return list(
        open_cases(scope).order_by().values("bucket", "hold_reason")
        .annotate(
            n=Count("id"), amount=Sum("amount_due"),
            on_hold=Count("id", filter=Q(state=CaseState.ON_HOLD)),
            on_hold_amount=Sum("amount_due", filter=Q(state=CaseState.ON_HOLD)),
        )
    )


def cases_by_bucket(scope: Scope, *, book: list[dict] | None = None) -> list[dict]:
    book = open_book(scope) if book is None else book
    out: dict = {}
    for r in book:  # grouped rows: buckets × hold reasons
        entry = out.setdefault(r["bucket"], {"bucket": r["bucket"], "n": 0, "amount": ZERO, "on_hold": 0})
        entry["n"] += r["n"]
        entry["amount"] += r["amount"] or ZERO
        entry["on_hold"] += r["on_hold"]
    return sorted(out.values(), key=lambda e: e["bucket"])


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def previous_month(first: date) -> date:
    return date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)


def roll_matrix(scope: Scope) -> dict:
    """Counts of loans by (bucket last month, bucket this month); this month = the range end's month.
    One SQL statement: the scoped snapshot of month M left-joined to month M+1 on the loan.

    Snapshots are written once a month by the delinquency refresh, so the matrix is cached for
    `CRM["DASHBOARD_ROLL_CACHE_SECONDS"]` (default 10 minutes) per pair of months and visible scope."""
    to_month = month_start(scope.end_date)
    from_month = previous_month(to_month)
    visible = "all" if scope.user.sees_all_branches else f"b{scope.user.branch_id}"
    key = f"dashboards:roll:{from_month}:{to_month}:{visible}:{scope.branch_id or ''}"
    seconds = int(settings.CRM.get("DASHBOARD_ROLL_CACHE_SECONDS", 600))
    matrix = cache.get(key) if seconds else None
    if matrix is None:
        matrix = _roll_matrix(scope, from_month, to_month)
        if seconds:
            cache.set(key, matrix, seconds)
    return {"from_month": from_month, "to_month": to_month, "matrix": matrix}


def _roll_matrix(scope: Scope, from_month: date, to_month: date) -> dict:
    a_sql, a_params = (
        scoped(BucketSnapshot.objects.filter(month=from_month), scope).order_by().values("loan_id", "bucket")
        .query.sql_with_params()
    )
    b_sql, b_params = (
        BucketSnapshot.objects.filter(month=to_month).order_by().values("loan_id", "bucket").query.sql_with_params()
    )
    sql = (
        f"SELECT a.bucket, b.bucket, COUNT(*) FROM ({a_sql}) a LEFT JOIN ({b_sql}) b ON b.loan_id = a.loan_id "  # noqa: S608 - ORM-compiled SQL, values are parameters
        "GROUP BY a.bucket, b.bucket"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*a_params, *b_params))
        rows = cursor.fetchall()
    matrix: dict[str, dict[str, int]] = {}
    for src, dst, n in rows:  # at most 5 × 6 grouped rows
        matrix.setdefault(src, {})[dst or EXITED] = n
    return matrix


def case_outcomes_by_bucket(scope: Scope) -> list[dict]:
    """Per bucket, cases opened in range: how many, cured, closed otherwise, still open, and the contacts
    logged on them — one scan of the range; contacts are counted per case through the contact log's
    case index (a correlated count, never a scan of the whole log)."""
    contact_count = (
        ContactAttempt.objects.filter(case=OuterRef("pk")).order_by().values("case").annotate(c=Count("id")).values("c")
    )
    return list(
        in_range(cases(scope), scope, "opened_at")
        .annotate(n_contacts=Coalesce(Subquery(contact_count, output_field=IntegerField()), 0))
        .order_by().values("bucket")
        .annotate(
            opened=Count("id"),
            cured=Count("id", filter=Q(state=CaseState.CURED)),
            closed_other=Count("id", filter=Q(state__in=[CaseState.CLOSED, CaseState.WRITTEN_OFF])),
            still_open=Count("id", filter=Q(state__in=OPEN_STATES)),
            contacts=Sum("n_contacts"),
        )
        .order_by("bucket")
    )


def case_outcomes(scope: Scope, *, by_bucket: list[dict] | None = None) -> dict:
    """Totals of `case_outcomes_by_bucket`: cure rate = cured ÷ opened."""
    by_bucket = case_outcomes_by_bucket(scope) if by_bucket is None else by_bucket
    keys = ("opened", "cured", "closed_other", "still_open")
    return {k: sum(r[k] for r in by_bucket) for k in keys}  # ≤ 5 grouped rows


def contacts_per_case(scope: Scope, *, by_bucket: list[dict] | None = None) -> list[dict]:
    """Per bucket, cases opened in range and the contacts (calls, SMS, visits …) logged on them."""
    by_bucket = case_outcomes_by_bucket(scope) if by_bucket is None else by_bucket
    return [{"bucket": r["bucket"], "cases": r["opened"], "contacts": r["contacts"] or 0} for r in by_bucket]


def promise_groups(scope: Scope) -> list[dict]:
    """Promises due in range grouped by the collector who recorded them (one scan for both tables)."""
    qs = scoped(PromiseToPay.objects.all(), scope, field="case__branch").filter(
        promised_date__gte=scope.start_date, promised_date__lte=scope.end_date
    )
    return list(
        qs.order_by().values(*user_fields("created_by"))
        .annotate(
            total=Count("id"),
            kept=Count("id", filter=Q(status=PromiseStatus.KEPT)),
            broken=Count("id", filter=Q(status=PromiseStatus.BROKEN)),
            pending=Count("id", filter=Q(status=PromiseStatus.PENDING)),
            cancelled=Count("id", filter=Q(status=PromiseStatus.CANCELLED)),
            amount_promised=Sum("amount"),
            amount_kept=Sum("amount", filter=Q(status=PromiseStatus.KEPT)),
        )
    )


def promises(scope: Scope, *, groups: list[dict] | None = None) -> dict:
    groups = promise_groups(scope) if groups is None else groups
    counts = ("total", "kept", "broken", "pending", "cancelled")
    out = {k: sum(g[k] for g in groups) for k in counts}  # one grouped row per collector
    for k in ("amount_promised", "amount_kept"):
        values = [g[k] for g in groups if g[k] is not None]
        out[k] = sum(values, ZERO) if values else None
    return out


def promises_by_collector(scope: Scope, *, limit: int = 20, groups: list[dict] | None = None) -> list[dict]:
    groups = promise_groups(scope) if groups is None else groups
    rows = [g for g in groups if g["created_by_id"] is not None]
    rows.sort(key=lambda g: (-g["total"], g["created_by_id"]))
    return rows[:limit]


def recovered(scope: Scope) -> dict:
    """Payments made in range on loans that had a collection case open at that moment."""
    case_open = CollectionCase.objects.filter(loan=OuterRef("loan"), opened_at__lte=OuterRef("paid_at")).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=OuterRef("paid_at"))
    )
    qs = in_range(scoped(Payment.objects.all(), scope, field="loan__branch"), scope, "paid_at").filter(Exists(case_open))
    return qs.aggregate(payments=Count("id"), amount=Sum("amount"))


def holds(scope: Scope, *, book: list[dict] | None = None) -> list[dict]:
    book = open_book(scope) if book is None else book
    out: dict = {}
    for r in book:  # grouped rows
        if not r["on_hold"]:
            continue
        entry = out.setdefault(r["hold_reason"], {"hold_reason": r["hold_reason"], "n": 0, "amount": ZERO})
        entry["n"] += r["on_hold"]
        entry["amount"] += r["on_hold_amount"] or ZERO
    return sorted(out.values(), key=lambda e: (-e["n"], e["hold_reason"]))
