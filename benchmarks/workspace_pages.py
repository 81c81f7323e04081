"""Benchmark: the agents' queue and the complaint page on a big book (PostgreSQL).

1,000,000 complaints and 200,000 borrowers (each with a loan and a payment) are generated with SQL
`generate_series` in a database of its own (`bench_workspace`, dropped at the end). Each page is
requested through Django's test Client (the whole server path: middleware, views, templates) and we
print the median / p90 server time, the number of queries, and the raw SQL time of the same queries
re-executed on their own. Targets (issue 5): a constant number of queries per page and a median of
at most 100 ms.

    DATABASE_URL is ignored; set BENCH_PG (default postgres://postgres@127.0.0.1:5432) to choose the server.
    python benchmarks/workspace_pages.py [--complaints 1000000] [--borrowers 200000] [--runs 30] [--keep]
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import fill_complaint_timers  # noqa: E402

DB_NAME = "bench_workspace"
TARGET_MEDIAN_MS = 100.0


def _server() -> str:
    return os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def _admin_connection():
    import psycopg2

    conn = psycopg2.connect(f"{_server()}/postgres")
    conn.autocommit = True
    return conn


def create_database():
    conn = _admin_connection()
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {DB_NAME}")
    conn.close()


def drop_database():
    from django.db import connections

    connections.close_all()
    conn = _admin_connection()
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    conn.close()


def setup_django():
    os.environ["DATABASE_URL"] = f"{_server()}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "autoloan_crm.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _literal(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | dict):
        import json

        return "'" + json.dumps(value) + "'::jsonb"
    return "'" + str(value).replace("'", "''") + "'"


def insert_select(model, *, overrides: dict[str, str], source: str) -> str:
    """INSERT … SELECT for `model`: every NOT NULL column gets its override or its model default, so
    columns added later by the app do not break the benchmark."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        column = field.column
        if column in overrides:
            expr = overrides[column]
        elif field.null:
            continue
        elif field.has_default() and (not callable(field.default) or field.default in (list, dict)):
            expr = _literal(field.get_default())
        elif field.get_internal_type() in ("CharField", "TextField", "EmailField", "SlugField"):
            expr = "''"
        elif field.get_internal_type() == "DateTimeField":
            expr = "now()"
        else:
            raise RuntimeError(f"benchmark: no value for {model.__name__}.{field.name}")
        columns.append(column)
        values.append(expr)
    return f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}"


def generate(*, n_complaints: int, n_borrowers: int) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Branch, User
    from borrowers.models import Borrower, Loan, Payment
    from complaints.models import Complaint, ComplaintEvent, Escalation

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"  migrate: {time.perf_counter() - t0:.1f}s")

    hq = Branch.objects.create(code="HQ", name="总部", is_hq=True)
    branches = [Branch.objects.create(code=f"B{i:02d}", name=f"第{i}分公司", parent=hq) for i in range(1, 10)]
    password = make_password("bench-pass-2026")
    agents_per_branch = 30
    users = []
    for b in branches:
        users += [User(username=f"{b.code.lower()}_agent{k:02d}", role="agent", branch=b, password=password) for k in range(agents_per_branch)]
        users += [User(username=f"{b.code.lower()}_sup{k}", role="supervisor", branch=b, password=password) for k in range(2)]
    users.append(User(username="hq_bench", role="hq", branch=hq, password=password))
    User.objects.bulk_create(users)
    agent_base = {b.pk: User.objects.get(username=f"{b.code.lower()}_agent00").pk for b in branches}
    for b in branches:  # bulk_create on PostgreSQL keeps insertion order, so ids are consecutive
        assert User.objects.get(username=f"{b.code.lower()}_agent{agents_per_branch - 1:02d}").pk == agent_base[b.pk] + agents_per_branch - 1
    branch_ids = [b.pk for b in branches]
    branch_array = "ARRAY[" + ",".join(map(str, branch_ids)) + "]"
    agent_array = "ARRAY[" + ",".join(str(agent_base[b]) for b in branch_ids) + "]"

    with connection.cursor() as cur:
        t0 = time.perf_counter()
        cur.execute(insert_select(Borrower, overrides={
            "branch_id": f"({branch_array})[1 + (i % 9)]",
            "name": "(ARRAY['张','王','李','赵','刘','陈','杨','黄','周','吴'])[1 + (i % 10)] || '某' || i",
            "national_id": "'110101' || lpad(i::text, 12, '0')",
            "mobile": "'139' || lpad(i::text, 8, '0')",
            "email": "'b' || i || '@example.com'",
            "address": "'上海市浦东新区世纪大道' || i || '号'",
            "created_at": "now() - interval '400 days'",
            "updated_at": "now()",
        }, source=f"FROM generate_series(1, {n_borrowers}) AS i"))
        cur.execute("SELECT min(id) FROM borrowers_borrower")
        b0 = cur.fetchone()[0]
        cur.execute(insert_select(Loan, overrides={
            "contract_number": "'HT' || lpad(i::text, 9, '0')",
            "borrower_id": f"{b0} + i - 1",
            "branch_id": f"({branch_array})[1 + (i % 9)]",
            "vin": "'LSV' || lpad(i::text, 14, '0')",
            "plate": "'沪A' || lpad(i::text, 6, '0')",
            "vehicle": "'大众 朗逸'",
            "principal": "120000.00",
            "annual_rate": "0.060000",
            "term_months": "36",
            "start_date": "current_date - 200",
            "days_past_due": "CASE WHEN i % 7 = 0 THEN i % 120 ELSE 0 END",
            "bucket": "CASE WHEN i % 7 <> 0 OR i % 120 = 0 THEN 'current' WHEN i % 120 <= 30 THEN 'M1' "
                      "WHEN i % 120 <= 60 THEN 'M2' WHEN i % 120 <= 90 THEN 'M3' ELSE 'M4+' END",
            "amount_overdue": "CASE WHEN i % 7 = 0 THEN 3650.00 ELSE 0 END",
            "created_at": "now() - interval '200 days'",
            "updated_at": "now()",
        }, source=f"FROM generate_series(1, {n_borrowers}) AS i"))
        cur.execute("SELECT min(id) FROM borrowers_loan")
        l0 = cur.fetchone()[0]
        cur.execute(insert_select(Payment, overrides={
            "loan_id": f"{l0} + i - 1",
            "amount": "3650.00",
            "paid_at": "now() - (i % 60) * interval '1 day'",
            "external_ref": "'PAY' || i",
            "created_at": "now()",
        }, source=f"FROM generate_series(1, {n_borrowers}) AS i"))
        print(f"  {n_borrowers:,} borrowers, loans, payments: {time.perf_counter() - t0:.1f}s")

        # 3 % of complaints are open (a realistic backlog); the rest closed over the past year.
        t0 = time.perf_counter()
        open_pred = "(i % 100 < 3)"
        bidx = f"((i % {n_borrowers}))"  # borrower index 0-based → branch (1 + ((bidx+1) % 9))
        received = f"CASE WHEN {open_pred} THEN now() - (i % 14) * interval '1 day' - (i % 24) * interval '1 hour' ELSE now() - (20 + i % 345) * interval '1 day' END"
        cur.execute(insert_select(Complaint, overrides={
            "tracking_code": "'BW' || lpad(i::text, 10, '0')",
            "channel": "(ARRAY['web_form','phone','sms','email','app'])[1 + (i % 5)]",
            "category": "(ARRAY['overdue_repayment','interest_fees','service_experience','collection_conduct','privacy_data','vehicle_mortgage','other'])[1 + (i % 7)]",
            "priority": "(ARRAY['urgent','high','normal','normal','low'])[1 + (i % 5)]",
            "branch_id": f"({branch_array})[1 + (({bidx} + 1) % 9)]",
            "borrower_id": f"{b0} + {bidx}",
            "loan_id": f"{l0} + {bidx}",
            "complainant_name": "'投诉人' || i",
            "complainant_mobile": f"'139' || lpad(({bidx} + 1)::text, 8, '0')",
            "subject": "'提前还款违约金争议 #' || i",
            "description": "'借款人反映提前结清时被收取合同未载明的费用，要求退还。'",
            "state": f"CASE WHEN {open_pred} THEN (ARRAY['intake','classified','in_progress','waiting_on_borrower'])[1 + (i / 100) % 4] "
                     "WHEN i % 10 = 0 THEN 'resolved' ELSE 'closed' END",
            "owner_id": f"CASE WHEN {open_pred} AND (i / 100) % 5 = 0 THEN NULL ELSE ({agent_array})[1 + (({bidx} + 1) % 9)] + (i / 100) % {agents_per_branch} END",
            "assignee_id": f"CASE WHEN {open_pred} AND (i / 100) % 5 = 0 THEN NULL ELSE ({agent_array})[1 + (({bidx} + 1) % 9)] + (i / 100) % {agents_per_branch} END",
            "received_at": received,
            "updated_at": "now()",
            "first_responded_at": f"CASE WHEN {open_pred} AND (i / 100) % 4 < 2 THEN NULL ELSE ({received}) + interval '3 hours' END",
            "first_response_due_at": f"({received}) + (1 + i % 3) * interval '1 day'",
            "resolution_due_at": f"({received}) + (5 + i % 5) * interval '1 day'",
            "regulatory_due_at": f"({received}) + interval '15 days'",
            "resolution_clock_started_at": received,
            "resolved_at": f"CASE WHEN {open_pred} THEN NULL ELSE ({received}) + interval '4 days' END",
            "closed_at": f"CASE WHEN {open_pred} OR i % 10 = 0 THEN NULL ELSE ({received}) + interval '11 days' END",
            "root_cause": f"CASE WHEN {open_pred} THEN '' ELSE 'fee_or_interest_error' END",
            "resolution_summary": f"CASE WHEN {open_pred} THEN '' ELSE '已核实并退还多收费用。' END",
            "first_response_target_minutes": "540",
            "resolution_target_minutes": "2700",
        }, source=f"FROM generate_series(1, {n_complaints}) AS i"))
        cur.execute("SELECT min(id) FROM complaints_complaint")
        c0 = cur.fetchone()[0]
        # one open complaint in 50 escalated to level 1 (i = id - c0 + 1, as in the series above)
        fill_complaint_timers(cur, {"escalation_level": f"CASE WHEN c.state IN ('intake', 'classified', 'in_progress', 'waiting_on_borrower') AND (c.id - {c0} + 1) % 50 = 1 THEN 1 ELSE 0 END"})
        print(f"  {n_complaints:,} complaints: {time.perf_counter() - t0:.1f}s")
        t0 = time.perf_counter()
        cur.execute(insert_select(ComplaintEvent, overrides={
            "complaint_id": "c.id", "kind": "'created'", "to_state": "'intake'",
            "body": "'您的投诉已受理。'", "visible_to_borrower": "TRUE", "created_at": "c.received_at",
        }, source="FROM complaints_complaint c"))
        cur.execute(insert_select(ComplaintEvent, overrides={
            "complaint_id": "c.id", "kind": "'reply'", "body": "'您好，我们正在核实，请耐心等待。'",
            "visible_to_borrower": "TRUE", "created_at": "c.first_responded_at", "actor_id": "c.assignee_id",
        }, source="FROM complaints_complaint c WHERE c.first_responded_at IS NOT NULL"))
        cur.execute(insert_select(Escalation, overrides={
            "complaint_id": "c.id", "level": "1", "trigger": "'breach'", "clock": "'first_response'",
            "created_at": "now() - interval '1 hour'", "ack_due_at": "now() + interval '1 hour'",
        }, source="FROM complaints_complaint c JOIN complaints_complainttimers t ON t.complaint_id = c.id "
                  "WHERE t.escalation_level = 1"))
        print(f"  timeline events and escalations: {time.perf_counter() - t0:.1f}s")
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"  analyze: {time.perf_counter() - t0:.1f}s")
    counts = {
        "complaints": Complaint.objects.count(),
        "open": Complaint.objects.filter(state__in=["intake", "classified", "in_progress", "waiting_on_borrower"]).count(),
        "borrowers": Borrower.objects.count(),
        "events": ComplaintEvent.objects.count(),
    }
    return {"branches": branch_ids, "c0": c0, "counts": counts}


def measure(client, url: str, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    queries = [q["sql"] for q in ctx.captured_queries]
    selects = [sql for sql in queries if sql.lstrip().upper().startswith("SELECT")]
    # the raw SQL time: the same statements, re-run on their own (median of 5)
    sql_runs = []
    for _ in range(5):
        t = time.perf_counter()
        with connection.cursor() as cur:
            for sql in selects:
                cur.execute(sql)
                if cur.description:
                    cur.fetchall()
        sql_runs.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {
        "median": statistics.median(times),
        "p90": times[int(len(times) * 0.9) - 1],
        "queries": len(queries),
        "sql": statistics.median(sql_runs),
    }


def run(args) -> int:
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from complaints.models import Complaint

    if args.reuse and Complaint.objects.exists():
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)  # the code may have moved on since --keep
        print(f"reusing {DB_NAME}: {Complaint.objects.count():,} complaints")
    else:
        print(f"generating {args.complaints:,} complaints, {args.borrowers:,} borrowers in {DB_NAME} …")
        info = generate(n_complaints=args.complaints, n_borrowers=args.borrowers)
        print(f"  data: {info['counts']}")

    # the agent with the most open complaints, the page of an open complaint of a borrower with history
    open_states = ["intake", "classified", "in_progress", "waiting_on_borrower"]
    busiest = (
        Complaint.objects.filter(state__in=open_states, assignee__isnull=False)
        .values("assignee").annotate(n=Count("id")).order_by("-n").first()
    )
    agent = User.objects.get(pk=busiest["assignee"])
    supervisor = User.objects.filter(role="supervisor", branch=agent.branch).first()
    hq = User.objects.get(username="hq_bench")
    mine = Complaint.objects.filter(assignee=agent, state__in=open_states, borrower__isnull=False)
    complaint = mine.order_by("id").first()
    # same state, much longer history: the page must not issue more queries for it
    other = mine.filter(state=complaint.state).exclude(pk=complaint.pk).order_by("-id").first()
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO complaints_complaintevent (complaint_id, kind, from_state, to_state, body, payload, "
            "visible_to_borrower, created_at, actor_id) SELECT %s, 'note', '', '', '内部备注 ' || g, '{}'::jsonb, FALSE, "
            "now() - g * interval '1 minute', %s FROM generate_series(1, 150) AS g "
            "WHERE NOT EXISTS (SELECT 1 FROM complaints_complaintevent WHERE complaint_id = %s AND kind = 'note')",
            [other.pk, agent.pk, other.pk],
        )
    borrower = complaint.borrower
    loan = complaint.loan

    clients = {}
    for user in (agent, supervisor, hq):
        clients[user.pk] = Client()
        clients[user.pk].force_login(user)
    queue = reverse("complaints:queue")
    detail = reverse("complaints:detail", args=[complaint.pk])
    scenarios = [
        ("queue · my complaints (agent)", agent, f"{queue}?view=mine"),
        ("queue · unassigned (agent)", agent, f"{queue}?view=unassigned"),
        ("queue · my team (agent)", agent, f"{queue}?view=team"),
        ("queue · team page 3 (agent)", agent, f"{queue}?view=team&page=3"),
        ("queue · breaching soon (agent)", agent, f"{queue}?view=breaching"),
        ("queue · escalated to me (supervisor)", supervisor, f"{queue}?view=escalated"),
        ("queue · filtered urgent+interest (agent)", agent, f"{queue}?view=team&priority=urgent&category=interest_fees"),
        ("queue · search mobile (agent)", agent, f"{queue}?q={borrower.mobile}"),
        ("queue · search contract (agent)", agent, f"{queue}?q={loan.contract_number}"),
        ("queue · search tracking code (agent)", agent, f"{queue}?q={complaint.tracking_code}"),
        ("queue · all branches (HQ)", hq, f"{queue}?view=team"),
        ("complaint page (agent)", agent, detail),
        ("complaint page, +150 events (agent)", agent, reverse("complaints:detail", args=[other.pk])),
        ("complaint page (supervisor)", supervisor, detail),
        ("supervisor view", supervisor, reverse("complaints:supervisor")),
    ]
    print()
    print(f"{'page':44} {'median ms':>10} {'p90 ms':>8} {'queries':>8} {'raw SQL ms':>11}")
    failures = []
    results = {}
    for label, user, url in scenarios:
        r = measure(clients[user.pk], url, args.runs)
        results[label] = r
        flag = "" if r["median"] <= TARGET_MEDIAN_MS else "  ← over target"
        if flag and label.startswith(("queue", "complaint page")):
            failures.append(label)
        print(f"{label:44} {r['median']:10.1f} {r['p90']:8.1f} {r['queries']:8d} {r['sql']:11.1f}{flag}")
    queue_counts = {results[k]["queries"] for k in results if k.startswith("queue ·") and "(agent)" in k and "search" not in k}
    page_counts = {results[k]["queries"] for k in ("complaint page (agent)", "complaint page, +150 events (agent)")}
    print()
    print(f"agent's queue pages: {sorted(queue_counts)} queries (constant across views, filters and pages: {len(queue_counts) == 1}; a search adds 2 bounded look-ups)")
    print(f"complaint page: {sorted(page_counts)} queries (constant as the history grows: {len(page_counts) == 1})")
    if failures:
        print(f"OVER {TARGET_MEDIAN_MS:.0f} ms median: {', '.join(failures)}")
    return 1 if failures or len(page_counts) != 1 or len(queue_counts) != 1 else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--borrowers", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help=f"keep the {DB_NAME} database afterwards")
    parser.add_argument("--reuse", action="store_true", help=f"measure on a {DB_NAME} kept by an earlier --keep run")
    args = parser.parse_args()
    if args.reuse:
        args.keep = True
    else:
        create_database()
    setup_django()
    try:
        return run(args)
    finally:
        if not args.keep:
            drop_database()


if __name__ == "__main__":
    sys.exit(main())
