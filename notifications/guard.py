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

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_GUARD = "debt_collection.compliance.contact_check"
# rule codes of debt_collection.compliance (RULE_CASE_ON_HOLD, RULE_OPTED_OUT), matched loosely so a
# renamed or added rule of the same kind still lands on the safe side
HOLD_WORDS = ("hold", "dispute", "hardship")
OPT_OUT_WORDS = ("opted_out", "opt_out", "unsubscribe")


def _guard():
    return import_string(getattr(settings, "NOTIFICATIONS_CONTACT_GUARD", DEFAULT_GUARD))


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
