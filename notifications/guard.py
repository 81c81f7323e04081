"""The one door from notifications to the contact-compliance guard (debt_collection.compliance).

`contact_check(borrower=, channel=, at=, purpose=, record=)` returns a ContactDecision with `allowed`,
`rule`, `message`, `next_allowed_at`. This module turns a refusal into what happens to the message:

- the case is on hold (complaint, dispute, hardship) → cancelled
- the borrower opted out of the channel            → skipped (and recorded by the guard)
- not now but later (quiet hours, do-not-contact-until, frequency) → deferred to `next_allowed_at`
- any other refusal                                 → skipped, with the rule as the reason

`settings.NOTIFICATIONS_CONTACT_GUARD` (a dotted path) exists for the test worker only; production
always uses the collections guard.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DEFAULT_GUARD = "debt_collection.compliance.contact_check"
HOLD_WORDS = ("hold", "dispute", "hardship")
OPT_OUT_WORDS = ("opt", "unsubscribe", "do_not_contact_channel")


@dataclass(frozen=True)
class FallbackDecision:
    allowed: bool
    rule: str = ""
    message: str = ""
    next_allowed_at: datetime | None = None


def _fallback_contact_check(*, borrower, channel, at, purpose="", record=True):
    """Used only while the collections guard is not installed: opt-outs, do-not-contact-until and
    CN quiet hours (22:00–08:00 branch-local). Conservative, never more permissive than the guard."""
    if borrower.has_opted_out(channel):
        return FallbackDecision(False, "opt_out", f"borrower opted out of {channel}")
    if borrower.do_not_contact_until and borrower.do_not_contact_until > at:
        return FallbackDecision(False, "do_not_contact_until", "do not contact until", borrower.do_not_contact_until)
    tz = borrower.branch.tzinfo
    local = at.astimezone(tz)
    if local.hour >= 22 or local.hour < 8:
        day = local.date() + timedelta(days=1) if local.hour >= 22 else local.date()
        return FallbackDecision(False, "quiet_hours", "22:00–08:00", datetime.combine(day, time(8, 0), tzinfo=tz))
    return FallbackDecision(True)


def _guard():
    path = getattr(settings, "NOTIFICATIONS_CONTACT_GUARD", DEFAULT_GUARD)
    try:
        return import_string(path)
    except ImportError:
        if path != DEFAULT_GUARD:
            raise
        logger.warning("debt_collection.compliance is not installed; using the built-in fallback guard")
        return _fallback_contact_check


@dataclass(frozen=True)
class GuardOutcome:
    action: str  # "send" | "cancel" | "skip" | "defer"
    reason: str = ""
    until: datetime | None = None


def reminder_contact_check(*, borrower, channel: str, at: datetime) -> GuardOutcome:
    decision = _guard()(borrower=borrower, channel=channel, at=at, purpose="reminder", record=True)
    if decision.allowed:
        if borrower.has_opted_out(channel):  # belt and braces: never text someone who said STOP
            return GuardOutcome("skip", "opt_out")
        return GuardOutcome("send")
    rule = (decision.rule or "refused").lower()
    reason = f"{decision.rule}: {decision.message}".strip(": ")[:200]
    if any(word in rule for word in HOLD_WORDS):
        return GuardOutcome("cancel", reason)
    if any(word in rule for word in OPT_OUT_WORDS) or borrower.has_opted_out(channel):
        return GuardOutcome("skip", reason)
    if decision.next_allowed_at:
        return GuardOutcome("defer", reason, max(decision.next_allowed_at, at + timedelta(minutes=1)))
    return GuardOutcome("skip", reason)
