"""Business-time arithmetic: weekends, holidays, make-up working days, lunch breaks, time zones; and
the due dates a new complaint gets from its SLA policy."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest

from complaints.clocks import WorkingTime, working_time_for_branch
from complaints.models import BusinessCalendar, Holiday, SlaPolicy, WorkingHours
from tests.complaints.conftest import SH, sh
from tests.factories import BranchFactory

pytestmark = pytest.mark.django_db


def default_calendar():
    return BusinessCalendar.objects.get(is_default=True)


def test_seeded_policies_cover_every_category_and_priority():
    assert SlaPolicy.objects.count() == 7 * 4
    urgent = SlaPolicy.objects.get(category="overdue_repayment", priority="urgent")
    assert (urgent.first_response_minutes, urgent.resolution_minutes) == (120, 540)


def test_adding_minutes_within_a_working_day(branch):
    wt = working_time_for_branch(branch)
    assert wt.add_minutes(sh(2026, 3, 2, 10, 0), 90) == sh(2026, 3, 2, 11, 30)


def test_adding_minutes_across_a_weekend(branch):
    wt = working_time_for_branch(branch)
    # Friday 17:00 + 2 business hours: one hour on Friday, one on Monday
    assert wt.add_minutes(sh(2026, 3, 6, 17, 0), 120) == sh(2026, 3, 9, 10, 0)
    # a start on Saturday counts from Monday's opening
    assert wt.add_minutes(sh(2026, 3, 7, 12, 0), 30) == sh(2026, 3, 9, 9, 30)
    assert wt.minutes_between(sh(2026, 3, 6, 17, 0), sh(2026, 3, 9, 10, 0)) == 120


def test_a_holiday_is_skipped(branch):
    Holiday.objects.create(calendar=default_calendar(), date=sh(2026, 3, 9, 0, 0).date(), name="测试假日")
    wt = working_time_for_branch(branch)
    # Friday 17:00 + 2 h: Monday is a holiday, so Tuesday 10:00
    assert wt.add_minutes(sh(2026, 3, 6, 17, 0), 120) == sh(2026, 3, 10, 10, 0)
    assert wt.minutes_between(sh(2026, 3, 6, 17, 0), sh(2026, 3, 10, 10, 0)) == 120


def test_a_makeup_working_day_counts(branch):
    # 调休: Saturday 7 March worked, with Monday's hours
    Holiday.objects.create(calendar=default_calendar(), date=sh(2026, 3, 7, 0, 0).date(), kind="makeup_workday")
    wt = working_time_for_branch(branch)
    assert wt.add_minutes(sh(2026, 3, 6, 17, 0), 120) == sh(2026, 3, 7, 10, 0)


def test_a_branch_calendar_with_a_lunch_break_and_its_own_time_zone():
    urumqi = BranchFactory(code="XJ", name="乌鲁木齐分公司", time_zone="Asia/Urumqi")
    calendar = BusinessCalendar.objects.create(name="新疆", branch=urumqi)
    for wd in range(6):  # Monday to Saturday, 10:00–13:30 and 15:00–19:30 local
        WorkingHours.objects.create(calendar=calendar, weekday=wd, start=time(10), end=time(13, 30))
        WorkingHours.objects.create(calendar=calendar, weekday=wd, start=time(15), end=time(19, 30))
    wt = working_time_for_branch(urumqi)
    tz = ZoneInfo("Asia/Urumqi")
    start = sh(2026, 3, 2, 15, 0)  # 13:00 in Urumqi
    due = wt.add_minutes(start, 60)
    # 30 minutes before lunch, 30 after
    assert due.astimezone(tz).replace(tzinfo=None).isoformat() == "2026-03-02T15:30:00"
    # Saturday works there, Sunday does not
    sat_end = wt.add_minutes(sh(2026, 3, 7, 23, 0), 60)  # Sat 21:00 Urumqi → Monday 11:00
    assert sat_end.astimezone(tz).strftime("%a %H:%M") == "Mon 11:00"


def test_without_any_calendar_the_builtin_weekdays_apply(branch):
    BusinessCalendar.objects.all().delete()
    wt = working_time_for_branch(branch)
    assert wt.add_minutes(sh(2026, 3, 6, 17, 0), 120) == sh(2026, 3, 9, 10, 0)


def test_a_calendar_with_no_hours_falls_back_to_wall_clock_time():
    wt = WorkingTime(tz=SH, weekly={})
    assert wt.add_minutes(sh(2026, 3, 7, 12, 0), 30) == sh(2026, 3, 7, 12, 30)


def test_new_complaint_gets_both_clocks(clock, make_complaint):
    c = make_complaint(category="other")  # normal priority: 1 business day / 5 business days
    assert c.received_at == sh(2026, 3, 2, 10, 0)
    assert c.first_response_due_at == sh(2026, 3, 3, 10, 0)
    assert c.first_response_warn_at == sh(2026, 3, 2, 17, 12)  # 80 % of 540 minutes
    assert c.resolution_due_at == sh(2026, 3, 9, 10, 0)
    assert c.regulatory_due_at == sh(2026, 3, 17, 10, 0)  # 15 calendar days, weekends included


def test_policy_edits_in_the_admin_apply_to_new_complaints(clock, make_complaint):
    SlaPolicy.objects.filter(category="other", priority="normal").update(first_response_minutes=60)
    c = make_complaint(category="other")
    assert c.first_response_due_at == sh(2026, 3, 2, 11, 0)


def test_collection_conduct_starts_at_high_priority(clock, make_complaint):
    c = make_complaint(category="collection_conduct")
    assert c.priority == "high"
    # seeded: half of high's 4 h first response
    assert c.first_response_due_at == c.received_at + timedelta(hours=2)
