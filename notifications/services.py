"""Outbound messages: create (enqueued after commit) and send (idempotent).

`message_queue` is the one entry point every app uses to talk to a borrower or a staff member.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from common.tasks import enqueue_on_commit
from notifications.backends import PermanentSendError, TransientSendError, get_backend
from notifications.choices import MessageChannel, MessageStatus
from notifications.models import InAppNotification, OutboundMessage

logger = logging.getLogger(__name__)


def message_queue(
    *,
    channel: str,
    to: str,
    body: str,
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
) -> OutboundMessage:
    """Create a message and enqueue its send after the surrounding transaction commits.

    With a `dedupe_key`, asking twice returns the first message (never two sends).
    """
    fields = dict(
        channel=channel,
        to=to,
        body=body,
        title=title,
        borrower=borrower,
        installment=installment,
        recipient_user=recipient_user,
        template=template,
        language=language,
        scheduled_at=scheduled_at or timezone.now(),
        dedupe_key=dedupe_key,
        created_by=actor,
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
    if message.scheduled_at <= timezone.now():
        from notifications.tasks import send_message

        enqueue_on_commit(send_message, message.pk)
    return message


def notify_staff(*, user, title: str, body: str = "", link: str = "", kind: str = "", email: bool = True) -> None:
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


def message_send(*, message_id: int) -> str:
    """Send one message exactly once.

    Claims the row (queued/deferred → sending) with a compare-and-set; a second worker, or a rerun
    after the first succeeded, finds nothing to claim and does nothing. Returns the final status.
    Raises TransientSendError (after putting the row back to queued) so the task can retry.
    """
    now = timezone.now()
    claimed = OutboundMessage.objects.filter(
        pk=message_id, status__in=[MessageStatus.QUEUED, MessageStatus.DEFERRED], scheduled_at__lte=now
    ).update(status=MessageStatus.SENDING, attempts=F("attempts") + 1)
    message = OutboundMessage.objects.filter(pk=message_id).first()
    if message is None:
        logger.warning("message %s does not exist; skipped", message_id)
        return "missing"
    if not claimed:
        return message.status
    try:
        provider_id = get_backend(message.channel).send(message)
    except PermanentSendError as exc:
        OutboundMessage.objects.filter(pk=message_id).update(status=MessageStatus.FAILED, last_error=str(exc)[:2000])
        return MessageStatus.FAILED
    except TransientSendError as exc:
        OutboundMessage.objects.filter(pk=message_id, status=MessageStatus.SENDING).update(
            status=MessageStatus.QUEUED, last_error=str(exc)[:2000]
        )
        raise
    OutboundMessage.objects.filter(pk=message_id).update(
        status=MessageStatus.SENT, provider_id=provider_id or "", sent_at=timezone.now(), last_error=""
    )
    return MessageStatus.SENT
