"""The hourly repayment-reminder pass (还款提醒): set-based, idempotent, chunked.

For every active cadence step and every group of branches sharing a time zone, the installments whose
due date is `local today - offset_days` are found through the partial index `inst_unsettled_due_idx`
(unsettled, schedule in force) and turned into messages by one INSERT … SELECT per chunk of
installment ids. The unique constraint (installment, step_key, channel) with ON CONFLICT DO NOTHING
makes a second pass — the next hour, or a rerun after a crash — create nothing (PostgreSQL checks the
arbiter index before inserting, so a conflict costs an index probe, not a row). No NOT EXISTS
anti-join: its plan degrades to a nested loop over the step's earlier chunks. Only rows inserted by
this pass come back (RETURNING id) and their sends are enqueued in batches after each chunk commits.

Texts are rendered at send time (amount outstanding then, the borrower's language then), and the
compliance guard is asked at send time too: quiet hours, opt-outs and holds are about the moment of
contact, not the moment of planning.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from accounts.models import Branch
from borrowers.models import Borrower, Installment, Loan
from notifications.choices import MessageChannel, MessageStatus
from notifications.models import OutboundMessage, ReminderStep
from notifications.services.messages import _enqueue_batches

logger = logging.getLogger(__name__)

CONTACT_COLUMN = {MessageChannel.SMS: "mobile", MessageChannel.EMAIL: "email"}


def _steps_by_branch(branch_ids: list[int]) -> dict[int, list[ReminderStep]]:
    """The steps in force per branch: its own set when it has one, the default set otherwise."""
    steps = list(ReminderStep.objects.filter(is_active=True))
    default = [s for s in steps if s.branch_id is None]
    own: dict[int, list[ReminderStep]] = defaultdict(list)
    for step in steps:
        if step.branch_id is not None:
            own[step.branch_id].append(step)
    return {branch_id: own.get(branch_id, default) for branch_id in branch_ids}


def _plan(now: datetime) -> dict[tuple[int, date, datetime], list[int]]:
    """(step id, target due date, send time) → branch ids. Few rows: steps × time zones."""
    plan: dict[tuple[int, date, datetime], list[int]] = defaultdict(list)
    branches = list(Branch.objects.filter(is_active=True).values_list("id", "time_zone"))
    steps = _steps_by_branch([b for b, _ in branches])
    send_hour = int(settings.CRM.get("REMINDER_SEND_HOUR", 9))
    for branch_id, tz_name in branches:
        tz = Branch(time_zone=tz_name).tzinfo
        local_today = now.astimezone(tz).date()
        send_at = max(now, datetime.combine(local_today, time(send_hour, 0), tzinfo=tz))
        for step in steps[branch_id]:
            plan[(step.pk, local_today - timedelta(days=step.offset_days), send_at)].append(branch_id)
    return plan


def _insert_sql(contact_column: str, branch_count: int) -> str:
    q = connection.ops.quote_name
    msg, inst, loan, bor = (
        q(OutboundMessage._meta.db_table),
        q(Installment._meta.db_table),
        q(Loan._meta.db_table),
        q(Borrower._meta.db_table),
    )
    branches = ", ".join(["%s"] * branch_count)
    # identifiers come from model metadata, every value is a parameter
    return f"""
        INSERT INTO {msg} (channel, {q("to")}, borrower_id, installment_id, template, language, title, body,
                           scheduled_at, status, provider_id, attempts, last_error, status_reason, created_at,
                           reminder_step_id, step_key, dispatched_at)
        SELECT %s, b.{q(contact_column)}, b.id, i.id, %s, b.language, '', '',
               %s, %s, '', 0, '', '', %s,
               %s, %s, %s
        FROM {inst} i
        JOIN {loan} l ON l.id = i.loan_id
        JOIN {bor} b ON b.id = l.borrower_id
        WHERE i.due_date = %s AND i.settled = %s AND i.is_active = %s
          AND i.id BETWEEN %s AND %s
          AND l.status = %s AND l.branch_id IN ({branches})
          AND b.{q(contact_column)} <> ''
        ON CONFLICT DO NOTHING
        RETURNING id
    """  # noqa: S608


def _id_ranges(*, due_date: date, chunk_size: int) -> list[tuple[int, int]]:
    """Split the installments due that day (partial index `inst_unsettled_due_idx`) into id ranges of
    about `chunk_size` rows each, from one aggregate: nothing per row comes back to Python."""
    stats = Installment.objects.filter(due_date=due_date, settled=False, is_active=True).aggregate(
        n=Count("id"), lo=Min("id"), hi=Max("id")
    )
    if not stats["n"]:
        return []
    chunks = -(-stats["n"] // chunk_size)
    width = -(-(stats["hi"] - stats["lo"] + 1) // chunks)
    return [
        (start, min(start + width - 1, stats["hi"])) for start in range(stats["lo"], stats["hi"] + 1, width)
    ]


def reminders_run(*, now: datetime | None = None, chunk_size: int = 10000) -> dict:
    """Create today's due reminders (once) and enqueue the ones whose send time has come."""
    now = now or timezone.now()
    steps = {s.pk: s for s in ReminderStep.objects.filter(is_active=True)}
    created = enqueued = 0
    for (step_id, due_date, send_at), branch_ids in _plan(now).items():
        step = steps[step_id]
        column = CONTACT_COLUMN.get(step.channel)
        if column is None:
            continue
        due_now = send_at <= now
        adapt = connection.ops.adapt_datetimefield_value
        sql = _insert_sql(column, len(branch_ids))
        for first, last in _id_ranges(due_date=due_date, chunk_size=chunk_size):
            params = [
                step.channel, step.template_code, adapt(send_at), MessageStatus.QUEUED, adapt(now),
                step.pk, step.step_key, adapt(now) if due_now else None,
                connection.ops.adapt_datefield_value(due_date), False, True, first, last,
                "active", *branch_ids,
            ]  # fmt: skip
            with transaction.atomic():
                with connection.cursor() as cursor:
                    if connection.vendor == "postgresql":
                        # Safe to not wait for the WAL flush here: if the server crashed and lost this
                        # commit, the rows would simply be planned again next hour (nothing was sent
                        # from them, as any send commits later in the same WAL, flushing this too).
                        cursor.execute("SET LOCAL synchronous_commit = off")
                    cursor.execute(sql, params)
                    new_ids = [row[0] for row in cursor.fetchall()]
                created += len(new_ids)
                if due_now and new_ids:
                    enqueued += _enqueue_batches(new_ids)
    if created:
        logger.info("reminders: %s created, %s enqueued", created, enqueued)
    return {"created": created, "enqueued": enqueued}
