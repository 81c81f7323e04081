"""The guard itself, rule by rule at its boundary, in the borrower's branch time zone.

The same boundaries are exercised through the page, the API and a task in test_contact_paths.py.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from debt_collection.compliance import contact_check
from debt_collection.models import BlockedContact, ContactRulePack
from tests.debt_collection.helpers import local, log_calls
from tests.factories import BorrowerFactory, BranchFactory

pytestmark = pytest.mark.django_db

SH = "Asia/Shanghai"
LA = "America/Los_Angeles"


def test_packs_are_seeded_with_the_design_numbers():
    cn = ContactRulePack.objects.get(code="CN")
    us = ContactRulePack.objects.get(code="US")
    assert (cn.quiet_start.hour, cn.quiet_end.hour, cn.max_unanswered_calls_per_number_per_day) == (22, 8, 6)
    assert (us.quiet_start.hour, us.quiet_end.hour, us.max_calls_per_debt_in_period, us.days_after_conversation) == (21, 8, 7, 7)
    assert cn.third_party_failed_attempts == us.third_party_failed_attempts == 3


# --- local hours -------------------------------------------------------------------------------------


def test_cn_2159_is_allowed_and_2200_is_refused_in_the_borrowers_time_zone(borrower):
    assert contact_check(borrower=borrower, channel="call", at=local(SH, 2026, 3, 20, 21, 59)).allowed
    decision = contact_check(borrower=borrower, channel="call", at=local(SH, 2026, 3, 20, 22, 0))
    assert (decision.allowed, decision.rule) == (False, "quiet_hours")
    assert decision.next_allowed_at == local(SH, 2026, 3, 21, 8, 0)
    assert "22:00" in decision.message


def test_cn_0759_refused_until_0800_same_morning(borrower):
    decision = contact_check(borrower=borrower, channel="sms", at=local(SH, 2026, 3, 21, 7, 59))
    assert decision.rule == "quiet_hours" and decision.next_allowed_at == local(SH, 2026, 3, 21, 8, 0)
    assert contact_check(borrower=borrower, channel="sms", at=local(SH, 2026, 3, 21, 8, 0)).allowed


def test_hours_are_the_borrowers_branch_zone_not_the_servers(hq_branch):
    # A CN-pack branch on Almaty time (UTC+5): 23:59 in Shanghai is 20:59 there — allowed;
    # 22:00 there is 01:00 in Shanghai — refused until 08:00 local.
    almaty = BranchFactory(code="KZ", parent=hq_branch, time_zone="Asia/Almaty")
    b = BorrowerFactory(branch=almaty)
    assert contact_check(borrower=b, channel="call", at=local(SH, 2026, 3, 20, 23, 59)).allowed
    decision = contact_check(borrower=b, channel="call", at=local("Asia/Almaty", 2026, 3, 20, 22, 0))
    assert decision.rule == "quiet_hours"
    assert decision.next_allowed_at == local("Asia/Almaty", 2026, 3, 21, 8, 0)


def test_us_2059_allowed_2100_refused(us_borrower):
    assert contact_check(borrower=us_borrower, channel="call", at=local(LA, 2026, 3, 20, 20, 59)).allowed
    decision = contact_check(borrower=us_borrower, channel="call", at=local(LA, 2026, 3, 20, 21, 0))
    assert decision.rule == "quiet_hours"
    assert decision.next_allowed_at.astimezone(ZoneInfo(LA)) == local(LA, 2026, 3, 21, 8, 0)


def test_letters_are_not_subject_to_hours(borrower):
    assert contact_check(borrower=borrower, channel="letter", at=local(SH, 2026, 3, 20, 23, 0)).allowed


# --- frequency -----------------------------------------------------------------------------------------


def test_cn_sixth_unanswered_call_allowed_seventh_refused(borrower, case):
    log_calls(borrower=borrower, case=case, at=local(SH, 2026, 3, 20, 9, 0), n=5)
    at = local(SH, 2026, 3, 20, 15, 0)
    assert contact_check(borrower=borrower, channel="call", at=at, case=case).allowed  # the 6th
    log_calls(borrower=borrower, case=case, at=local(SH, 2026, 3, 20, 14, 0), n=1)
    decision = contact_check(borrower=borrower, channel="call", at=at, case=case)  # the 7th
    assert (decision.allowed, decision.rule) == (False, "daily_unanswered_calls")
    assert decision.next_allowed_at == local(SH, 2026, 3, 21, 8, 0)


def test_cn_unanswered_calls_count_per_local_day_and_per_number(borrower, case):
    # six unanswered yesterday evening (local) do not count today
    log_calls(borrower=borrower, case=case, at=local(SH, 2026, 3, 19, 20, 0), n=6)
    assert contact_check(borrower=borrower, channel="call", at=local(SH, 2026, 3, 20, 8, 30), case=case).allowed
    # six unanswered today on another number do not count for the mobile
    log_calls(borrower=borrower, case=case, at=local(SH, 2026, 3, 20, 9, 0), n=6, number="02100000000")
    assert contact_check(borrower=borrower, channel="call", at=local(SH, 2026, 3, 20, 12, 0), case=case).allowed


def test_cn_answered_calls_do_not_count_toward_the_unanswered_limit(borrower, case):
    log_calls(borrower=borrower, case=case, at=local(SH, 2026, 3, 20, 9, 0), n=8, outcome="refused")
    assert contact_check(borrower=borrower, channel="call", at=local(SH, 2026, 3, 20, 18, 0), case=case).allowed


def test_us_seventh_call_in_seven_days_allowed_eighth_refused(us_borrower, us_case):
    start = local(LA, 2026, 3, 14, 10, 0)
    log_calls(borrower=us_borrower, case=us_case, at=start, n=6, step_minutes=24 * 60)  # one a day, 14th..19th
    at = local(LA, 2026, 3, 20, 10, 0)
    assert contact_check(borrower=us_borrower, channel="call", at=at, case=us_case).allowed  # 7th
    log_calls(borrower=us_borrower, case=us_case, at=at, n=1)
    decision = contact_check(borrower=us_borrower, channel="call", at=at + timedelta(hours=1), case=us_case)  # 8th
    assert (decision.allowed, decision.rule) == (False, "weekly_calls")
    # the oldest of the seven (14 March 10:00) leaves the window 7 days later
    assert decision.next_allowed_at == local(LA, 2026, 3, 21, 10, 0)


def test_us_no_call_within_seven_days_after_a_conversation(us_borrower, us_case):
    talked = local(LA, 2026, 3, 10, 11, 0)
    log_calls(borrower=us_borrower, case=us_case, at=talked, n=1, outcome="promise")
    decision = contact_check(borrower=us_borrower, channel="call", at=local(LA, 2026, 3, 17, 10, 59), case=us_case)
    assert decision.rule == "after_conversation"
    assert decision.next_allowed_at == local(LA, 2026, 3, 17, 11, 0)
    assert contact_check(borrower=us_borrower, channel="call", at=local(LA, 2026, 3, 17, 11, 0), case=us_case).allowed


def test_frequency_rules_do_not_apply_to_reminders_or_sms(borrower, case):
    log_calls(borrower=borrower, case=case, at=local(SH, 2026, 3, 20, 9, 0), n=6)
    at = local(SH, 2026, 3, 20, 15, 0)
    assert contact_check(borrower=borrower, channel="call", at=at, case=case, purpose="reminder").allowed
    assert contact_check(borrower=borrower, channel="sms", at=at, case=case).allowed


# --- third parties -------------------------------------------------------------------------------------


def test_emergency_contact_refused_until_three_failed_attempts_in_a_row(borrower, case, emergency_contact):
    at = local(SH, 2026, 3, 20, 15, 0)
    log_calls(borrower=borrower, case=case, at=local(SH, 2026, 3, 20, 9, 0), n=2)
    decision = contact_check(borrower=borrower, channel="call", at=at, case=case, emergency_contact=emergency_contact)
    assert decision.rule == "third_party_not_unreachable"
    log_calls(borrower=borrower, case=case, at=local(SH, 2026, 3, 20, 10, 0), n=1)
    assert contact_check(borrower=borrower, channel="call", at=at, case=case, emergency_contact=emergency_contact).allowed


def test_an_answered_call_resets_the_failed_streak(borrower, case, emergency_contact):
    log_calls(borrower=borrower, case=case, at=local(SH, 2026, 3, 20, 9, 0), n=3)
    log_calls(borrower=borrower, case=case, at=local(SH, 2026, 3, 20, 10, 0), n=1, outcome="refused")
    at = local(SH, 2026, 3, 20, 15, 0)
    assert not contact_check(borrower=borrower, channel="call", at=at, emergency_contact=emergency_contact).allowed


def test_an_invalid_number_makes_the_borrower_unreachable_at_once(borrower, case, emergency_contact):
    log_calls(borrower=borrower, case=case, at=local(SH, 2026, 3, 20, 9, 0), n=1, outcome="wrong_number")
    at = local(SH, 2026, 3, 20, 15, 0)
    assert contact_check(borrower=borrower, channel="sms", at=at, emergency_contact=emergency_contact).allowed


# --- opt-outs, do-not-contact, hold -----------------------------------------------------------------------


def test_opted_out_channel_is_refused_others_allowed(borrower):
    borrower.opted_out_channels = ["sms"]
    borrower.save()
    at = local(SH, 2026, 3, 20, 10, 0)
    assert contact_check(borrower=borrower, channel="sms", at=at, purpose="reminder").rule == "opted_out"
    assert contact_check(borrower=borrower, channel="call", at=at).allowed


def test_do_not_contact_until_gives_the_date_as_next_allowed(borrower):
    borrower.do_not_contact_until = local(SH, 2026, 3, 25, 12, 0)
    borrower.save()
    decision = contact_check(borrower=borrower, channel="email", at=local(SH, 2026, 3, 20, 10, 0), purpose="reminder")
    assert decision.rule == "do_not_contact" and decision.next_allowed_at == local(SH, 2026, 3, 25, 12, 0)
    assert contact_check(borrower=borrower, channel="email", at=local(SH, 2026, 3, 25, 12, 0)).allowed


def test_a_case_on_hold_refuses_every_channel_and_purpose(borrower, case, supervisor):
    from debt_collection.services import case_hold

    case_hold(case=case, reason="dispute", actor=supervisor)
    at = local(SH, 2026, 3, 20, 10, 0)
    for channel in ("call", "sms", "email", "letter", "visit"):
        for purpose in ("collection", "reminder"):
            decision = contact_check(borrower=borrower, channel=channel, at=at, purpose=purpose)
            assert decision.rule == "case_on_hold", (channel, purpose)


# --- recording -------------------------------------------------------------------------------------------


def test_refusals_are_recorded_with_rule_actor_and_purpose(borrower, case, collector):
    at = local(SH, 2026, 3, 20, 22, 30)
    contact_check(borrower=borrower, channel="call", at=at, case=case, actor=collector)
    contact_check(borrower=borrower, channel="sms", at=at, purpose="reminder", record=False)
    contact_check(borrower=borrower, channel="call", at=local(SH, 2026, 3, 20, 12, 0), case=case)  # allowed
    blocked = BlockedContact.objects.get()
    assert (blocked.rule, blocked.channel, blocked.purpose, blocked.actor, blocked.case) == (
        "quiet_hours", "call", "collection", collector, case)
    assert blocked.at == at and blocked.rule_pack == "CN"


def test_pack_numbers_are_data(borrower, case):
    ContactRulePack.objects.filter(code="CN").update(max_unanswered_calls_per_number_per_day=2)
    log_calls(borrower=borrower, case=case, at=local(SH, 2026, 3, 20, 9, 0), n=2)
    assert contact_check(borrower=borrower, channel="call", at=local(SH, 2026, 3, 20, 12, 0)).rule == "daily_unanswered_calls"


def test_unknown_channel_is_a_programming_error(borrower):
    with pytest.raises(ValueError):
        contact_check(borrower=borrower, channel="pigeon", at=timezone.now())


def test_blocked_contacts_metric_is_scoped_by_branch(borrower, other_branch, supervisor, hq_user):
    from debt_collection.selectors import blocked_contacts_by_rule

    elsewhere = BorrowerFactory(branch=other_branch)
    night = local(SH, 2026, 3, 20, 23, 0)
    contact_check(borrower=borrower, channel="call", at=night)
    contact_check(borrower=borrower, channel="sms", at=night, purpose="reminder")
    contact_check(borrower=elsewhere, channel="call", at=night)
    since = night - timedelta(days=1)
    mine = blocked_contacts_by_rule(user=supervisor, since=since)
    assert sum(r["count"] for r in mine) == 2 and {r["rule"] for r in mine} == {"quiet_hours"}
    assert sum(r["count"] for r in blocked_contacts_by_rule(user=hq_user, since=since)) == 3
