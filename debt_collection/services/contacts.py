"""The contact log and outbound collection SMS. Both ask the compliance guard first.

The guard's refusal is recorded in its own short transaction *before* anything else is written, so
a refused contact leaves a BlockedContact row and nothing else.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import filetype
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import DomainError
from debt_collection import permissions, sms
from debt_collection.choices import (
    CONVERSATION_OUTCOMES,
    ContactChannel,
    ContactOutcome,
    ContactPurpose,
    ContactTarget,
    HoldReason,
)
from debt_collection.compliance import ContactDecision, contact_check, rule_pack_for
from debt_collection.models import CollectionCase, ContactAttempt
from debt_collection.services._base import event, lock_case, require, run_transition

RECORDING_MAX_BYTES = 50 * 1024 * 1024
RECORDING_TYPES = {
    "audio/mpeg": "mp3",
    "audio/x-wav": "wav",
    "audio/wav": "wav",
    "audio/ogg": "ogg",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "audio/amr": "amr",
    "audio/aac": "aac",
    "audio/x-flac": "flac",
}
# which outcomes make sense on which channel
OUTCOMES_BY_CHANNEL = {
    ContactChannel.CALL: {o for o in ContactOutcome.values if o != ContactOutcome.SENT},
    ContactChannel.SMS: {ContactOutcome.SENT, ContactOutcome.WRONG_NUMBER, *CONVERSATION_OUTCOMES},
    ContactChannel.EMAIL: {ContactOutcome.SENT, *CONVERSATION_OUTCOMES},
    ContactChannel.LETTER: {ContactOutcome.SENT, *CONVERSATION_OUTCOMES},
    ContactChannel.VISIT: {ContactOutcome.NO_ANSWER, ContactOutcome.LOCATION, *CONVERSATION_OUTCOMES},
}


class ContactRefused(DomainError):
    """The compliance guard refused the contact. Carries the decision (rule, next allowed time)."""

    code = "contact_refused"
    http_status = 409

    def __init__(self, decision: ContactDecision):
        super().__init__(decision.message, code="contact_refused")
        self.decision = decision
        self.rule = decision.rule
        self.next_allowed_at = decision.next_allowed_at


def _validate_recording(upload) -> str:
    """Checked by content, not by name or declared type. Returns the extension to store it under."""
    if upload.size > RECORDING_MAX_BYTES:
        raise DomainError(_("录音文件不能超过 50 MB。"), field="recording")
    upload.seek(0)
    head = upload.read(262)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in RECORDING_TYPES:
        raise DomainError(_("录音文件必须是音频（mp3、wav、m4a、amr、ogg、aac、flac）。"), field="recording")
    return RECORDING_TYPES[kind.mime]


def _validate(*, case, channel, outcome, target, emergency_contact, recording, recording_ref, visit_staff, occurred_at, pack):
    if channel not in ContactChannel.values:
        raise DomainError(_("联系方式无效。"), field="channel")
    if outcome not in ContactOutcome.values:
        raise DomainError(_("联系结果无效。"), field="outcome")
    if outcome not in OUTCOMES_BY_CHANNEL[channel]:
        raise DomainError(_("该联系方式不能记录此结果。"), field="outcome")
    if target == ContactTarget.EMERGENCY_CONTACT:
        if emergency_contact is None or emergency_contact.borrower_id != case.borrower_id:
            raise DomainError(_("请选择该借款人的紧急联系人。"), field="emergency_contact")
    elif target == ContactTarget.BORROWER:
        if emergency_contact is not None:
            raise DomainError(_("联系对象为借款人时不能选择紧急联系人。"), field="emergency_contact")
        if outcome == ContactOutcome.LOCATION:
            raise DomainError(_("该结果只适用于紧急联系人。"), field="outcome")
    else:
        raise DomainError(_("联系对象无效。"), field="target")
    now = timezone.now()
    if occurred_at > now + timedelta(minutes=5):
        raise DomainError(_("联系时间不能晚于现在。"), field="occurred_at")
    if occurred_at < now - timedelta(days=7):
        raise DomainError(_("只能补录 7 天内的联系。"), field="occurred_at")
    if (
        channel == ContactChannel.CALL
        and pack.require_call_recording
        and outcome in CONVERSATION_OUTCOMES + (ContactOutcome.LOCATION,)
        and not recording
        and not recording_ref.strip()
    ):
        raise DomainError(_("接通的催收电话必须上传录音或填写录音编号。"), field="recording")
    if channel == ContactChannel.VISIT:
        staff_ids = {u.pk for u in visit_staff}
        if len(staff_ids) < max(pack.min_visit_staff, 1):
            raise DomainError(
                _("外访须至少 %(n)s 名员工参加，请填写全部外访人员。") % {"n": pack.min_visit_staff}, field="visit_staff"
            )
        User = get_user_model()
        valid = User.objects.filter(pk__in=staff_ids, is_active=True, branch_id=case.branch_id).count()
        if valid != len(staff_ids):
            raise DomainError(_("外访人员须为本分支机构的在职员工。"), field="visit_staff")
    return _validate_recording(recording) if recording else ""


def contact_log(
    *,
    case: CollectionCase,
    channel: str,
    outcome: str,
    actor,
    target: str = ContactTarget.BORROWER,
    emergency_contact=None,
    notes: str = "",
    recording=None,
    recording_ref: str = "",
    visit_staff=(),
    occurred_at: datetime | None = None,
    expected_state: str | None = None,
) -> ContactAttempt:
    """Log a contact with the borrower or an emergency contact. Invalid input → DomainError with the
    field; the guard refuses → ContactRefused (recorded as a BlockedContact); otherwise the contact is
    on the log and the timeline, and the case moves from open to contacting.

    A dispute puts the case on hold (collection stops until the dispute is looked at)."""
    require(permissions.can_work_case(actor, case))
    occurred_at = occurred_at or timezone.now()
    pack = rule_pack_for(case.branch)
    visit_staff = list(visit_staff)
    ext = _validate(
        case=case, channel=channel, outcome=outcome, target=target, emergency_contact=emergency_contact,
        recording=recording, recording_ref=recording_ref, visit_staff=visit_staff, occurred_at=occurred_at, pack=pack,
    )
    decision = contact_check(
        borrower=case.borrower,
        channel=channel,
        at=occurred_at,
        case=case,
        emergency_contact=emergency_contact,
        purpose=ContactPurpose.COLLECTION,
        actor=actor,
        record=True,
    )
    if not decision.allowed:
        raise ContactRefused(decision)
    try:
        return _contact_write(
            case=case, channel=channel, outcome=outcome, actor=actor, target=target, emergency_contact=emergency_contact,
            notes=notes, recording=recording, recording_ext=ext, recording_ref=recording_ref, visit_staff=visit_staff,
            occurred_at=occurred_at, expected_state=expected_state, recheck=True,
        )
    except ContactRefused as exc:
        # a concurrent contact got in between the check and the lock; record the refusal now that
        # the write has rolled back
        contact_check(borrower=case.borrower, channel=channel, at=occurred_at, case=case,
                      emergency_contact=emergency_contact, purpose=ContactPurpose.COLLECTION, actor=actor, record=True)
        raise exc


@transaction.atomic
def _contact_write(*, case, channel, outcome, actor, target, emergency_contact, notes, recording, recording_ext,
                   recording_ref, visit_staff, occurred_at, expected_state, message=None, recheck=False) -> ContactAttempt:
    case = lock_case(case, expected_state=expected_state)
    if recheck:
        # the case row is locked: two collectors logging at once cannot both slip under a limit
        decision = contact_check(borrower=case.borrower, channel=channel, at=occurred_at, case=case,
                                 emergency_contact=emergency_contact, purpose=ContactPurpose.COLLECTION, record=False)
        if not decision.allowed:
            raise ContactRefused(decision)
    if case.state not in ("open", "contacting", "promised", "escalated", "legal", "repossession"):
        # on hold (the guard saw it a moment ago) or closed meanwhile
        raise DomainError(_("案件已暂停或已结案，不能再联系。"), code="case_not_contactable")
    number = ""
    if channel in (ContactChannel.CALL, ContactChannel.SMS):
        number = emergency_contact.phone if emergency_contact is not None else case.borrower.mobile
    attempt = ContactAttempt(
        case=case,
        borrower_id=case.borrower_id,
        loan_id=case.loan_id,
        branch_id=case.branch_id,
        channel=channel,
        target=target,
        emergency_contact=emergency_contact,
        phone_number=number,
        purpose=ContactPurpose.COLLECTION,
        outcome=outcome,
        notes=notes[:4000],
        recording_ref=recording_ref[:120],
        occurred_at=occurred_at,
        created_by=actor,
    )
    if recording:
        recording.name = f"recording.{recording_ext}"
        attempt.recording = recording
    attempt.save()
    if visit_staff:
        attempt.visit_staff.set(visit_staff)
    CollectionCase.objects.filter(pk=case.pk).update(last_contact_at=occurred_at)
    case.last_contact_at = occurred_at
    event(
        case,
        "contact",
        actor=actor,
        from_state=case.state,
        to_state=case.state,
        contact_id=attempt.pk,
        channel=channel,
        target=target,
        outcome=outcome,
        message_id=message.pk if message is not None else None,
    )
    if case.state == "open":
        run_transition(case, "start_contacting", actor=actor, kind="contacting")
    if outcome == ContactOutcome.DISPUTE and target == ContactTarget.BORROWER:
        from debt_collection.services.cases import case_hold

        case_hold(case=case, reason=HoldReason.DISPUTE, actor=actor, note=_("借款人提出异议"), check_permission=False)
    return attempt


def case_send_sms(
    *,
    case: CollectionCase,
    template: str,
    actor=None,
    emergency_contact=None,
    at: datetime | None = None,
    dedupe_key: str | None = None,
) -> ContactAttempt:
    """Send a collection SMS from the case (page, API or the scheduled task; actor None = system).
    Asks the guard first; third parties only get templates that say nothing of the debt."""
    if actor is not None:
        require(permissions.can_work_case(actor, case))
    tmpl = sms.TEMPLATES.get(template)
    if tmpl is None:
        raise DomainError(_("短信模板无效。"), field="template")
    if tmpl.for_third_party != (emergency_contact is not None):
        raise DomainError(
            _("紧急联系人只能使用不提及债务的模板，借款人不能使用第三方模板。"), field="template"
        )
    if emergency_contact is not None and emergency_contact.borrower_id != case.borrower_id:
        raise DomainError(_("请选择该借款人的紧急联系人。"), field="emergency_contact")
    at = at or timezone.now()
    decision = contact_check(
        borrower=case.borrower,
        channel=ContactChannel.SMS,
        at=at,
        case=case,
        emergency_contact=emergency_contact,
        purpose=ContactPurpose.COLLECTION,
        actor=actor,
        record=True,
    )
    if not decision.allowed:
        raise ContactRefused(decision)
    return _sms_write(case=case, tmpl=tmpl, actor=actor, emergency_contact=emergency_contact, at=at, dedupe_key=dedupe_key)


@transaction.atomic
def _sms_write(*, case, tmpl, actor, emergency_contact, at, dedupe_key=None) -> ContactAttempt:
    from notifications.services import message_queue

    case = lock_case(case)
    pack = rule_pack_for(case.branch)
    to = emergency_contact.phone if emergency_contact is not None else case.borrower.mobile
    body = sms.render(code=tmpl.code, case=case, emergency_contact=emergency_contact,
                      opt_out_notice=pack.electronic_opt_out_notice)
    message = message_queue(
        channel="sms",
        to=to,
        body=body,
        borrower=case.borrower,
        subject=case,
        template=f"collection:{tmpl.code}",
        language=case.borrower.language,
        dedupe_key=dedupe_key,
        actor=actor,
    )
    return _contact_write(
        case=case, channel=ContactChannel.SMS, outcome=ContactOutcome.SENT, actor=actor,
        target=ContactTarget.EMERGENCY_CONTACT if emergency_contact is not None else ContactTarget.BORROWER,
        emergency_contact=emergency_contact, notes=str(tmpl.label), recording=None, recording_ext="", recording_ref="",
        visit_staff=(), occurred_at=at, expected_state=None, message=message,
    )


@transaction.atomic
def case_callback_due(*, case: CollectionCase, collector, at: datetime | None = None) -> ContactDecision:
    """A scheduled callback (回电提醒) has come due: ask the guard whether the collector may call the
    borrower now, and tell the collector either way. Nothing is dialled; the refusal is recorded."""
    from django.urls import reverse

    from notifications.services import notify_staff

    decision = contact_check(
        borrower=case.borrower, channel=ContactChannel.CALL, at=at, case=case, actor=collector,
        purpose=ContactPurpose.COLLECTION, record=True,
    )
    link = reverse("debt_collection:case", args=[case.pk])
    if decision.allowed:
        title = _("回电提醒：案件 #%(id)s 现在可以致电借款人。") % {"id": case.pk}
    else:
        title = _("回电提醒：案件 #%(id)s 暂不能致电（%(msg)s）") % {"id": case.pk, "msg": decision.message}
    if collector is not None:
        notify_staff(user=collector, title=title, link=link, kind="collection_callback", email=False)
    event(case, "callback_due", actor=collector, from_state=case.state, to_state=case.state,
          allowed=decision.allowed, rule=decision.rule)
    return decision


@transaction.atomic
def callback_schedule(*, case: CollectionCase, actor, at: datetime) -> None:
    """Remind the collector to call back at `at` (the borrower asked to be called later). When it
    comes due, the `debt_collection.callback_due` task asks the guard and tells the collector."""
    from common.tasks import enqueue_with_options_on_commit
    from debt_collection.tasks import callback_due

    require(permissions.can_work_case(actor, case))
    now = timezone.now()
    if at <= now:
        raise DomainError(_("回电时间必须晚于现在。"), field="at")
    if at > now + timedelta(days=30):
        raise DomainError(_("回电时间不能晚于 30 天后。"), field="at")
    event(case, "callback_scheduled", actor=actor, from_state=case.state, to_state=case.state, at=at)
    enqueue_with_options_on_commit(callback_due, args=(case.pk, actor.pk), eta=at)
