from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> datetime:
    """A moment in Shanghai local time: sh(2026, 3, 2, 10, 0) is Monday 10:00."""
    return datetime(*args, tzinfo=SH)


class FrozenClock:
    """`timezone.now()` under the test's control (services and the sweep read it)."""

    def __init__(self, monkeypatch, start: datetime):
        self.now = start
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return moment

    def advance(self, **kwargs) -> datetime:
        self.now = self.now + timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    # Monday 2 March 2026, 10:00 in Shanghai: a plain working day
    return FrozenClock(monkeypatch, sh(2026, 3, 2, 10, 0))


@pytest.fixture
def loan(borrower):
    from tests.factories import make_loan

    return make_loan(borrower=borrower)


@pytest.fixture
def make_complaint(branch):
    from complaints.services import complaint_create

    def make(**kwargs):
        kwargs.setdefault("complainant_name", "王先生")
        kwargs.setdefault("complainant_mobile", "13912345678")
        kwargs.setdefault("description", "客户经理一直联系不上，解押手续拖了两个月。")
        if "loan" not in kwargs and "borrower" not in kwargs:
            kwargs.setdefault("branch", branch)
        return complaint_create(**kwargs)

    return make


@pytest.fixture
def in_progress(make_complaint, agent):
    """A normal-priority complaint classified and started by `agent` (Mon 10:00 with `clock`)."""
    from complaints import services

    def make(**kwargs):
        c = make_complaint(**kwargs)
        c = services.complaint_classify(
            complaint=c, category=kwargs.get("category", "service_experience"),
            priority=kwargs.get("priority", "normal"), actor=agent,
        )
        return services.complaint_start(complaint=c, actor=agent)

    return make
