"""The escalation ladder and the SLA sweep.

Level 1 branch supervisor, level 2 HQ complaints manager, level 3 compliance. A clock passing
SLA_WARNING_RATIO of its time warns (once per clock); a clock passing its deadline escalates the
complaint one level (once per clock and cycle: a unique constraint backs the compare-and-set); an
escalation left unacknowledged for ESCALATION_ACK_MINUTES climbs one more level.

Recipients (`recipients_for`): the active EscalationContact rows for the level and the complaint's
branch plus the company-wide ones (no branch); when none are configured, the role rule — level 1 the
branch's supervisors, level 2 every HQ user, level 3 every compliance user.

The sweep is set-based and works on the narrow `ComplaintTimers` rows (never the wide complaint
row): each step reads only a partial index on an armed `*_due_at` / `*_warn_at` deadline, claims a
batch with `FOR UPDATE SKIP LOCKED` and flips the mark with a compare-and-set, writes the escalations
and events with one INSERT … SELECT each, and notifies each recipient once per batch (a digest when
there are many), all in the batch's transaction.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Least
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.choices import Role
from common.exceptions import DomainError, PermissionDeniedError, TransitionNotAllowed
from complaints import permissions as perms
from complaints.choices import (
    MAX_ESCALATION_LEVEL,
    OPEN_STATES,
    Clock,
    EscalationTrigger,
    EventKind,
)
from complaints.models import Complaint, ComplaintEvent, ComplaintTimers, Escalation, EscalationContact

logger = logging.getLogger(__name__)

# Large batches: each batch's index walk passes the rows earlier batches just flipped (their old
# versions stay in the partial index until vacuum), so few big batches beat many small ones.
BATCH_SIZE = 50_000
DIGEST_THRESHOLD = 10  # more items than this for one person in one batch → one digest notice
# A backlog at least this big is drained by CRM["SLA_SWEEP_WORKERS"] threads at once (PostgreSQL only).
PARALLEL_MIN_BACKLOG = 5_000

# per clock, columns of ComplaintTimers: (armed deadline, armed warning time, breached mark, warned
# mark). A deadline is NULL while its clock does not run (stopped, or paused waiting on the borrower).
CLOCK_COLUMNS = {
    clock: (f"{clock}_due_at", f"{clock}_warn_at", f"{clock}_breached", f"{clock}_warned") for clock in Clock.values
}
# columns the sweep's claim returns from the timers row; every other name is the complaint's
TIMER_FIELDS = {"escalation_level", "escalated_at"} | {c for cols in CLOCK_COLUMNS.values() for c in cols}
LEVEL_ROLES = {1: Role.SUPERVISOR, 2: Role.HQ, 3: Role.COMPLIANCE}


def _ack_delay() -> timedelta:
    return timedelta(minutes=settings.CRM.get("ESCALATION_ACK_MINUTES", 120))


def _link(complaint_id: int | None = None) -> str:
    try:
        if complaint_id is None:
            return reverse("complaints:queue")
        return reverse("complaints:detail", args=[complaint_id])
    except NoReverseMatch:  # pragma: no cover
        return ""


# --- recipients -------------------------------------------------------------------------------------


class RecipientCache:
    """Recipients per (level, branch), looked up once per sweep."""

    def __init__(self):
        self._cache: dict[tuple[int, int], list] = {}

    def get(self, level: int, branch_id: int) -> list:
        key = (level, branch_id)
        if key not in self._cache:
            self._cache[key] = recipients_for(level=level, branch_id=branch_id)
        return self._cache[key]


def recipients_for(*, level: int, branch_id: int) -> list:
    from accounts.models import User

    contacts = (
        EscalationContact.objects.filter(level=level, is_active=True, user__is_active=True)
        .filter(Q(branch_id=branch_id) | Q(branch__isnull=True))
        .select_related("user")
        .order_by("user_id")
    )
    users = list({c.user_id: c.user for c in contacts}.values())
    if users:
        return users
    qs = User.objects.filter(is_active=True, role=LEVEL_ROLES[level])
    if level == 1:
        qs = qs.filter(branch_id=branch_id)
    return list(qs.order_by("id"))


def _recipient_json(users) -> list[dict]:
    return [{"id": u.pk, "name": str(u)} for u in users]


# --- notifications --------------------------------------------------------------------------------


class Outbox:
    """Collects notices per user during a batch; `flush` sends one per item, or one digest per person
    when there are more than DIGEST_THRESHOLD. Items are kept in shared chunks (one per title and
    group of complaints), never copied per person and row."""

    def __init__(self):
        self.chunks: dict[int, list[tuple[str, list]]] = defaultdict(list)
        self.users: dict[int, object] = {}

    def add(self, user, title: str, code: str, complaint_id: int):
        self.extend(user, title, [(code, complaint_id)])

    def extend(self, user, title: str, items: list[tuple[str, int]]):
        if items:
            self.users[user.pk] = user
            self.chunks[user.pk].append((title, items))

    def flush(self, kind: str):
        from notifications.services import notify_staff

        for user_id, chunks in self.chunks.items():
            user = self.users[user_id]
            count = sum(len(items) for _title, items in chunks)
            if count <= DIGEST_THRESHOLD:
                for title, items in chunks:
                    for code, complaint_id in items:
                        notify_staff(user=user, title=f"{title}：{code}", body=title, link=_link(complaint_id), kind=kind)
                continue
            codes = []
            for _title, items in chunks:
                codes.extend(code for code, _i in items[: 20 - len(codes)])
                if len(codes) >= 20:
                    break
            notify_staff(
                user=user,
                title=_("%(count)s 件投诉需要您处理（%(what)s）") % {"count": count, "what": chunks[0][0]},
                body=_("包括：%(codes)s …") % {"codes": "、".join(codes)},
                link=_link(None),
                kind=kind,
            )
        self.chunks.clear()


# --- the sweep ------------------------------------------------------------------------------------


def sla_sweep(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """One pass of the SLA sweep. Safe to run twice or concurrently: each warning, breach and climb
    happens once. Returns counts per step.

    One query first asks every partial index whether it has anything due; only those steps run (an
    idle sweep is that single query)."""
    now = now or timezone.now()
    cache = RecipientCache()
    counts: dict[str, int] = {}
    pending = _pending_steps(now)
    for clock in CLOCK_COLUMNS:
        warn_key, breach_key = f"{clock}_warned", f"{clock}_escalated"
        counts[warn_key] = _sweep_warnings(clock, now, batch_size, cache) if pending[warn_key] else 0
        counts[breach_key] = _sweep_breaches(clock, now, batch_size, cache) if pending[breach_key] else 0
    counts["climbed"] = _sweep_unacknowledged(now, batch_size, cache) if pending["climbed"] else 0
    if any(counts.values()):
        logger.info("complaints SLA sweep: %s", counts)
    return counts


def _warn_base(clock: str, now: datetime):
    due_col, warn_col, breached_col, warned_col = CLOCK_COLUMNS[clock]
    return ComplaintTimers.objects.filter(**{f"{warn_col}__isnull": False, f"{warn_col}__lte": now, warned_col: False})


def _breach_base(clock: str, now: datetime):
    due_col, warn_col, breached_col, warned_col = CLOCK_COLUMNS[clock]
    return ComplaintTimers.objects.filter(**{f"{due_col}__isnull": False, f"{due_col}__lte": now, breached_col: False})


def _unacknowledged_base(now: datetime):
    return Escalation.objects.filter(
        acknowledged_at__isnull=True, ack_due_at__isnull=False, ack_due_at__lte=now,
        complaint__state__in=OPEN_STATES,
    )


def _pending_steps(now: datetime) -> dict[str, bool]:
    """Which steps have work: one SELECT of probes, each served by its partial index."""
    probes = {}
    for clock, (due_col, warn_col, *_rest) in CLOCK_COLUMNS.items():
        probes[f"{clock}_warned"] = _warn_base(clock, now).order_by(warn_col)
        probes[f"{clock}_escalated"] = _breach_base(clock, now).order_by(due_col)
    probes["climbed"] = _unacknowledged_base(now).order_by("ack_due_at")
    parts, params = [], []
    for qs in probes.values():
        # a scalar "first row by the indexed column", not EXISTS: PostgreSQL turns EXISTS into a
        # semi-join and, misjudging the correlated columns, scans the table; ORDER BY … LIMIT 1 walks
        # the partial index and stops
        sql, p = qs.values("pk")[:1].query.sql_with_params()
        parts.append(f"({sql}) IS NOT NULL")
        params.extend(p)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)  # noqa: S608 - built from our querysets
        row = cursor.fetchone()
    return {key: bool(value) for key, value in zip(probes, row, strict=True)}


def _claim(qs, order_by: str, batch_size: int) -> list[int]:
    return list(
        qs.select_for_update(skip_locked=True, of=("self",)).order_by(order_by).values_list("pk", flat=True)[:batch_size]
    )


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _claim_and_flag(base, *, order_by: str, flag: str, escalate: bool, now, batch_size: int, fields: list[str]) -> list[dict]:
    """Claim up to `batch_size` timers rows of `base` (skipping rows another sweep or a service holds),
    set the mark `flag` with a compare-and-set (and raise the escalation level by one when
    `escalate`), and return `fields` of the complaints this call flipped (names in TIMER_FIELDS come
    from the timers row). Must run inside a transaction.

    On PostgreSQL this is one statement, UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED) RETURNING,
    built from the same queryset so the clock's partial index serves it; the complaint row is only
    read (for the code and branch), never written or locked.
    """
    if _is_postgres():
        # no ORDER BY: the planner reads the partial index as a bitmap and visits the heap in physical
        # order (an ordered index walk over a big backlog is random I/O); every due row is taken in
        # this same sweep anyway
        inner = base.select_for_update(skip_locked=True, of=("self",)).order_by().values("complaint_id")[:batch_size]
        inner_sql, inner_params = inner.query.sql_with_params()
        sets = [f"{flag} = true"]
        params: list = []
        if escalate:
            sets += [f"escalation_level = LEAST(t.escalation_level + 1, {MAX_ESCALATION_LEVEL})", "escalated_at = %s"]
            params.append(now)
        returning = ", ".join(f"t.{f}" if f in TIMER_FIELDS else f"c.{f}" for f in fields)
        sql = (
            f"UPDATE {ComplaintTimers._meta.db_table} AS t SET {', '.join(sets)} "  # noqa: S608 - identifiers are ours
            f"FROM ({inner_sql}) AS claimed, {Complaint._meta.db_table} AS c "
            f"WHERE t.complaint_id = claimed.complaint_id AND t.{flag} = false AND c.id = t.complaint_id "
            f"RETURNING {returning}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *inner_params])
            return [dict(zip(fields, row, strict=True)) for row in cursor.fetchall()]
    ids = _claim(base, order_by, batch_size)
    if not ids:
        return []
    update = {flag: True}
    if escalate:
        update.update(escalation_level=Least(F("escalation_level") + 1, Value(MAX_ESCALATION_LEVEL)), escalated_at=now)
    flipped = list(ComplaintTimers.objects.filter(pk__in=ids, **{flag: False}).values_list("pk", flat=True))
    ComplaintTimers.objects.filter(pk__in=flipped).update(**update)
    lookups = {f: f if f in TIMER_FIELDS else f"complaint__{f}" for f in fields}
    rows = ComplaintTimers.objects.filter(pk__in=flipped).values(*lookups.values())
    return [{f: row[lookup] for f, lookup in lookups.items()} for row in rows]


def _json_texts(values) -> list[str]:
    """JSON text per value; a value object shared by many rows (a group's payload) is encoded once."""
    memo: dict[int, str] = {}
    out = []
    for value in values:
        key = id(value)
        if key not in memo:
            memo[key] = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
        out.append(memo[key])
    return out


def _bulk_events(items: list[tuple[int, dict]], *, kind: str, now, actor=None, body: str = "") -> None:
    """One timeline event per (complaint id, payload)."""
    if not items:
        return
    if _is_postgres():
        table = ComplaintEvent._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (complaint_id, kind, actor_id, from_state, to_state, body, payload, "  # noqa: S608
                "visible_to_borrower, created_at) "
                "SELECT t.cid, %s, %s, '', '', %s, t.payload::jsonb, false, %s "
                "FROM unnest(%s::bigint[], %s::text[]) AS t(cid, payload)",
                [kind, getattr(actor, "pk", None), body, now, [i for i, _p in items], _json_texts(p for _i, p in items)],
            )
        return
    ComplaintEvent.objects.bulk_create(
        [ComplaintEvent(complaint_id=i, kind=kind, actor=actor, body=body, payload=p, created_at=now) for i, p in items],
        batch_size=5000,
    )


def _bulk_escalations(items: list[dict], *, trigger: str, clock: str, now, ack_due, actor=None, note: str = "") -> None:
    """One Escalation per item {complaint_id, level, cycle, previous_id, recipients}; a breach that
    already has its row (the unique constraint) is skipped, never doubled."""
    if not items:
        return
    if _is_postgres():
        table = Escalation._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (complaint_id, level, trigger, clock, cycle, previous_id, recipients, note, "  # noqa: S608
                "created_by_id, created_at, ack_due_at) "
                "SELECT t.cid, t.lvl, %s, %s, t.cyc, t.prev, t.rcp::jsonb, %s, %s, %s, %s "
                "FROM unnest(%s::bigint[], %s::int[], %s::int[], %s::bigint[], %s::text[]) AS t(cid, lvl, cyc, prev, rcp) "
                "ON CONFLICT DO NOTHING",
                [
                    trigger, clock, note, getattr(actor, "pk", None), now, ack_due,
                    [e["complaint_id"] for e in items], [e["level"] for e in items], [e["cycle"] for e in items],
                    [e["previous_id"] for e in items], _json_texts(e["recipients"] for e in items),
                ],
            )
        return
    Escalation.objects.bulk_create(
        [
            Escalation(
                complaint_id=e["complaint_id"], level=e["level"], trigger=trigger, clock=clock, cycle=e["cycle"],
                previous_id=e["previous_id"], recipients=e["recipients"], created_at=now, ack_due_at=ack_due,
                created_by=actor, note=note,
            )
            for e in items
        ],
        batch_size=5000,
        ignore_conflicts=trigger == EscalationTrigger.BREACH,
    )


def _sweep_warnings(clock: str, now: datetime, batch_size: int, cache: RecipientCache) -> int:
    due_col, warn_col, breached_col, warned_col = CLOCK_COLUMNS[clock]
    base = _warn_base(clock, now)

    def batch(size: int) -> int:
        label = _("%(clock)s即将超时") % {"clock": Clock(clock).label}
        with transaction.atomic():
            rows = _claim_and_flag(
                base, order_by=warn_col, flag=warned_col, escalate=False, now=now, batch_size=size,
                fields=["id", "tracking_code", "branch_id", "assignee_id", due_col],
            )
            if not rows:
                return 0
            _bulk_events(
                [(r["id"], {"clock": clock, "due_at": r[due_col].isoformat() if r[due_col] else None}) for r in rows], kind=EventKind.SLA_WARNING, now=now
            )
            outbox = Outbox()
            assignees = _users_by_id({r["assignee_id"] for r in rows if r["assignee_id"]})
            for r in rows:
                # the person who can still meet the deadline, else the branch supervisors
                people = [assignees[r["assignee_id"]]] if r["assignee_id"] in assignees else cache.get(1, r["branch_id"])
                for user in people:
                    outbox.add(user, label, r["tracking_code"], r["id"])
            outbox.flush(kind="complaint_sla_warning")
            return len(rows)

    return _run_step(base, batch, batch_size)


def _users_by_id(ids) -> dict:
    from accounts.models import User

    if not ids:
        return {}
    return {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}


def _sweep_breaches(clock: str, now: datetime, batch_size: int, cache: RecipientCache) -> int:
    due_col, warn_col, breached_col, warned_col = CLOCK_COLUMNS[clock]
    base = _breach_base(clock, now)
    ack_due = now + _ack_delay()

    def batch(size: int) -> int:
        with transaction.atomic():
            # compare-and-set: a second sweep finds the mark already set and the rows gone from the index
            rows = _claim_and_flag(
                base, order_by=due_col, flag=breached_col, escalate=True, now=now, batch_size=size,
                fields=["id", "tracking_code", "branch_id", "escalation_level", "reopen_count"],
            )
            if rows:
                _escalate_rows(
                    rows, clock=clock, trigger=EscalationTrigger.BREACH, now=now, ack_due=ack_due, cache=cache,
                    cycle_of=lambda r: r["reopen_count"] if clock != Clock.FIRST_RESPONSE else 0,
                )
            return len(rows)

    return _run_step(base, batch, batch_size)


# --- draining a step: one connection, or several for a big backlog -----------------------------------


def _drain(batch, size: int, stop=None) -> int:
    """Run `batch(size)` (one batch in its own transaction, returns the rows it handled) until the
    backlog is empty, or `stop` (a threading.Event) is set: then after the batch in hand."""
    total = 0
    while stop is None or not stop.is_set():
        done = batch(size)
        total += done
        if done < size:
            break
    return total


def _sweep_workers() -> int:
    """Threads for a big backlog: CRM["SLA_SWEEP_WORKERS"] on PostgreSQL outside a transaction (each
    thread needs its own connection, and must see committed data only); otherwise one."""
    if not _is_postgres() or connection.in_atomic_block:
        return 1
    return max(1, int(settings.CRM.get("SLA_SWEEP_WORKERS", 2)))


def _run_step(base, batch, batch_size: int) -> int:
    """Drain one step of the sweep. A backlog of PARALLEL_MIN_BACKLOG rows or more (a burst after an
    outage, a holiday's deadlines falling due at once) is split between the worker threads: each
    claims its own batches (FOR UPDATE SKIP LOCKED never hands a row to two of them) in its own
    transaction, so the burst takes a fraction of the time and each row is still handled once."""
    workers = _sweep_workers()
    if workers > 1:
        backlog = base.order_by().values("pk")[: workers * batch_size].count()
        if backlog >= PARALLEL_MIN_BACKLOG:
            size = min(batch_size, -(-backlog // workers))
            return _in_threads(lambda stop: _drain(batch, size, stop), workers)
    return _drain(batch, batch_size)


def _in_threads(fn, workers: int) -> int:
    """Run `fn(stop)` in `workers` threads and add up their results. If this thread is interrupted
    (the task's soft time limit) or one of them fails, `stop` tells the others to finish the batch in
    hand and return; the rest of the backlog is the next sweep's."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    language = translation.get_language()
    stop = threading.Event()

    def run() -> int:
        try:
            with translation.override(language):
                return fn(stop)
        except BaseException:
            stop.set()
            raise
        finally:
            connections.close_all()  # this thread's own connections

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sla-sweep") as pool:
        futures = [pool.submit(run) for _i in range(workers)]
        try:
            return sum(f.result() for f in futures)
        except BaseException:
            stop.set()
            raise


def _escalate_rows(rows, *, clock, trigger, now, ack_due, cache, cycle_of, previous_of=None, actor=None, note=""):
    """Write one Escalation + one timeline event per row and notify the level's recipients.

    Rows are grouped by (level, branch): recipients, payloads and titles are built once per group and
    shared by its rows, so the per-row work is a few list appends."""
    groups: dict[tuple[int, int], list] = defaultdict(list)
    for r in rows:
        groups[(r["escalation_level"], r["branch_id"])].append(r)
    why = (
        f"{Clock(clock).label}{_('超时')}"
        if clock and trigger == EscalationTrigger.BREACH
        else str(EscalationTrigger(trigger).label)
    )
    outbox = Outbox()
    escalations = []
    events = []
    titles: dict[int, str] = {}
    for (level, branch_id), group in groups.items():
        people = cache.get(level, branch_id)
        if not people:
            logger.warning("escalation level %s of branch %s has no recipient", level, branch_id)
        recipients = _recipient_json(people)
        payload = {"level": level, "clock": clock or "", "trigger": str(trigger), "recipients": [str(u) for u in people]}
        for r in group:
            escalations.append(
                {
                    "complaint_id": r["id"], "level": level, "cycle": cycle_of(r),
                    "previous_id": previous_of(r) if previous_of else None, "recipients": recipients,
                }
            )
            events.append((r["id"], payload))
        if level not in titles:  # translated once per level, not per row
            titles[level] = _("投诉升级至%(level)s级（%(why)s）") % {"level": level, "why": why}
        items = [(r["tracking_code"], r["id"]) for r in group]
        for user in people:
            outbox.extend(user, titles[level], items)
    _bulk_escalations(escalations, trigger=trigger, clock=clock or "", now=now, ack_due=ack_due, actor=actor, note=note)
    _bulk_events(events, kind=EventKind.ESCALATED, now=now, actor=actor, body=note)
    outbox.flush(kind="complaint_escalation")


def _sweep_unacknowledged(now: datetime, batch_size: int, cache: RecipientCache) -> int:
    """Escalations nobody acknowledged in time climb one level (once: `ack_due_at` is cleared by the
    compare-and-set). At the top level the recipients are reminded instead."""
    base = _unacknowledged_base(now)
    ack_due = now + _ack_delay()
    total = 0
    while True:
        with transaction.atomic():
            ids = _claim(base, "ack_due_at", batch_size)
            if not ids:
                return total
            Escalation.objects.filter(id__in=ids, acknowledged_at__isnull=True, ack_due_at__isnull=False).update(
                ack_due_at=None
            )
            stale = list(Escalation.objects.filter(id__in=ids).values("id", "complaint_id", "level", "clock"))
            climbing = [e for e in stale if e["level"] < MAX_ESCALATION_LEVEL]
            at_top = [e for e in stale if e["level"] >= MAX_ESCALATION_LEVEL]
            if climbing:
                _climb(climbing, now=now, ack_due=ack_due, cache=cache)
            if at_top:
                outbox = Outbox()
                codes = dict(
                    Complaint.objects.filter(id__in=[e["complaint_id"] for e in at_top]).values_list(
                        "id", "tracking_code"
                    )
                )
                branches = dict(
                    Complaint.objects.filter(id__in=list(codes)).values_list("id", "branch_id")
                )
                reminder = _("最高级升级仍未确认")
                for e in at_top:
                    for user in cache.get(MAX_ESCALATION_LEVEL, branches[e["complaint_id"]]):
                        outbox.add(user, reminder, codes[e["complaint_id"]], e["complaint_id"])
                outbox.flush(kind="complaint_escalation")
            total += len(ids)
        if len(ids) < batch_size:
            return total


def _climb(stale: list[dict], *, now, ack_due, cache) -> None:
    # one climb per complaint per batch: from its highest unacknowledged level
    top: dict[int, dict] = {}
    for e in stale:
        if e["complaint_id"] not in top or e["level"] > top[e["complaint_id"]]["level"]:
            top[e["complaint_id"]] = e
    for level in {e["level"] for e in top.values()}:
        ids = [cid for cid, e in top.items() if e["level"] == level]
        ComplaintTimers.objects.filter(pk__in=ids, escalation_level__lte=level).update(
            escalation_level=level + 1, escalated_at=now
        )
    rows = list(Complaint.objects.filter(id__in=list(top)).values("id", "tracking_code", "branch_id"))
    for r in rows:
        r["escalation_level"] = top[r["id"]]["level"] + 1
    _escalate_rows(
        rows, clock=None, trigger=EscalationTrigger.UNACKNOWLEDGED, now=now, ack_due=ack_due, cache=cache,
        cycle_of=lambda r: 0, previous_of=lambda r: top[r["id"]]["id"],
    )


# --- people acting on the ladder --------------------------------------------------------------------


@transaction.atomic
def escalation_acknowledge(*, escalation: Escalation, actor, note: str = "") -> Escalation:
    """The named person (or anyone of the level's role in scope) takes the escalation: it stops
    climbing. Acknowledging twice is refused (409)."""
    pk = getattr(escalation, "pk", escalation)
    try:
        escalation = Escalation.objects.select_for_update(of=("self",)).select_related("complaint").get(pk=pk)
    except Escalation.DoesNotExist:
        raise DomainError(_("升级记录不存在。"), code="not_found")
    if actor is None or not perms.can_acknowledge_escalation(actor, escalation):
        raise PermissionDeniedError(_("您不是该升级的接收人，不能确认。"))
    if escalation.acknowledged_at is not None:
        raise TransitionNotAllowed(
            _("该升级已由 %(who)s 确认。") % {"who": escalation.acknowledged_by or "-"}, code="already_acknowledged"
        )
    now = timezone.now()
    escalation.acknowledged_at = now
    escalation.acknowledged_by = actor
    escalation.ack_due_at = None
    escalation.save(update_fields=["acknowledged_at", "acknowledged_by", "ack_due_at"])
    ComplaintEvent.objects.create(
        complaint=escalation.complaint, kind=EventKind.ESCALATION_ACKNOWLEDGED, actor=actor, body=(note or "").strip(),
        payload={"escalation_id": escalation.pk, "level": escalation.level}, created_at=now,
    )
    return escalation


@transaction.atomic
def escalation_raise(*, complaint: Complaint, actor, note: str) -> Escalation:
    """A supervisor (or anyone who can work the complaint) escalates by hand, one level up."""
    from complaints.services import _lock

    complaint = _lock(complaint)
    if actor is None or not perms.can_work(actor, complaint):
        raise PermissionDeniedError(_("您没有权限升级该投诉。"))
    if not complaint.is_open:
        raise TransitionNotAllowed(_("投诉已结束，不能升级。"))
    if not (note or "").strip():
        raise DomainError(_("请填写升级原因。"), field="note")
    if complaint.escalation_level >= MAX_ESCALATION_LEVEL:
        raise TransitionNotAllowed(_("投诉已在最高升级级别。"), code="max_level")
    now = timezone.now()
    level = complaint.escalation_level + 1
    ComplaintTimers.objects.filter(pk=complaint.pk).update(escalation_level=level, escalated_at=now)
    Complaint.objects.filter(pk=complaint.pk).update(version=F("version") + 1)
    row = {"id": complaint.pk, "tracking_code": complaint.tracking_code, "branch_id": complaint.branch_id,
           "escalation_level": level}
    _escalate_rows(
        [row], clock=None, trigger=EscalationTrigger.MANUAL, now=now, ack_due=now + _ack_delay(),
        cache=RecipientCache(), cycle_of=lambda r: 0, actor=actor, note=note.strip(),
    )
    return Escalation.objects.filter(complaint=complaint).order_by("-id").first()
