"""Benchmark: the daily collections refresh and the collector pages on a big loan book (PostgreSQL).

Generates N loans with 24-month schedules (settled up to a point, ~1 in 7 loans in arrears) with SQL
`generate_series` in a database of its own (`bench_collections`, dropped at the end), then times:
- the first daily refresh (delinquency of every loan, opening a case for every overdue loan,
  assignment), then a second run the same day (idempotent: opens nothing);
- a refresh after payments cure some loans and promises fall due;
- the collector queue and a case page (median server time and number of queries).

    DATABASE_URL is ignored; set BENCH_PG (default postgres://postgres@127.0.0.1:5432) to choose the server.
    python benchmarks/collections_refresh.py [--loans 100000] [--runs 20] [--keep]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "bench_collections"


def _server() -> str:
    return os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def _admin(sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(f"{_server()}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def setup_django():
    os.environ["DATABASE_URL"] = f"{_server()}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "autoloan_crm.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def generate(n_loans: int) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Branch, User

    call_command("migrate", verbosity=0, interactive=False)
    hq = Branch.objects.create(code="HQ", name="总部", is_hq=True)
    branches = [Branch.objects.create(code=f"B{i:02d}", name=f"第{i}分公司", parent=hq) for i in range(1, 10)]
    password = make_password("bench-pass-2026")
    users = []
    for b in branches:
        users += [User(username=f"{b.code.lower()}_col{k:02d}", role="collector", branch=b, password=password) for k in range(20)]
        users.append(User(username=f"{b.code.lower()}_sup", role="supervisor", branch=b, password=password))
    User.objects.bulk_create(users)
    branch_array = "ARRAY[" + ",".join(str(b.pk) for b in branches) + "]"
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(f"""
            INSERT INTO borrowers_borrower (branch_id, name, national_id, mobile, alt_phone, email, address,
                preferred_channel, opted_out_channels, language, is_vip, created_at, updated_at)
            SELECT ({branch_array})[1 + (i % 9)], '借款人' || i, '110101' || lpad(i::text, 12, '0'),
                   '139' || lpad(i::text, 8, '0'), '', 'b' || i || '@example.com', '上海市', 'phone', '[]'::jsonb,
                   'zh-hans', false, now(), now()
            FROM generate_series(1, {n_loans}) AS i""")
        cur.execute("SELECT min(id) FROM borrowers_borrower")
        b0 = cur.fetchone()[0]
        # loans started 1–10 months ago, on the 15th
        cur.execute(f"""
            INSERT INTO borrowers_loan (contract_number, borrower_id, branch_id, vin, plate, vehicle, mortgage_status,
                principal, annual_rate, fees, term_months, start_date, status, days_past_due, bucket, amount_overdue,
                unapplied_amount, created_at, updated_at)
            SELECT 'HT' || lpad(i::text, 9, '0'), {b0} + i - 1, ({branch_array})[1 + (i % 9)],
                   'LSV' || lpad(i::text, 14, '0'), '沪A' || lpad(i::text, 5, '0'), '大众 朗逸', 'registered',
                   24000.00, 0.060000, 0, 24,
                   (date_trunc('month', current_date) - ((1 + i % 10) || ' months')::interval + interval '14 days')::date,
                   'active', 0, 'current', 0, 0, now(), now()
            FROM generate_series(1, {n_loans}) AS i""")
        cur.execute("SELECT min(id) FROM borrowers_loan")
        l0 = cur.fetchone()[0]
        # 24 equal installments; every due installment is paid except on 1 loan in 7 (arrears)
        cur.execute(f"""
            INSERT INTO borrowers_installment (loan_id, seq, version, is_active, due_date, principal_due, interest_due,
                fee_due, penalty_due, penalty_waived, principal_paid, interest_paid, fee_paid, penalty_paid, settled,
                settled_at)
            SELECT l.id, k, 1, true, (l.start_date + (k || ' months')::interval)::date, 1000.00, 60.00, 0, 0, 0,
                   CASE WHEN paid THEN 1000.00 ELSE 0 END, CASE WHEN paid THEN 60.00 ELSE 0 END, 0, 0, paid,
                   CASE WHEN paid THEN now() ELSE NULL END
            FROM borrowers_loan l
            CROSS JOIN generate_series(1, 24) AS k
            CROSS JOIN LATERAL (SELECT ((l.start_date + (k || ' months')::interval)::date < current_date
                                        AND (l.id - {l0}) % 7 <> 0) AS paid) p""")
        cur.execute("ANALYZE")
    counts = {}
    with connection.cursor() as cur:
        for table in ("borrowers_loan", "borrowers_installment"):
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            counts[table] = cur.fetchone()[0]
    print(f"  generated {counts} in {time.perf_counter() - t0:.1f}s")
    return counts


def timed(label, fn):
    t = time.perf_counter()
    result = fn()
    print(f"  {label:52} {time.perf_counter() - t:8.2f}s  {result}")
    return result


def measure(client, url, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return statistics.median(times), len(ctx.captured_queries)


def run(args) -> int:
    from datetime import timedelta
    from decimal import Decimal

    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from borrowers.services import payment_record
    from debt_collection.models import CollectionCase
    from debt_collection.services import cases_refresh, promise_record

    print(f"generating {args.loans:,} loans in {DB_NAME} …")
    generate(args.loans)
    today = timezone.localdate()
    print("refresh:")
    first = timed("first refresh (opens every overdue loan's case)", lambda: cases_refresh(today=today))
    second = timed("second refresh, same day (idempotent)", lambda: cases_refresh(today=today))
    from borrowers.services import loans_refresh_delinquency

    timed("  of which loans_refresh_delinquency (borrowers)", lambda: loans_refresh_delinquency(today=today))
    assert second["opened"] == 0, second
    # some borrowers pay, some promise
    cases = list(CollectionCase.objects.select_related("loan", "assigned_to", "branch")[:400])
    for i, case in enumerate(cases[:200]):
        payment_record(loan=case.loan, amount=case.loan.amount_overdue + Decimal("100"), paid_at=timezone.now(),
                       external_ref=f"BENCH-{i}")
    for case in cases[200:400]:
        if case.assigned_to_id:
            promise_record(case=case, amount=Decimal("500"), promised_date=today, actor=case.assigned_to)
    timed("refresh next day (200 cured, 200 promises due)",
          lambda: cases_refresh(today=today + timedelta(days=1), now=timezone.now() + timedelta(days=1)))

    collector = User.objects.filter(role="collector", collection_cases__isnull=False).first()
    client = Client()
    client.force_login(collector)
    case = CollectionCase.objects.filter(assigned_to=collector).first()
    print(f"\n{'page':40} {'median ms':>10} {'queries':>8}")
    for label, url in [
        ("queue (collector)", reverse("debt_collection:queue")),
        ("queue page 3, bucket M1", reverse("debt_collection:queue") + "?bucket=M1&page=3"),
        ("queue · mine", reverse("debt_collection:queue") + "?assigned=me"),
        ("case page", reverse("debt_collection:case", args=[case.pk])),
    ]:
        median, queries = measure(client, url, args.runs)
        print(f"{label:40} {median:10.1f} {queries:8d}")
    print(f"\nopen cases: {CollectionCase.objects.exclude(state__in=['cured', 'closed', 'written_off']).count():,} "
          f"(first run opened {first['opened']:,})")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _admin(f"CREATE DATABASE {DB_NAME}")
    setup_django()
    try:
        return run(args)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
