"""Benchmark: the hourly repayment-reminder pass on PostgreSQL.

1,000,000 installments, 100,000 of them due on one of the cadence's days (T-3 … T+7): the pass must
create and enqueue all 100,000 messages in ≤ 30 s with flat memory, and a second pass create none.

    python benchmarks/reminders.py [--installments 1000000] [--due 100000]

Uses its own database `bench_reminders` on the server of BENCH_DATABASE_URL / DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/postgres), created and dropped here. Send tasks go to the Redis of
CELERY_BROKER_URL when it is a redis:// URL (on a private queue, purged at the end), else to an
in-memory broker. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import admin, current_rss_mb, server_url, with_db  # noqa: E402
from _common import peak_rss_mb as rss_mb  # noqa: E402

DB_NAME = "bench_reminders"
QUEUE = "bench_reminders"
TARGET_SECONDS = 30.0




def generate(installments: int, due: int, today) -> None:
    """Branches, borrowers, loans (4 installments each) and installments, all by generate_series.
    Every (installments // due)-th installment is due on one of the six cadence days; of the rest,
    half are settled in the past and half fall due after the window."""
    from django.db import connection

    loans = installments // 4
    every = installments // due
    with connection.cursor() as c:
        c.execute(
            """INSERT INTO accounts_branch (code, name, is_hq, parent_id, time_zone, contact_rule_pack, phone, address, is_active)
               SELECT 'B' || g, '分公司' || g, false, NULL, 'Asia/Shanghai', 'CN', '400-800-0000', '', true
               FROM generate_series(1, 10) g"""
        )
        c.execute("SELECT min(id) FROM accounts_branch")
        first_branch = c.fetchone()[0]
        c.execute(
            """INSERT INTO borrowers_borrower (branch_id, name, national_id, mobile, alt_phone, email, address,
                   preferred_channel, opted_out_channels, do_not_contact_until, language, is_vip,
                   dedicated_manager_id, created_at, updated_at)
               SELECT %s + g %% 10, '借款人' || g, lpad(g::text, 18, '1'), '139' || lpad(g::text, 8, '0'), '', '', '',
                   'sms', '[]'::jsonb, NULL, 'zh-hans', false, NULL, now(), now()
               FROM generate_series(1, %s) g""",
            [first_branch, loans],
        )
        c.execute(
            """INSERT INTO borrowers_loan (contract_number, borrower_id, branch_id, vin, plate, vehicle, mortgage_status,
                   principal, annual_rate, fees, term_months, start_date, status, days_past_due, bucket,
                   oldest_unpaid_due_date, amount_overdue, delinquency_refreshed_on, unapplied_amount, created_at, updated_at)
               SELECT 'HT' || b.id, b.id, b.branch_id, '', '', '', 'registered', 100000, 0.06, 0, 4, %s - 120, 'active',
                   0, 'current', NULL, 0, NULL, 0, now(), now()
               FROM borrowers_borrower b""",
            [today],
        )
        c.execute(
            """INSERT INTO borrowers_installment (loan_id, seq, version, is_active, due_date, principal_due, interest_due,
                   fee_due, penalty_due, penalty_waived, principal_paid, interest_paid, fee_paid, penalty_paid,
                   settled, settled_at)
               SELECT l.id, s, 1, true,
                   CASE WHEN k %% %s = 0 THEN %s + (ARRAY[3, 1, 0, -1, -3, -7])[1 + ((k / %s) %% 6)::int]
                        WHEN k %% 2 = 0 THEN %s - (30 + (k %% 300))::int
                        ELSE %s + (4 + (k %% 365))::int END,
                   25000, 500, 0, 0, 0, 0, 0, 0, 0,
                   (k %% %s <> 0 AND k %% 2 = 0), NULL
               FROM borrowers_loan l
               CROSS JOIN generate_series(1, 4) s
               CROSS JOIN LATERAL (SELECT (l.id - 1) * 4 + s - 1 AS k) kk""",
            [every, today, every, today, today, every],
        )
        c.execute("ANALYZE borrowers_borrower; ANALYZE borrowers_loan; ANALYZE borrowers_installment;")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--installments", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the database for inspection")
    parser.add_argument("--profile", action="store_true", help="print where the first pass spends its time")
    args = parser.parse_args()

    admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    admin(f"CREATE DATABASE {DB_NAME}")
    os.environ["DATABASE_URL"] = with_db(server_url(), DB_NAME)
    os.environ.pop("TEST_DATABASE_NAME", None)
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis"):
        os.environ["CELERY_BROKER_URL"] = broker = "memory://"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "autoloan_crm.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    ok = True
    try:
        import django

        django.setup()
        from datetime import datetime
        from datetime import time as dtime
        from zoneinfo import ZoneInfo

        from django.core.management import call_command
        from django.db import connections

        from autoloan_crm.celery import app
        from notifications.models import OutboundMessage
        from notifications.services import reminders_run

        app.conf.task_routes = {"notifications.send_batch": {"queue": QUEUE}}
        call_command("migrate", verbosity=0)
        tz = ZoneInfo("Asia/Shanghai")
        today = datetime.now(tz).date()
        now = datetime.combine(today, dtime(10, 0), tzinfo=tz)  # after the 09:00 send hour: due now

        started = time.perf_counter()
        generate(args.installments, args.due, today)
        print(f"reminders: generated {args.installments:,} installments ({args.due:,} due in the window) "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip

        rss_before = current_rss_mb()
        started = time.perf_counter()
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            first = profiler.runcall(reminders_run, now=now)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)
        else:
            first = reminders_run(now=now)
        first_seconds = time.perf_counter() - started
        peak = rss_mb()
        created = OutboundMessage.objects.count()
        print(f"reminders: first pass created {first['created']:,} and enqueued {first['enqueued']:,} messages "
              f"in {first_seconds:.1f} s (target ≤ {TARGET_SECONDS:.0f} s)")  # fmt: skip
        print(
            f"reminders: RSS before the pass {rss_before:.0f} MB, peak {peak:.0f} MB (broker: {broker.split('://')[0]})"
        )

        started = time.perf_counter()
        second = reminders_run(now=now)
        second_seconds = time.perf_counter() - started
        print(f"reminders: second pass created {second['created']:,}, enqueued {second['enqueued']:,} "
              f"in {second_seconds:.1f} s; messages in table {created:,}")  # fmt: skip

        ok = (
            first["created"] == args.due
            and first["enqueued"] == args.due
            and first_seconds <= TARGET_SECONDS
            and second["created"] == 0
            and created == args.due
        )
        if broker.startswith("redis"):
            with app.connection_for_write() as conn:
                conn.default_channel.queue_purge(QUEUE)
        connections.close_all()
    finally:
        if not args.keep:
            admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    print("reminders: OK" if ok else "reminders: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
