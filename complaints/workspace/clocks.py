"""How a complaint's two clocks look on screen: time left and a colour (on track / at risk / breached).

Pure functions over datetimes so the queue and the complaint page agree, and so they are testable
without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

ON_TRACK = "on_track"
AT_RISK = "at_risk"
BREACHED = "breached"
STOPPED = "stopped"  # met or no longer running
PAUSED = "paused"  # waiting on the borrower: the service clock does not run


@dataclass(frozen=True)
class Clock:
    label: str
    due_at: datetime | None
    status: str
    left: str  # "3天4小时" / "已超时 2小时" / "—"
    paused: bool = False

    @property
    def status_label(self) -> str:
        """Said in words too: colour alone is not an accessible cue."""
        return {
            ON_TRACK: _("正常进行"), AT_RISK: _("预警"), BREACHED: _("已超时"), PAUSED: _("已暂停"), STOPPED: _("已停止"),
        }.get(self.status, "")

    @property
    def css(self) -> str:
        return {ON_TRACK: "ok", AT_RISK: "warn", BREACHED: "bad"}.get(self.status, "")


def warning_ratio() -> float:
    return float(settings.CRM.get("SLA_WARNING_RATIO", 0.8))


def humanize_delta(delta: timedelta) -> str:
    """A short, sortable-looking duration: 2天3小时, 5小时12分, 40分."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)d天%(h)d小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d小时%(m)d分") % {"h": hours, "m": minutes}
    return _("%(m)d分") % {"m": minutes}


def clock(
    *,
    label: str,
    started_at: datetime | None,
    due_at: datetime | None,
    now: datetime,
    stopped: bool = False,
    paused: bool = False,
    ratio: float | None = None,
) -> Clock:
    """`stopped`: the clock no longer runs (met, resolved). `paused`: waiting on the borrower."""
    if due_at is None or stopped:
        return Clock(label=label, due_at=due_at, status=STOPPED, left="—")
    if paused:
        return Clock(label=label, due_at=due_at, status=PAUSED, left=_("已暂停"), paused=True)
    left = due_at - now
    if left.total_seconds() <= 0:
        return Clock(label=label, due_at=due_at, status=BREACHED, left=_("超时 %(t)s") % {"t": humanize_delta(left)}, paused=paused)
    ratio = warning_ratio() if ratio is None else ratio
    status = ON_TRACK
    if started_at is not None and due_at > started_at:
        elapsed = (now - started_at) / (due_at - started_at)
        if elapsed >= ratio:
            status = AT_RISK
    return Clock(label=label, due_at=due_at, status=status, left=humanize_delta(left), paused=paused)


def complaint_clocks(complaint, *, now: datetime) -> dict[str, Clock]:
    """The service clock that is running (first response, then resolution) and the regulatory one."""
    from complaints.choices import OPEN_STATES, State

    is_open = complaint.state in OPEN_STATES
    paused = complaint.state == State.WAITING_ON_BORROWER
    if complaint.first_responded_at is None:
        service = clock(
            label=_("首次响应"), started_at=complaint.received_at, due_at=complaint.first_response_due_at,
            now=now, stopped=not is_open, paused=paused,
        )
    else:
        service = clock(
            label=_("解决时限"), started_at=complaint.resolution_clock_started_at or complaint.received_at,
            due_at=complaint.resolution_due_at, now=now, stopped=not is_open, paused=paused,
        )
    regulatory = clock(
        label=_("监管时限"), started_at=complaint.received_at, due_at=complaint.regulatory_due_at,
        now=now, stopped=not is_open,
    )
    return {"service": service, "regulatory": regulatory}
