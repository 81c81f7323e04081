"""Test doubles: a controllable compliance guard and an SMS provider that records every call.

Both are reached through settings (NOTIFICATIONS_CONTACT_GUARD, NOTIFICATION_BACKENDS) so that they
also work inside a real Celery worker process started by the worker tests."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import datetime

from notifications.backends import BaseBackend, PermanentSendError, Recovery, TransientSendError


@dataclass(frozen=True)
class ContactDecision:  # the shape of debt_collection.compliance.ContactDecision
    allowed: bool
    rule: str = ""
    message: str = ""
    next_allowed_at: datetime | None = None


@dataclass
class GuardState:
    quiet_until: datetime | None = None  # refuse with rule quiet_hours until then
    on_hold_borrowers: set = field(default_factory=set)
    calls: list = field(default_factory=list)


GUARD = GuardState()


def contact_check(*, borrower, channel, at, purpose, record=True):
    GUARD.calls.append((borrower.pk, channel, at, purpose, record))
    if borrower.pk in GUARD.on_hold_borrowers:
        return ContactDecision(False, "case_on_hold", "collection case on hold (complaint)")
    if borrower.has_opted_out(channel):
        return ContactDecision(False, "opt_out", f"opted out of {channel}")
    if GUARD.quiet_until and at < GUARD.quiet_until:
        return ContactDecision(False, "quiet_hours", "no contact 22:00–08:00", GUARD.quiet_until)
    return ContactDecision(True)


def allow_all(*, borrower, channel, at, purpose, record=True):
    return ContactDecision(True)


@dataclass
class ProviderState:
    calls: list = field(default_factory=list)  # message ids, one per call that the provider accepted
    fail_transient: int = 0  # this many next calls fail with a 503
    reject_numbers: set = field(default_factory=set)


PROVIDER = ProviderState()


class RecordingSmsBackend(BaseBackend):
    """Accepts a message by appending its id to PROVIDER.calls and, when NOTIFICATIONS_TEST_SMS_LOG is
    set (worker tests), to that file with one O_APPEND write, which survives a SIGKILL of the worker."""

    idempotent = False  # like a provider that cannot de-duplicate: a resend would be a second SMS

    @property
    def log_path(self):
        return os.environ.get("NOTIFICATIONS_TEST_SMS_LOG", "")

    def send(self, message) -> str:
        down_flag = os.environ.get("NOTIFICATIONS_TEST_SMS_DOWN", "")
        if down_flag and os.path.exists(down_flag):
            raise TransientSendError("HTTP 503 provider unavailable")
        delay = float(os.environ.get("NOTIFICATIONS_TEST_SMS_DELAY", "0") or 0)
        if delay:
            time.sleep(delay)
        if PROVIDER.fail_transient > 0:
            PROVIDER.fail_transient -= 1
            raise TransientSendError("HTTP 503 provider unavailable")
        if message.to in PROVIDER.reject_numbers:
            raise PermanentSendError("HTTP 400 invalid number")
        if self.log_path:
            fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, f"{message.pk}\n".encode())
            finally:
                os.close(fd)
        PROVIDER.calls.append(message.pk)
        return f"rec-{message.pk}"

    def lookup(self, message):
        if self.log_path:
            try:
                with open(self.log_path) as fh:
                    seen = {line.strip() for line in fh}
            except FileNotFoundError:
                seen = set()
            accepted = str(message.pk) in seen
        else:
            accepted = message.pk in PROVIDER.calls
        return (Recovery.ACCEPTED, f"rec-{message.pk}") if accepted else (Recovery.NOT_ACCEPTED, "")


class NoLookupSmsBackend(RecordingSmsBackend):
    def lookup(self, message):
        return Recovery.UNKNOWN, ""


class IdempotentSmsBackend(NoLookupSmsBackend):
    idempotent = True
