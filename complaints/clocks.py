"""The two clocks: business-time arithmetic over a branch calendar, and the `*_due_at` computation.

Service SLA: business minutes of the branch's calendar (weekly working hours, holidays, make-up
working days 调休), paused while waiting on the borrower. Regulatory deadline: calendar days from
receipt, never paused, one extension.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from complaints.choices import FINAL_STATES, CalendarDayKind, Priority, State

# Used when no calendar is configured at all: Monday to Friday, 09:00–18:00.
DEFAULT_WEEKLY_HOURS = {wd: [(time(9), time(18))] for wd in range(5)}
# Used when no SlaPolicy row matches: (first response, resolution) in business minutes.
# A business day of the default calendar is 9 h = 540 minutes.
DEFAULT_TARGETS = {
    Priority.URGENT: (120, 540),
    Priority.HIGH: (240, 3 * 540),
    Priority.NORMAL: (540, 5 * 540),
    Priority.LOW: (2 * 540, 10 * 540),
}
MAX_SCAN_DAYS = 3 * 366  # a calendar with no working time at all must not loop forever


@dataclass
class WorkingTime:
    """Business time of one calendar in one time zone."""

    tz: ZoneInfo
    weekly: dict[int, list[tuple[time, time]]] = field(default_factory=lambda: dict(DEFAULT_WEEKLY_HOURS))
    # a date listed here replaces the weekly pattern: [] for a holiday, intervals for a make-up day
    overrides: dict[date, list[tuple[time, time]]] = field(default_factory=dict)

    def _has_any_hours(self) -> bool:
        return any(self.weekly.values()) or any(self.overrides.values())

    def intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        spans = self.overrides.get(day, self.weekly.get(day.weekday(), []))
        out = []
        for start, end in spans:
            s = datetime.combine(day, start, tzinfo=self.tz)
            e = datetime.combine(day, end, tzinfo=self.tz)
            if e > s:
                out.append((s, e))
        return sorted(out)

    def add_minutes(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` business minutes after `start` (start itself may be off hours)."""
        if minutes <= 0:
            return start
        if not self._has_any_hours():
            return start + timedelta(minutes=minutes)
        remaining = timedelta(minutes=minutes)
        local = start.astimezone(self.tz)
        day = local.date()
        for _i in range(MAX_SCAN_DAYS):
            for s, e in self.intervals_on(day):
                if e <= start:
                    continue
                s = max(s, start)
                available = e - s
                if remaining <= available:
                    return s + remaining
                remaining -= available
            day += timedelta(days=1)
        return start + timedelta(minutes=minutes)  # pragma: no cover - calendar without working time ahead

    def minutes_between(self, a: datetime, b: datetime) -> int:
        """Business minutes from a to b (0 if b is not after a)."""
        if b <= a:
            return 0
        if not self._has_any_hours():
            return int((b - a).total_seconds() // 60)
        total = timedelta()
        day = a.astimezone(self.tz).date()
        last = b.astimezone(self.tz).date()
        while day <= last:
            for s, e in self.intervals_on(day):
                lo, hi = max(s, a), min(e, b)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return int(total.total_seconds() // 60)


def working_time_for_branch(branch) -> WorkingTime:
    """The branch's calendar, else the default calendar, else Mon–Fri 09:00–18:00; branch time zone."""
    from complaints.models import BusinessCalendar

    tz = branch.tzinfo
    calendar = (
        BusinessCalendar.objects.filter(branch=branch).first()
        or BusinessCalendar.objects.filter(is_default=True).first()
    )
    if calendar is None:
        return WorkingTime(tz=tz)
    weekly: dict[int, list[tuple[time, time]]] = {}
    for h in calendar.hours.all():
        weekly.setdefault(h.weekday, []).append((h.start, h.end))
    monday = weekly.get(0) or DEFAULT_WEEKLY_HOURS[0]
    overrides = {}
    for day in calendar.holidays.all():
        if day.kind == CalendarDayKind.HOLIDAY:
            overrides[day.date] = []
        elif day.start and day.end:
            overrides[day.date] = [(day.start, day.end)]
        else:
            overrides[day.date] = list(monday)
    return WorkingTime(tz=tz, weekly=weekly, overrides=overrides)


def sla_targets(*, category: str, priority: str):
    """(policy or None, first-response minutes, resolution minutes)."""
    from complaints.models import SlaPolicy

    policy = SlaPolicy.objects.filter(category=category, priority=priority, is_active=True).first()
    if policy:
        return policy, policy.first_response_minutes, policy.resolution_minutes
    fr, res = DEFAULT_TARGETS.get(priority, DEFAULT_TARGETS[Priority.NORMAL])
    return None, fr, res


def _ratio() -> float:
    return float(settings.CRM["SLA_WARNING_RATIO"])


def current_pause_minutes(complaint, wt: WorkingTime, now: datetime) -> int:
    if complaint.sla_paused_at is None:
        return 0
    return wt.minutes_between(complaint.sla_paused_at, now)


def active_minutes(*, complaint, wt: WorkingTime, start: datetime, paused: int, now: datetime) -> int:
    """Business minutes the clock actually ran from `start` to `now` (pauses excluded)."""
    return max(0, wt.minutes_between(start, now) - paused - current_pause_minutes(complaint, wt, now))


def recompute_due_dates(complaint, wt: WorkingTime) -> None:
    """Set every `*_due_at` / `*_warn_at` from the targets, the starts and the pauses so far.

    Called on every state change. A stopped clock (first response given, complaint resolved) keeps
    its last deadline for the record.
    """
    ratio = _ratio()
    if complaint.first_responded_at is None and complaint.state not in FINAL_STATES:
        target = complaint.first_response_target_minutes
        paused = complaint.first_response_paused_minutes
        complaint.first_response_due_at = wt.add_minutes(complaint.received_at, target + paused)
        complaint.first_response_warn_at = wt.add_minutes(complaint.received_at, math.ceil(target * ratio) + paused)
    if complaint.state not in (State.RESOLVED, *FINAL_STATES):
        start = complaint.resolution_clock_started_at or complaint.received_at
        target = complaint.resolution_target_minutes
        paused = complaint.resolution_paused_minutes
        complaint.resolution_due_at = wt.add_minutes(start, target + paused)
        complaint.resolution_warn_at = wt.add_minutes(start, math.ceil(target * ratio) + paused)
    if complaint.reopen_count and complaint.regulatory_clock_started_at:
        start = complaint.regulatory_clock_started_at  # review of a reopened complaint (核查)
        days = settings.CRM.get("REGULATORY_REVIEW_DAYS", 30) + complaint.extended_days
    else:
        start = complaint.received_at
        days = settings.CRM["REGULATORY_DAYS"] + complaint.extended_days
    total = timedelta(days=days)
    complaint.regulatory_due_at = start + total
    complaint.regulatory_warn_at = start + total * ratio


def pause(complaint, now: datetime) -> None:
    complaint.sla_paused_at = now


def unpause(complaint, wt: WorkingTime, now: datetime) -> int:
    """Stop a pause; the business minutes it lasted extend the running clocks. Returns them."""
    if complaint.sla_paused_at is None:
        return 0
    minutes = wt.minutes_between(complaint.sla_paused_at, now)
    if complaint.first_responded_at is None:
        complaint.first_response_paused_minutes += minutes
    complaint.resolution_paused_minutes += minutes
    complaint.sla_paused_at = None
    return minutes


def remaining_minutes(complaint, wt: WorkingTime, now: datetime) -> dict:
    """Business minutes left per service clock (negative when overdue) — for display."""
    out = {}
    if complaint.first_responded_at is None and complaint.first_response_due_at:
        used = active_minutes(
            complaint=complaint, wt=wt, start=complaint.received_at,
            paused=complaint.first_response_paused_minutes, now=now,
        )
        out["first_response"] = complaint.first_response_target_minutes - used
    if complaint.resolved_at is None and complaint.resolution_due_at:
        used = active_minutes(
            complaint=complaint, wt=wt, start=complaint.resolution_clock_started_at or complaint.received_at,
            paused=complaint.resolution_paused_minutes, now=now,
        )
        out["resolution"] = complaint.resolution_target_minutes - used
    return out
