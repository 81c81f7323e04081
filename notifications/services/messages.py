"""Outbound messages: create (enqueued after commit), dispatch, send exactly once, recover.

Life of a message (status):

    queued ──claim (CAS)──▶ sending ──provider accepted──▶ sent ──callback──▶ delivered / failed
      ▲  ▲                    │ ├─ transient error (5xx, timeout) ─▶ queued again, later (backoff)
      │  └── deferred ◀───────┤ ├─ permanent error (4xx) ─▶ failed
      │    (quiet hours)      │ └─ guard: opted out ─▶ skipped · paid / on hold ─▶ cancelled
      └── stale-sending sweep ┘   (worker died mid-send; only when the provider did not accept it)

Exactly-once towards the provider rests on three things: the claim queued→sending is a
compare-and-set (two workers never both send); every provider call carries the message id as its
idempotency key; and a message stuck in `sending` after a crash goes back to `queued` only when the
backend says the provider does not have it (lookup) or de-duplicates on that key (idempotent). When
neither can be known (plain SMTP) it is marked failed with reason `outcome_unknown` instead: we prefer
a missed reminder to a duplicate one. See docs/notifications.md.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from common.tasks import enqueue_on_commit
from notifications.backends import PermanentSendError, Recovery, TransientSendError, get_backend
from notifications.choices import MessageChannel, MessageStatus
from notifications.models import InAppNotification, MessageTemplate, OutboundMessage
from notifications.templating import OPT_OUT_CHANNELS, opt_out_line, render

logger = logging.getLogger(__name__)

PENDING = [MessageStatus.QUEUED, MessageStatus.DEFERRED]
RETRY = "retry"  # message_send's answer when the provider had a transient error
REDISPATCH_AFTER = timedelta(minutes=10)  # an enqueued send task that never ran (broker lost it)
REMINDER_MAX_DEFER = timedelta(hours=48)  # a reminder deferred beyond this is no longer worth sending


def _crm(key: str, default):
    return settings.CRM.get(key, default)


def _publish_batches(batches: list[list[int]]) -> None:
    from notifications.tasks import send_batch

    # one producer (one broker connection) for all batches of a chunk, not one per task
    with send_batch.app.producer_or_acquire() as producer:
        for batch in batches:
            send_batch.apply_async(args=(batch,), producer=producer)


def _enqueue_batches(ids: list[int]) -> int:
    """Enqueue `send_batch` tasks for these ids, after the surrounding transaction commits."""
    size = max(1, int(_crm("MESSAGE_SEND_BATCH", 500)))
    batches = [ids[start : start + size] for start in range(0, len(ids), size)]
    transaction.on_commit(partial(_publish_batches, batches))
    return len(ids)


def template_find(*, code: str, language: str, channel: str) -> MessageTemplate | None:
    candidates = MessageTemplate.objects.filter(code=code, channel=channel, is_active=True)
    by_language = {t.language: t for t in candidates}
    return (
        by_language.get(language)
        or by_language.get(settings.LANGUAGE_CODE)
        or next(iter(by_language.values()), None)
    )


def message_render(*, code: str, language: str, channel: str, context: dict) -> tuple[str, str] | None:
    template = template_find(code=code, language=language, channel=channel)
    if template is None:
        return None
    return render(
        subject=template.subject,
        body=template.body,
        channel=channel,
        language=language,
        context=context,
        audience=template.audience,
    )


def message_queue(
    *,
    channel: str,
    to: str,
    body: str = "",
    title: str = "",
    borrower=None,
    installment=None,
    subject=None,
    recipient_user=None,
    template: str = "",
    language: str = "zh-hans",
    scheduled_at: datetime | None = None,
    dedupe_key: str | None = None,
    actor=None,
    context: dict | None = None,
) -> OutboundMessage:
    """Create a message and enqueue its send after the surrounding transaction commits.

    With `template` and no `body`, the text comes from the MessageTemplate (code, language, channel)
    rendered with `context`. Messages to a borrower by SMS/e-mail always carry the opt-out line.
    With a `dedupe_key`, asking twice returns the first message (never two sends).
    """
    if not body and template:
        rendered = message_render(code=template, language=language, channel=channel, context=context or {})
        if rendered is None:
            logger.error(
                "message template %s/%s/%s missing; message not created", template, language, channel
            )
            raise MessageTemplate.DoesNotExist(f"no template {template!r} for {language}/{channel}")
        title, body = (title or rendered[0]), rendered[1]
    if borrower is not None and channel in OPT_OUT_CHANNELS and opt_out_line(language) not in body:
        body = (
            f"{body}\n\n{opt_out_line(language)}"
            if channel == MessageChannel.EMAIL
            else f"{body} {opt_out_line(language)}"
        )
    now = timezone.now()
    scheduled_at = scheduled_at or now
    due_now = scheduled_at <= now
    fields = dict(
        channel=channel,
        to=to,
        body=body,
        title=title[:200],
        borrower=borrower,
        installment=installment,
        recipient_user=recipient_user,
        template=template,
        language=language,
        scheduled_at=scheduled_at,
        dedupe_key=dedupe_key,
        created_by=actor,
        dispatched_at=now if due_now else None,
    )
    if subject is not None:
        fields["subject_type"] = ContentType.objects.get_for_model(subject)
        fields["subject_id"] = subject.pk
    if dedupe_key:
        existing = OutboundMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing:
            return existing
        try:
            with transaction.atomic():
                message = OutboundMessage.objects.create(**fields)
        except IntegrityError:
            return OutboundMessage.objects.get(dedupe_key=dedupe_key)
    else:
        message = OutboundMessage.objects.create(**fields)
    if due_now:
        from notifications.tasks import send_message

        enqueue_on_commit(send_message, message.pk)
    return message


def notify_staff(
    *, user, title: str, body: str = "", link: str = "", kind: str = "", email: bool = True
) -> None:
    """In-app notice now, plus an e-mail when the user has an address."""
    InAppNotification.objects.create(user=user, title=title[:200], body=body, link=link, kind=kind)
    if email and user.email:
        message_queue(
            channel=MessageChannel.EMAIL,
            to=user.email,
            title=title,
            body=f"{body}\n\n{link}".strip(),
            recipient_user=user,
            template=kind,
        )


# --- sending -----------------------------------------------------------------------------------


def _backoff(attempts: int) -> timedelta:
    first = int(_crm("MESSAGE_RETRY_BASE_SECONDS", 30))
    base = min(first * 2 ** max(attempts - 1, 0), 1800)
    return timedelta(seconds=base + random.uniform(0, base / 4))  # noqa: S311 (jitter, not crypto)


def _finish(message_id: int, **fields) -> bool:
    """Leave `sending` for another status; a no-op if someone else already moved the row."""
    return bool(OutboundMessage.objects.filter(pk=message_id, status=MessageStatus.SENDING).update(**fields))


def _reminder_context(message: OutboundMessage, now: datetime) -> dict:
    installment = message.installment
    loan = installment.loan
    borrower = message.borrower
    branch = borrower.branch
    today = now.astimezone(branch.tzinfo).date()
    return {
        "name": borrower.name,
        "contract_number": loan.contract_number,
        "due_date": installment.due_date.isoformat(),
        "amount": f"{installment.total_outstanding:,.2f}",
        "days_to_due": max((installment.due_date - today).days, 0),
        "days_overdue": max((today - installment.due_date).days, 0),
        "branch_name": branch.name,
        "branch_phone": branch.phone,
    }


def _reminder_gate(message: OutboundMessage, now: datetime) -> tuple[str, dict] | None:
    """Why a claimed reminder must not go out now, as (status, fields); None to send it."""
    from notifications.guard import reminder_contact_check

    installment = message.installment
    if installment is None or installment.settled:
        return MessageStatus.CANCELLED, {"status_reason": "installment_settled"}
    if not installment.is_active:
        return MessageStatus.CANCELLED, {"status_reason": "schedule_replaced"}
    if installment.loan.status != "active":
        return MessageStatus.CANCELLED, {"status_reason": f"loan_{installment.loan.status}"}
    outcome = reminder_contact_check(borrower=message.borrower, channel=message.channel, at=now)
    if outcome.action == "send":
        return None
    if outcome.action == "cancel":
        return MessageStatus.CANCELLED, {"status_reason": outcome.reason or "on_hold"}
    if outcome.action == "defer":
        if outcome.until - message.created_at > REMINDER_MAX_DEFER:
            return MessageStatus.SKIPPED, {"status_reason": f"expired ({outcome.reason})"[:200]}
        return MessageStatus.DEFERRED, {
            "status_reason": outcome.reason,
            "scheduled_at": outcome.until,
            "dispatched_at": None,
            "attempts": F("attempts") - 1,  # a deferral is not a send attempt
        }
    return MessageStatus.SKIPPED, {"status_reason": outcome.reason or "refused"}


def message_send(*, message_id: int, now: datetime | None = None) -> str:
    """Send one message at most once per claim; returns its status after this call, or RETRY.

    Claims the row (queued/deferred → sending) with a compare-and-set; a second worker, or a rerun
    after the first succeeded, finds nothing to claim and does nothing. A transient provider error
    puts the row back to queued with a backoff (`scheduled_at`) and returns RETRY; the dispatcher
    picks it up again when that time comes.
    """
    now = now or timezone.now()
    claimed = OutboundMessage.objects.filter(pk=message_id, status__in=PENDING, scheduled_at__lte=now).update(
        status=MessageStatus.SENDING, attempts=F("attempts") + 1, sending_started_at=now
    )
    message = (
        OutboundMessage.objects.select_related("borrower__branch", "installment__loan", "reminder_step")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        logger.warning("message %s does not exist; skipped", message_id)
        return "missing"
    if not claimed:
        return message.status

    if message.is_reminder:
        gate = _reminder_gate(message, now)
        if gate is not None:
            status, fields = gate
            _finish(message_id, status=status, sending_started_at=None, **fields)
            return status
        rendered = message_render(
            code=message.template,
            language=message.language,
            channel=message.channel,
            context=_reminder_context(message, now),
        )
        if rendered is None:
            _finish(
                message_id, status=MessageStatus.FAILED, last_error=f"template {message.template!r} missing"
            )
            return MessageStatus.FAILED
        message.title, message.body = rendered
        OutboundMessage.objects.filter(pk=message_id, status=MessageStatus.SENDING).update(
            title=message.title, body=message.body
        )

    try:
        provider_id = get_backend(message.channel).send(message)
    except PermanentSendError as exc:
        _finish(message_id, status=MessageStatus.FAILED, last_error=str(exc)[:2000], status_reason="rejected")
        return MessageStatus.FAILED
    except TransientSendError as exc:
        if message.attempts >= int(_crm("MESSAGE_MAX_ATTEMPTS", 10)):
            _finish(
                message_id,
                status=MessageStatus.FAILED,
                last_error=str(exc)[:2000],
                status_reason="max_attempts",
            )
            return MessageStatus.FAILED
        _finish(
            message_id,
            status=MessageStatus.QUEUED,
            last_error=str(exc)[:2000],
            scheduled_at=timezone.now() + _backoff(message.attempts),
            dispatched_at=None,
            sending_started_at=None,
        )
        return RETRY
    # `queued` too: if a sweep wrongly took the row back while the provider was slow, this send
    # still counts and the row must not go out again.
    OutboundMessage.objects.filter(
        pk=message_id, status__in=[MessageStatus.SENDING, MessageStatus.QUEUED]
    ).update(
        status=MessageStatus.SENT,
        provider_id=(provider_id or "")[:128],
        sent_at=timezone.now(),
        last_error="",
        status_reason="",
    )
    return MessageStatus.SENT


def message_send_batch(*, message_ids: list[int], now: datetime | None = None) -> dict:
    """Send a batch. On a transient error the channel's provider is presumed down: the rest of the
    batch on that channel is not tried now but handed back to the dispatcher for after the backoff."""
    channels = dict(OutboundMessage.objects.filter(pk__in=message_ids).values_list("id", "channel"))
    counts: dict[str, int] = {}
    broken: dict[str, datetime] = {}
    postponed: dict[str, list[int]] = {}
    for message_id in message_ids:
        channel = channels.get(message_id)
        if channel is None:
            continue
        if channel in broken:
            postponed.setdefault(channel, []).append(message_id)
            continue
        status = message_send(message_id=message_id, now=now)
        counts[status] = counts.get(status, 0) + 1
        if status == RETRY:
            broken[channel] = OutboundMessage.objects.values_list("scheduled_at", flat=True).get(
                pk=message_id
            )
    for channel, ids in postponed.items():
        OutboundMessage.objects.filter(pk__in=ids, status__in=PENDING).update(
            dispatched_at=None, scheduled_at=broken[channel]
        )
        counts["postponed"] = counts.get("postponed", 0) + len(ids)
    return counts


def messages_dispatch_due(
    *,
    now: datetime | None = None,
    limit: int = 5000,
    rounds: int = 20,
    redispatch_after: timedelta = REDISPATCH_AFTER,
) -> int:
    """Enqueue sends for queued/deferred messages whose time has come (set-based, every minute).

    Claims rows by setting `dispatched_at` under `FOR UPDATE SKIP LOCKED`, so two dispatchers never
    enqueue the same message; a message whose task was enqueued but never ran (lost by the broker)
    is dispatched again after `redispatch_after`.
    """
    now = now or timezone.now()
    total = 0
    for _ in range(rounds):
        with transaction.atomic():
            ids = list(
                OutboundMessage.objects.select_for_update(skip_locked=True)
                .filter(status__in=PENDING, scheduled_at__lte=now)
                .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - redispatch_after))
                .order_by("scheduled_at", "id")
                .values_list("id", flat=True)[:limit]
            )
            if not ids:
                break
            OutboundMessage.objects.filter(pk__in=ids).update(dispatched_at=now)
            total += _enqueue_batches(ids)
        if len(ids) < limit:
            break
    return total


def messages_recover_stale(
    *, now: datetime | None = None, older_than: timedelta | None = None, limit: int = 1000
) -> dict:
    """Messages left in `sending` by a worker that died (SIGKILL, OOM, lost node).

    Per backend: a provider lookup by our id decides (accepted → sent, not accepted → queued again);
    without a lookup, an idempotent backend is simply re-queued (the provider drops the duplicate),
    and any other is failed with `outcome_unknown` rather than risk sending twice.
    """
    now = now or timezone.now()
    if older_than is None:
        older_than = timedelta(seconds=int(_crm("MESSAGE_SENDING_STALE_SECONDS", 300)))
    cutoff = now - older_than
    stale = list(
        OutboundMessage.objects.filter(status=MessageStatus.SENDING)
        .filter(Q(sending_started_at__lt=cutoff) | Q(sending_started_at__isnull=True))
        .order_by("id")[:limit]
    )
    result = {"sent": 0, "requeued": 0, "failed": 0, "kept": 0}
    backends = {}
    for message in stale:
        backend = backends.setdefault(message.channel, get_backend(message.channel))
        try:
            verdict, provider_id = backend.lookup(message)
        except TransientSendError as exc:  # provider down: ask again next sweep
            logger.warning("lookup of message %s failed: %s", message.pk, exc)
            result["kept"] += 1
            continue
        still_stale = OutboundMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).filter(
            Q(sending_started_at__lt=cutoff) | Q(sending_started_at__isnull=True)
        )
        if verdict is Recovery.ACCEPTED:
            changed = still_stale.update(
                status=MessageStatus.SENT,
                provider_id=provider_id[:128],
                sent_at=now,
                status_reason="recovered: provider had accepted",
            )
            key = "sent"
        elif verdict is Recovery.NOT_ACCEPTED or backend.idempotent:
            changed = still_stale.update(
                status=MessageStatus.QUEUED,
                dispatched_at=None,
                sending_started_at=None,
                status_reason="recovered",
            )
            key = "requeued"
        else:
            changed = still_stale.update(
                status=MessageStatus.FAILED,
                status_reason="outcome_unknown",
                last_error="worker stopped during the provider call; not re-sent to avoid a duplicate",
            )
            key = "failed"
        result[key] += changed
    if result["sent"] or result["requeued"] or result["failed"]:
        logger.warning("recovered stale sending messages: %s", result)
    return result
