"""The contact-compliance guard: one function every contact path asks first.

A collector logging or placing a call, an SMS from the case page, the API, a scheduled collection SMS
and the repayment-reminder tasks all call `contact_check`. A refusal names the rule and, when it can
be known, the time contact is next allowed, and is recorded as a `BlockedContact` (a compliance metric).

Rules come from the borrower's branch rule pack (`accounts.Branch.contact_rule_pack` → `ContactRulePack`),
every number editable in the admin. Local hours are the borrower's branch time zone.

Which rules apply:
- always: a case of the borrower on hold; do-not-contact-until; channel opt-outs (for the borrower
  himself); local quiet hours (not for letters, which are posted, not delivered at an hour);
- third parties (emergency contacts): only when the borrower is unreachable — the last call to him was
  a wrong/invalid number, or the last N calls in a row went unanswered;
- collection calls only (not reminders): unanswered calls per number per local day (CN), calls per debt
  in a period and the cooling-off after a conversation (US).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from debt_collection.choices import (
    CHANNEL_TO_BORROWER_CHANNEL,
    CONVERSATION_OUTCOMES,
    UNANSWERED_OUTCOMES,
    CaseState,
    ContactChannel,
    ContactPurpose,
    ContactTarget,
)

RULE_CASE_ON_HOLD = "case_on_hold"
RULE_DO_NOT_CONTACT = "do_not_contact"
RULE_OPTED_OUT = "opted_out"
RULE_THIRD_PARTY = "third_party_not_unreachable"
RULE_QUIET_HOURS = "quiet_hours"
RULE_DAILY_UNANSWERED = "daily_unanswered_calls"
RULE_WEEKLY_CALLS = "weekly_calls"
RULE_AFTER_CONVERSATION = "after_conversation"

CHANNELS = frozenset(c.value for c in ContactChannel)
PURPOSES = frozenset(p.value for p in ContactPurpose)

# The design's numbers. The data migration seeds the packs from here; `rule_pack_for` falls back to
# an unsaved CN pack if the table is empty (a database restored without the seed must not allow
# everything).
DEFAULT_PACKS = {
    "CN": {
        "name": "中国（中国银行业协会催收指引）",
        "quiet_start": time(22, 0),
        "quiet_end": time(8, 0),
        "max_unanswered_calls_per_number_per_day": 6,
        "max_calls_per_debt_in_period": None,
        "call_period_days": 7,
        "days_after_conversation": None,
        "third_party_failed_attempts": 3,
        "require_call_recording": True,
        "min_visit_staff": 2,
        "record_retention_years": 3,
        "electronic_opt_out_notice": False,
    },
    "US": {
        "name": "United States (CFPB Regulation F)",
        # "before 8 a.m. or after 9 p.m.": from 21:00 on is refused (conservative by one minute)
        "quiet_start": time(21, 0),
        "quiet_end": time(8, 0),
        "max_unanswered_calls_per_number_per_day": None,
        "max_calls_per_debt_in_period": 7,
        "call_period_days": 7,
        "days_after_conversation": 7,
        "third_party_failed_attempts": 3,
        "require_call_recording": False,
        "min_visit_staff": 2,
        "record_retention_years": 3,
        "electronic_opt_out_notice": True,
    },
}


@dataclass(frozen=True)
class ContactDecision:
    allowed: bool
    rule: str = ""  # machine code of the refusing rule, "" when allowed
    message: str = ""  # translated human reason
    next_allowed_at: datetime | None = None  # when contact is next allowed, if known

    def as_dict(self) -> dict:
        return {
            "allowed": self.allowed,
            "rule": self.rule,
            "message": self.message,
            "next_allowed_at": self.next_allowed_at.isoformat() if self.next_allowed_at else None,
        }


ALLOWED = ContactDecision(allowed=True)


def rule_pack_for(branch):
    from debt_collection.models import ContactRulePack

    code = (getattr(branch, "contact_rule_pack", "") or "CN").upper()
    packs = {p.code: p for p in ContactRulePack.objects.filter(code__in={code, "CN"})}
    pack = packs.get(code) or packs.get("CN")
    if pack is None:
        pack = ContactRulePack(code="CN", **DEFAULT_PACKS["CN"])
    return pack


# --- time helpers -------------------------------------------------------------------------------------


def _local_midnight(day: date, tz) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz)


def in_quiet_hours(local_time: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start > end:  # the window spans midnight (22:00–08:00)
        return local_time >= start or local_time < end
    return start <= local_time < end


def next_quiet_end(local_dt: datetime, end: time) -> datetime:
    """The next local `end` time strictly after `local_dt` (aware, in local_dt's zone)."""
    tz = local_dt.tzinfo
    candidate = datetime.combine(local_dt.date(), end, tzinfo=tz)
    if candidate <= local_dt:
        candidate = datetime.combine(local_dt.date() + timedelta(days=1), end, tzinfo=tz)
    return candidate


def _first_allowed_from(local_dt: datetime, pack) -> datetime:
    """`local_dt` itself, or the end of the quiet hours it falls in."""
    if in_quiet_hours(local_dt.time(), pack.quiet_start, pack.quiet_end):
        return next_quiet_end(local_dt, pack.quiet_end)
    return local_dt


def _fmt(dt: datetime | None, tz) -> str:
    if dt is None:
        return ""
    return date_format(dt.astimezone(tz), "Y-m-d H:i")


# --- the guard -----------------------------------------------------------------------------------------


def borrower_unreachable(*, borrower, pack, at: datetime) -> bool:
    """The pack's test: the last call to the borrower hit an invalid number, or the last N calls to
    him in a row went unanswered."""
    from debt_collection.models import ContactAttempt

    needed = max(int(pack.third_party_failed_attempts or 0), 1)
    recent = list(
        ContactAttempt.objects.filter(
            borrower=borrower, target=ContactTarget.BORROWER, channel=ContactChannel.CALL, occurred_at__lte=at
        )
        .order_by("-occurred_at", "-id")
        .values_list("outcome", flat=True)[:needed]
    )
    if recent and recent[0] == "wrong_number":
        return True
    return len(recent) >= needed and all(o in UNANSWERED_OUTCOMES for o in recent)


def _evaluate(*, borrower, channel, at, case, emergency_contact, purpose, pack, tz) -> ContactDecision:
    from debt_collection.models import CollectionCase, ContactAttempt

    local = at.astimezone(tz)

    # 1. a case on hold (complaint, dispute, hardship): nobody contacts this borrower
    on_hold = Q(borrower_id=borrower.pk)
    if case is not None and case.pk:
        on_hold |= Q(pk=case.pk)
    if CollectionCase.objects.filter(on_hold, state=CaseState.ON_HOLD).exists():
        return ContactDecision(False, RULE_CASE_ON_HOLD, _("该借款人的催收案件已暂停（投诉、争议或经济困难），不得联系。"))

    # 2. do-not-contact-until
    if borrower.do_not_contact_until and borrower.do_not_contact_until > at:
        until = _first_allowed_from(borrower.do_not_contact_until.astimezone(tz), pack)
        return ContactDecision(
            False,
            RULE_DO_NOT_CONTACT,
            _("借款人要求暂停联系至 %(until)s。") % {"until": _fmt(borrower.do_not_contact_until, tz)},
            until,
        )

    # 3. opt-outs: the borrower's own channels
    if emergency_contact is None and borrower.has_opted_out(CHANNEL_TO_BORROWER_CHANNEL[channel]):
        return ContactDecision(
            False,
            RULE_OPTED_OUT,
            _("借款人已退订该联系渠道（%(channel)s）。") % {"channel": ContactChannel(channel).label},
        )

    # 4. third parties only when the borrower is unreachable
    if emergency_contact is not None and not borrower_unreachable(borrower=borrower, pack=pack, at=at):
        return ContactDecision(
            False,
            RULE_THIRD_PARTY,
            _("只有在借款人失联（号码无效或连续 %(n)s 次未接通）后才可联系紧急联系人。")
            % {"n": pack.third_party_failed_attempts},
        )

    # 5. local hours
    if channel != ContactChannel.LETTER and in_quiet_hours(
        local.time(), pack.quiet_start, pack.quiet_end
    ):
        nxt = next_quiet_end(local, pack.quiet_end)
        return ContactDecision(
            False,
            RULE_QUIET_HOURS,
            _("当地时间 %(start)s 至次日 %(end)s 不得联系（借款人所在地时间 %(now)s）。")
            % {
                "start": pack.quiet_start.strftime("%H:%M"),
                "end": pack.quiet_end.strftime("%H:%M"),
                "now": local.strftime("%H:%M"),
            },
            nxt,
        )

    if purpose != ContactPurpose.COLLECTION or channel != ContactChannel.CALL:
        return ALLOWED

    # 6. frequency of collection calls
    number = emergency_contact.phone if emergency_contact is not None else borrower.mobile
    calls = ContactAttempt.objects.filter(channel=ContactChannel.CALL)

    daily_max = pack.max_unanswered_calls_per_number_per_day
    if daily_max:
        day_start = _local_midnight(local.date(), tz)
        next_day = _local_midnight(local.date() + timedelta(days=1), tz)
        unanswered = calls.filter(
            phone_number=number, outcome__in=UNANSWERED_OUTCOMES, occurred_at__gte=day_start, occurred_at__lt=next_day
        ).count()
        if unanswered >= daily_max:
            return ContactDecision(
                False,
                RULE_DAILY_UNANSWERED,
                _("该号码今天已有 %(n)s 次未接通的催收电话（上限 %(max)s 次）。") % {"n": unanswered, "max": daily_max},
                _first_allowed_from(next_day, pack),
            )

    if emergency_contact is not None:
        to_person = calls.filter(emergency_contact=emergency_contact)
    else:
        to_person = calls.filter(borrower=borrower, target=ContactTarget.BORROWER)
    if case is not None and case.loan_id:
        to_person = to_person.filter(loan_id=case.loan_id)

    period_max = pack.max_calls_per_debt_in_period
    if period_max:
        period = timedelta(days=pack.call_period_days or 7)
        recent = list(
            to_person.filter(occurred_at__gt=at - period, occurred_at__lte=at)
            .order_by("-occurred_at", "-id")
            .values_list("occurred_at", flat=True)[:period_max]
        )
        if len(recent) >= period_max:
            nxt = _first_allowed_from((recent[-1] + period).astimezone(tz), pack)
            return ContactDecision(
                False,
                RULE_WEEKLY_CALLS,
                _("这笔债务 %(days)s 天内已致电 %(n)s 次（上限 %(max)s 次）。")
                % {"days": pack.call_period_days, "n": len(recent), "max": period_max},
                nxt,
            )

    cooling = pack.days_after_conversation
    if cooling and emergency_contact is None:
        last_talk = (
            to_person.filter(outcome__in=CONVERSATION_OUTCOMES, occurred_at__gt=at - timedelta(days=cooling), occurred_at__lte=at)
            .order_by("-occurred_at")
            .values_list("occurred_at", flat=True)
            .first()
        )
        if last_talk is not None:
            nxt = _first_allowed_from((last_talk + timedelta(days=cooling)).astimezone(tz), pack)
            return ContactDecision(
                False,
                RULE_AFTER_CONVERSATION,
                _("%(when)s 已与借款人通话，%(days)s 天内不得再次致电。")
                % {"when": _fmt(last_talk, tz), "days": cooling},
                nxt,
            )
    return ALLOWED


def contact_check(
    *,
    borrower,
    channel: str,
    at: datetime | None = None,
    case=None,
    emergency_contact=None,
    purpose: str = "collection",
    actor=None,
    record: bool = True,
) -> ContactDecision:
    """May `borrower` (or `emergency_contact`) be contacted on `channel` at `at` (default now)?

    A refusal is recorded as a BlockedContact when `record` is true. Raises ValueError for an unknown
    channel or purpose (a programming error, not a refusal).
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown contact channel {channel!r}")
    if purpose not in PURPOSES:
        raise ValueError(f"unknown contact purpose {purpose!r}")
    if emergency_contact is not None and emergency_contact.borrower_id != borrower.pk:
        raise ValueError("the emergency contact belongs to another borrower")
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValueError("contact_check needs an aware datetime")
    branch = borrower.branch
    pack = rule_pack_for(branch)
    decision = _evaluate(
        borrower=borrower,
        channel=channel,
        at=at,
        case=case,
        emergency_contact=emergency_contact,
        purpose=purpose,
        pack=pack,
        tz=branch.tzinfo,
    )
    if not decision.allowed and record:
        from debt_collection.models import BlockedContact

        BlockedContact.objects.create(
            borrower=borrower,
            case=case if case is not None and case.pk else None,
            branch_id=borrower.branch_id,
            emergency_contact=emergency_contact,
            channel=channel,
            purpose=purpose,
            rule=decision.rule,
            rule_pack=pack.code,
            message=decision.message[:300],
            next_allowed_at=decision.next_allowed_at,
            actor=actor if actor is not None and getattr(actor, "pk", None) else None,
            at=at,
        )
    return decision
