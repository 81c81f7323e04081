"""What comes back from providers: delivery receipts and borrowers' opt-out replies."""

from __future__ import annotations

import logging
import re

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from borrowers.models import Borrower, LoanEvent
from notifications.choices import MessageChannel, MessageStatus
from notifications.models import OutboundMessage

logger = logging.getLogger(__name__)

# 退订 / TD / T / STOP / UNSUBSCRIBE … as the whole reply (carriers and regulators both use these)
OPT_OUT_RE = re.compile(
    r"^\s*(td|t|退订|取消|stop|stopall|unsubscribe|cancel|end|quit)\s*[.!。！]?\s*$", re.IGNORECASE
)

DELIVERY_STATUSES = {
    "delivered": MessageStatus.DELIVERED,
    "failed": MessageStatus.FAILED,
    "undelivered": MessageStatus.FAILED,
    "rejected": MessageStatus.FAILED,
    "expired": MessageStatus.FAILED,
}


def message_delivery_update(
    *, status: str, provider_id: str = "", message_id: int | None = None, error: str = "", at=None
) -> int:
    """Apply a provider's delivery receipt. Idempotent: a repeated or late receipt changes nothing once
    the message is delivered or failed. Returns the number of messages changed (0 or 1)."""
    new_status = DELIVERY_STATUSES.get((status or "").lower())
    if new_status is None:
        raise ValueError(f"unknown delivery status {status!r}")
    if message_id:
        match = Q(pk=message_id)
    elif provider_id:
        match = Q(provider_id=provider_id)
    else:
        raise ValueError("provider_id or message_id required")
    now = at or timezone.now()
    fields = {"status": new_status}
    if new_status == MessageStatus.DELIVERED:
        fields["delivered_at"] = now
    else:
        fields["last_error"] = (error or "delivery failed")[:2000]
        fields["status_reason"] = "undelivered"
    # `sending` too: the receipt can overtake our own "sent" update
    qs = OutboundMessage.objects.filter(match, status__in=[MessageStatus.SENT, MessageStatus.SENDING])
    if provider_id and message_id:
        qs = qs.filter(Q(provider_id=provider_id) | Q(provider_id=""))
        fields["provider_id"] = provider_id[:128]
    return qs.update(**fields)


@transaction.atomic
def borrower_opt_out(*, borrower: Borrower, channel: str, source: str = "", actor=None) -> bool:
    """Add `channel` to the borrower's opt-outs, record it on the timeline and skip what is pending on
    that channel. Returns False when the borrower had already opted out (nothing changes)."""
    borrower = Borrower.objects.select_for_update().get(pk=borrower.pk)
    channels = list(borrower.opted_out_channels or [])
    if channel in channels:
        return False
    channels.append(channel)
    borrower.opted_out_channels = channels
    borrower.save(update_fields=["opted_out_channels", "updated_at"])
    LoanEvent.objects.create(
        borrower=borrower,
        kind="channel_opted_out",
        actor=actor,
        payload={"channel": channel, "source": source[:100]},
    )
    OutboundMessage.objects.filter(
        borrower=borrower, channel=channel, status__in=[MessageStatus.QUEUED, MessageStatus.DEFERRED]
    ).update(status=MessageStatus.SKIPPED, status_reason="opt_out", dispatched_at=None)
    return True


def _phone_variants(number: str) -> list[str]:
    digits = re.sub(r"\D", "", number or "")
    if not digits:
        return []
    variants = {digits, f"+{digits}"}
    if digits.startswith("86") and len(digits) == 13:
        variants |= {digits[2:]}
    return sorted(variants)


def inbound_message_receive(*, channel: str, sender: str, text: str) -> int:
    """A borrower wrote back. An opt-out keyword opts every borrower with that number/address out of
    the channel. Returns how many borrowers were opted out."""
    if not OPT_OUT_RE.match(text or ""):
        logger.info("inbound %s from ***%s is not an opt-out; ignored", channel, (sender or "")[-4:])
        return 0
    if channel == MessageChannel.SMS:
        borrowers = Borrower.objects.filter(mobile__in=_phone_variants(sender))
    elif channel == MessageChannel.EMAIL:
        borrowers = Borrower.objects.filter(email__iexact=(sender or "").strip())
    else:
        return 0
    changed = 0
    for borrower in borrowers[:20]:  # one number is shared by very few borrowers
        changed += borrower_opt_out(borrower=borrower, channel=channel, source=f"inbound {channel} reply")
    return changed
