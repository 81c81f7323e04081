"""Every write to a complaint: one function per business action.

Each action is keyword-only, atomic, given the `actor` (None = the borrower on the public pages, or
the system), locks the row (`select_for_update`), checks the transition and the actor's permission,
flips the state, recomputes the clocks, writes the timeline event in the same transaction and leaves
side effects (messages) to `notifications`, which enqueues them after commit.

Two people acting at once: the second waits for the lock, then finds the state changed and gets
`TransitionNotAllowed` (409); a caller that passes `expected_version` gets `ConcurrentUpdate` (409)
as soon as anything changed since it read the complaint.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from common.exceptions import ConcurrentUpdate, DomainError, PermissionDeniedError, TransitionNotAllowed
from complaints import clocks
from complaints import permissions as perms
from complaints.choices import (
    FINAL_STATES,
    OPEN_STATES,
    Category,
    Clock,
    ComplaintChannel,
    ContactChannel,
    ContactTime,
    EventKind,
    HoldReason,
    Priority,
    RejectReason,
    ReplyChannel,
    RootCause,
    State,
)
from complaints.models import (
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    ComplaintTimers,
    Escalation,
    armed_deadlines,
)
from complaints.signals import collection_hold_released, collection_hold_requested

logger = logging.getLogger(__name__)

# categories that start at high priority unless the intake says otherwise
HIGH_BY_DEFAULT = {Category.COLLECTION_CONDUCT, Category.PRIVACY_DATA}
ALLOWED_ATTACHMENT_TYPES = {
    "image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "application/pdf",
}


class ReopenWindowExpired(TransitionNotAllowed):
    code = "reopen_window_expired"


class AlreadyExtended(TransitionNotAllowed):
    code = "already_extended"


# --- helpers ----------------------------------------------------------------------------------------


def _now() -> datetime:
    return timezone.now()


def _lock(complaint: Complaint | int) -> Complaint:
    pk = getattr(complaint, "pk", complaint)
    try:
        complaint = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("branch", "borrower", "loan")
            .get(pk=pk)
        )
    except Complaint.DoesNotExist:
        raise DomainError(_("投诉不存在。"), code="not_found")
    # then its timers row: the SLA sweep updates that one without the complaint's lock (always in this
    # order — complaint, then timers — and the sweep never waits for a complaint, so no deadlock)
    complaint.timers, _created = ComplaintTimers.objects.select_for_update().get_or_create(
        complaint=complaint, defaults=armed_deadlines(complaint)
    )
    return complaint


def _check_version(complaint: Complaint, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != complaint.version:
        raise ConcurrentUpdate(_("该投诉已被他人更新，请刷新后重试。"))


def _require(predicate, actor, complaint, *args) -> None:
    """Staff actions check the named predicate; actor None is the borrower or the system."""
    if actor is not None and not predicate(actor, complaint, *args):
        raise PermissionDeniedError(_("您没有权限对该投诉执行此操作。"))


def _not_allowed(complaint: Complaint) -> TransitionNotAllowed:
    return TransitionNotAllowed(
        _("投诉当前状态为“%(state)s”，不能执行该操作。") % {"state": complaint.get_state_display()}
    )


def _transition(complaint: Complaint, name: str, actor) -> str:
    method = getattr(complaint, name)
    if not can_proceed(method):
        raise _not_allowed(complaint)
    if actor is not None and not has_transition_perm(method, actor):
        raise PermissionDeniedError(_("您没有权限对该投诉执行此操作。"))
    from_state = complaint.state
    method()
    return from_state


def _event(
    complaint: Complaint,
    kind: str,
    actor=None,
    *,
    from_state: str = "",
    to_state: str = "",
    body: str = "",
    payload: dict | None = None,
    visible: bool = False,
    at: datetime | None = None,
) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        body=body,
        payload=payload or {},
        visible_to_borrower=visible,
        created_at=at or _now(),
    )


def _save(complaint: Complaint, wt=None) -> Complaint:
    """Recompute the clocks (every state change), re-arm the sweep's timers from them, carry a breach
    the sweep marked into the stored outcome, and save both with a new version."""
    clocks.recompute_due_dates(complaint, wt or clocks.working_time_for_branch(complaint.branch))
    timers = complaint.timers
    for clock in Clock.values:
        if getattr(timers, f"{clock}_breached"):
            setattr(complaint, f"{clock}_breached", True)
    timers.arm(complaint)
    complaint.version += 1
    complaint.save()
    timers.save()
    return complaint


def _blank(value) -> bool:
    return not (value or "").strip()


def _local(complaint: Complaint, moment: datetime) -> str:
    return date_format(timezone.localtime(moment, complaint.branch.tzinfo), "Y-m-d H:i")


def _validate_choice(value, choices, field: str):
    if value not in choices.values:
        raise DomainError(_("选项无效。"), field=field)


def _send_to_borrower(complaint: Complaint, *, channel: str, body: str, title: str, key: str | None, actor) -> bool:
    """Queue a message to the complainant on `channel` (sms/email). False when there is no address."""
    from notifications.services import message_queue

    to = complaint.contact_mobile if channel == ReplyChannel.SMS else complaint.contact_email
    if not to:
        return False
    message_queue(
        channel=channel,
        to=to,
        title=title,
        body=body,
        borrower=complaint.borrower,
        subject=complaint,
        template=f"complaint_{key or 'reply'}",
        language=complaint.language,
        dedupe_key=f"complaint:{complaint.pk}:{key}" if key else None,
        actor=actor,
    )
    return True


def _best_channel(complaint: Complaint) -> str | None:
    """The complainant's preferred written channel, else whatever address we have."""
    order = [ReplyChannel.SMS, ReplyChannel.EMAIL]
    if complaint.preferred_channel == ContactChannel.EMAIL:
        order.reverse()
    for channel in order:
        if (complaint.contact_mobile if channel == ReplyChannel.SMS else complaint.contact_email):
            return channel
    return None


def _record_first_response(complaint: Complaint, wt, now: datetime) -> None:
    if complaint.first_responded_at is not None:
        return
    minutes = clocks.active_minutes(
        complaint=complaint, wt=wt, start=complaint.received_at,
        paused=complaint.first_response_paused_minutes, now=now,
    )
    complaint.first_responded_at = now
    complaint.minutes_to_first_response = minutes
    if minutes > complaint.first_response_target_minutes:
        complaint.first_response_breached = True


def _hold_request(complaint: Complaint, *, actor, reason: str) -> None:
    if complaint.collection_hold or complaint.loan_id is None:
        return
    complaint.collection_hold = True
    complaint.collection_hold_reason = reason
    collection_hold_requested.send(sender=Complaint, complaint=complaint, loan=complaint.loan, actor=actor)
    _event(complaint, EventKind.HOLD_REQUESTED, actor, payload={"loan_id": complaint.loan_id, "reason": reason})


def _hold_release(complaint: Complaint, *, actor) -> None:
    if not complaint.collection_hold:
        return
    complaint.collection_hold = False
    collection_hold_released.send(sender=Complaint, complaint=complaint, actor=actor)
    _event(complaint, EventKind.HOLD_RELEASED, actor, payload={"loan_id": complaint.loan_id})


def _stop_escalation_clocks(complaint: Complaint) -> None:
    """A complaint that left the open states no longer climbs the ladder."""
    Escalation.objects.filter(complaint=complaint, acknowledged_at__isnull=True, ack_due_at__isnull=False).update(
        ack_due_at=None
    )


def _validate_people(*, branch, borrower, loan):
    if loan is not None:
        if borrower is None:
            borrower = loan.borrower
        elif loan.borrower_id != borrower.pk:
            raise DomainError(_("该贷款不属于此借款人。"), field="loan")
    if branch is None:
        branch = (loan.branch if loan is not None else None) or (borrower.branch if borrower is not None else None)
    if branch is None:
        raise DomainError(_("请选择分支机构。"), field="branch")
    if borrower is not None and borrower.branch_id != branch.pk:
        raise DomainError(_("借款人不属于该分支机构。"), field="borrower")
    return branch, borrower, loan


# --- intake -----------------------------------------------------------------------------------------


@transaction.atomic
def complaint_create(
    *,
    complainant_name: str,
    description: str,
    branch=None,
    channel: str = ComplaintChannel.WEB_FORM,
    category: str = Category.OTHER,
    priority: str | None = None,
    complainant_mobile: str = "",
    complainant_email: str = "",
    borrower=None,
    loan=None,
    preferred_channel: str = ContactChannel.PHONE,
    preferred_contact_time: str = ContactTime.ANY,
    subject: str = "",
    desired_outcome: str = "",
    language: str = "zh-hans",
    received_at: datetime | None = None,
    send_acknowledgement: bool = True,
    actor=None,
) -> Complaint:
    """Take in a complaint (state intake), start both clocks, acknowledge it to the complainant.

    `actor` is the staff member recording it (phone, walk-in, regulator referral) or None for the
    public web form. `priority` None means high for collection conduct / privacy, normal otherwise.
    """
    if actor is not None and not perms.can_create(actor):
        raise PermissionDeniedError(_("您没有权限登记投诉。"))
    if _blank(complainant_name):
        raise DomainError(_("请填写投诉人姓名。"), field="complainant_name")
    if _blank(description):
        raise DomainError(_("请填写投诉内容。"), field="description")
    _validate_choice(channel, ComplaintChannel, "channel")
    _validate_choice(category, Category, "category")
    _validate_choice(preferred_channel, ContactChannel, "preferred_channel")
    _validate_choice(preferred_contact_time, ContactTime, "preferred_contact_time")
    if priority is None:
        priority = Priority.HIGH if category in HIGH_BY_DEFAULT else Priority.NORMAL
    _validate_choice(priority, Priority, "priority")
    branch, borrower, loan = _validate_people(branch=branch, borrower=borrower, loan=loan)
    if _blank(complainant_mobile) and _blank(complainant_email) and borrower is None:
        raise DomainError(_("请至少留下手机号或邮箱，以便我们答复您。"), field="complainant_mobile")

    now = _now()
    received_at = received_at or now
    policy, fr_minutes, res_minutes = clocks.sla_targets(category=category, priority=priority)
    complaint = Complaint(
        channel=channel,
        category=category,
        priority=priority,
        branch=branch,
        borrower=borrower,
        loan=loan,
        complainant_name=complainant_name.strip(),
        complainant_mobile=(complainant_mobile or "").strip(),
        complainant_email=(complainant_email or "").strip(),
        preferred_channel=preferred_channel,
        preferred_contact_time=preferred_contact_time,
        subject=(subject or "").strip()[:200],
        description=description.strip(),
        desired_outcome=(desired_outcome or "").strip(),
        language=language or "zh-hans",
        received_at=received_at,
        created_by=actor,
        sla_policy=policy,
        first_response_target_minutes=fr_minutes,
        resolution_target_minutes=res_minutes,
        resolution_clock_started_at=received_at,
    )
    wt = clocks.working_time_for_branch(branch)
    clocks.recompute_due_dates(complaint, wt)
    for _attempt in range(5):  # a tracking-code collision is astronomically rare; retry anyway
        try:
            with transaction.atomic():
                complaint.save()
            break
        except IntegrityError:
            from complaints.models import new_tracking_code

            complaint.tracking_code = new_tracking_code()
            complaint.pk = None
    else:  # pragma: no cover
        raise DomainError(_("系统繁忙，请稍后再试。"))

    with translation.override(complaint.language):
        ack = _(
            "您的投诉已受理，受理编号 %(code)s。我们将在 %(due)s 前答复您。"
            "凭受理编号和手机号后四位可查询处理进度。"
        ) % {"code": complaint.tracking_code, "due": _local(complaint, complaint.regulatory_due_at)}
        title = _("投诉受理回执")
    _event(
        complaint, EventKind.CREATED, actor, to_state=complaint.state, body=ack, visible=True,
        payload={"channel": channel, "category": category, "priority": priority},
    )
    if send_acknowledgement:
        channel_used = _best_channel(complaint)
        if channel_used and _send_to_borrower(complaint, channel=channel_used, body=ack, title=title, key="ack", actor=actor):
            _event(complaint, EventKind.ACKNOWLEDGED, None, payload={"channel": channel_used})
    if category == Category.COLLECTION_CONDUCT:
        _hold_request(complaint, actor=actor, reason=HoldReason.CATEGORY)
        complaint.save(update_fields=["collection_hold", "collection_hold_reason", "updated_at"])
    return complaint


def _without_metadata(uploaded_file, mime: str):
    """JPEG / PNG photos lose their EXIF and text metadata (GPS position, device, time) before they
    are stored; see common.imagemeta. Other types, and files it cannot follow, are kept as sent."""
    from django.core.files.base import ContentFile

    from common.imagemeta import strip_metadata

    if mime not in ("image/jpeg", "image/png"):
        return uploaded_file
    uploaded_file.seek(0)
    result = strip_metadata(uploaded_file.read(), mime)
    uploaded_file.seek(0)
    if not result.changed:
        if result.reason:
            logger.warning("attachment metadata kept (%s): %s", mime, result.reason)
        return uploaded_file
    return ContentFile(result.data, name=getattr(uploaded_file, "name", "") or "file")


@transaction.atomic
def complaint_add_attachment(*, complaint: Complaint, uploaded_file, actor=None) -> ComplaintAttachment:
    """Store one uploaded file (type sniffed from its bytes, size capped, sha256 kept)."""
    import filetype

    max_bytes = settings.CRM.get("COMPLAINT_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
    if uploaded_file.size > max_bytes:
        raise DomainError(
            _("文件不能超过 %(mb)s MB。") % {"mb": max_bytes // (1024 * 1024)}, field="attachments"
        )
    head = uploaded_file.read(262)
    uploaded_file.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_ATTACHMENT_TYPES:
        raise DomainError(_("只能上传图片（JPG、PNG、GIF、WEBP、HEIC）或 PDF 文件。"), field="attachments")
    uploaded_file = _without_metadata(uploaded_file, kind.mime)
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    complaint = _lock(complaint)
    _require(perms.can_view, actor, complaint)
    attachment = ComplaintAttachment(
        complaint=complaint,
        original_name=(getattr(uploaded_file, "name", "") or "file")[-200:],
        content_type=kind.mime,
        size=uploaded_file.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save(f"{kind.extension}", uploaded_file, save=False)
    attachment.save()
    _event(
        complaint, EventKind.ATTACHMENT_ADDED, actor,
        payload={"attachment_id": attachment.pk, "name": attachment.original_name, "size": attachment.size},
    )
    return attachment


# --- handling ---------------------------------------------------------------------------------------


@transaction.atomic
def complaint_classify(
    *,
    complaint: Complaint,
    category: str,
    priority: str,
    actor,
    assignee=None,
    borrower=None,
    loan=None,
    expected_version: int | None = None,
) -> Complaint:
    """intake → classified. Sets category and priority (and so the SLA targets); the classifying
    agent (or the assignee chosen) becomes the first-contact owner (首问负责制)."""
    complaint = _lock(complaint)
    _check_version(complaint, expected_version)
    _validate_choice(category, Category, "category")
    _validate_choice(priority, Priority, "priority")
    if assignee is not None:
        _check_assignee(complaint, assignee)
    from_state = _transition(complaint, "classify", actor)
    if borrower is not None or loan is not None:
        _, complaint.borrower, complaint.loan = _validate_people(
            branch=complaint.branch, borrower=borrower or complaint.borrower, loan=loan or complaint.loan
        )
    old = {"category": complaint.category, "priority": complaint.priority}
    complaint.category = category
    complaint.priority = priority
    complaint.sla_policy, complaint.first_response_target_minutes, complaint.resolution_target_minutes = (
        clocks.sla_targets(category=category, priority=priority)
    )
    handler = assignee or complaint.assignee or actor
    complaint.assignee = handler
    if complaint.owner_id is None:
        complaint.owner = handler
    _save(complaint)
    _event(
        complaint, EventKind.CLASSIFIED, actor, from_state=from_state, to_state=complaint.state,
        payload={
            "category": category, "priority": priority, "previous": old,
            "owner_id": complaint.owner_id, "assignee_id": complaint.assignee_id,
        },
    )
    if category == Category.COLLECTION_CONDUCT:
        _hold_request(complaint, actor=actor, reason=HoldReason.CATEGORY)
    elif complaint.collection_hold and complaint.collection_hold_reason == HoldReason.CATEGORY:
        _hold_release(complaint, actor=actor)
    complaint.save(update_fields=["collection_hold", "collection_hold_reason", "updated_at"])
    return complaint


@transaction.atomic
def complaint_link(*, complaint: Complaint, actor, borrower=None, loan=None, expected_version: int | None = None) -> Complaint:
    """Match the complaint to the borrower / loan it is about (the public form may not have)."""
    complaint = _lock(complaint)
    _check_version(complaint, expected_version)
    _require(perms.can_work, actor, complaint)
    if complaint.state in FINAL_STATES:
        raise _not_allowed(complaint)
    _, complaint.borrower, complaint.loan = _validate_people(
        branch=complaint.branch, borrower=borrower or complaint.borrower, loan=loan or complaint.loan
    )
    complaint.version += 1
    complaint.save()
    _event(complaint, EventKind.NOTE, actor, body=_("关联借款人/贷款"),
           payload={"borrower_id": complaint.borrower_id, "loan_id": complaint.loan_id})
    if complaint.category == Category.COLLECTION_CONDUCT and complaint.is_open:
        _hold_request(complaint, actor=actor, reason=HoldReason.CATEGORY)
        complaint.save(update_fields=["collection_hold", "collection_hold_reason", "updated_at"])
    return complaint


@transaction.atomic
def complaint_start(*, complaint: Complaint, actor, expected_version: int | None = None) -> Complaint:
    """classified → in_progress; the actor takes it if nobody has."""
    complaint = _lock(complaint)
    _check_version(complaint, expected_version)
    from_state = _transition(complaint, "start", actor)
    if complaint.assignee_id is None and actor is not None:
        complaint.assignee = actor
    if complaint.owner_id is None and actor is not None:
        complaint.owner = actor
    _save(complaint)
    _event(complaint, EventKind.STARTED, actor, from_state=from_state, to_state=complaint.state)
    return complaint


@transaction.atomic
def complaint_wait_on_borrower(
    *,
    complaint: Complaint,
    actor,
    reason: str,
    message: str = "",
    channel: str | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """in_progress → waiting_on_borrower: the service SLA pauses. With `message` and `channel` the
    question is sent to the borrower as a reply."""
    complaint = _lock(complaint)
    _check_version(complaint, expected_version)
    if _blank(reason):
        raise DomainError(_("请说明需要客户提供什么。"), field="reason")
    from_state = _transition(complaint, "wait_on_borrower", actor)
    now = _now()
    wt = clocks.working_time_for_branch(complaint.branch)
    if message.strip():
        _reply(complaint, body=message.strip(), channel=channel or _best_channel(complaint) or "", actor=actor, wt=wt, now=now)
    clocks.pause(complaint, now)
    _save(complaint, wt)
    _event(complaint, EventKind.WAITING, actor, from_state=from_state, to_state=complaint.state, body=reason.strip())
    return complaint


@transaction.atomic
def complaint_resume(*, complaint: Complaint, actor=None, note: str = "", expected_version: int | None = None) -> Complaint:
    """waiting_on_borrower → in_progress (the borrower answered): the SLA resumes with the time left."""
    complaint = _lock(complaint)
    _check_version(complaint, expected_version)
    _require(perms.can_work, actor, complaint)
    from_state = _transition(complaint, "resume", actor)
    wt = clocks.working_time_for_branch(complaint.branch)
    paused = clocks.unpause(complaint, wt, _now())
    _save(complaint, wt)
    _event(
        complaint, EventKind.RESUMED, actor, from_state=from_state, to_state=complaint.state, body=note.strip(),
        payload={"paused_business_minutes": paused},
    )
    return complaint


@transaction.atomic
def complaint_resolve(
    *,
    complaint: Complaint,
    resolution_summary: str,
    root_cause: str,
    actor,
    notify_borrower: bool = True,
    expected_version: int | None = None,
) -> Complaint:
    """in_progress / waiting_on_borrower → resolved. Stores the outcomes, releases a collection hold,
    tells the borrower the result (which counts as the first response if none was given)."""
    complaint = _lock(complaint)
    _check_version(complaint, expected_version)
    if _blank(resolution_summary):
        raise DomainError(_("请填写处理结果。"), field="resolution_summary")
    if root_cause not in RootCause.values:
        raise DomainError(_("请选择根因。"), field="root_cause")
    from_state = _transition(complaint, "resolve", actor)
    now = _now()
    wt = clocks.working_time_for_branch(complaint.branch)
    clocks.unpause(complaint, wt, now)
    complaint.resolution_summary = resolution_summary.strip()
    complaint.root_cause = root_cause
    complaint.resolved_at = now
    complaint.minutes_to_resolution = clocks.active_minutes(
        complaint=complaint, wt=wt, start=complaint.resolution_clock_started_at or complaint.received_at,
        paused=complaint.resolution_paused_minutes, now=now,
    )
    if complaint.minutes_to_resolution > complaint.resolution_target_minutes:
        complaint.resolution_breached = True
    if complaint.regulatory_due_at and now > complaint.regulatory_due_at:
        complaint.regulatory_breached = True
    sent_channel = None
    with translation.override(complaint.language):
        body = _("您的投诉（编号 %(code)s）已处理：%(summary)s 如有异议，可在 %(days)s 天内凭受理编号申请重新处理；欢迎为本次服务评分。") % {
            "code": complaint.tracking_code, "summary": complaint.resolution_summary,
            "days": settings.CRM["REOPEN_WINDOW_DAYS"],
        }
        title = _("投诉处理结果")
    if notify_borrower:
        channel = _best_channel(complaint)
        if channel and _send_to_borrower(
            complaint, channel=channel, body=body, title=title, key=f"resolved:{complaint.reopen_count}", actor=actor
        ):
            sent_channel = channel
            _record_first_response(complaint, wt, now)
    _hold_release(complaint, actor=actor)
    _stop_escalation_clocks(complaint)
    _save(complaint, wt)
    _event(
        complaint, EventKind.RESOLVED, actor, from_state=from_state, to_state=complaint.state,
        body=complaint.resolution_summary, visible=True,
        payload={
            "root_cause": root_cause, "minutes_to_resolution": complaint.minutes_to_resolution,
            "resolution_breached": complaint.resolution_breached, "notified_by": sent_channel,
        },
    )
    return complaint


@transaction.atomic
def complaint_record_feedback(
    *, complaint: Complaint, csat: int, comment: str = "", actor=None, expected_version: int | None = None
) -> Complaint:
    """resolved → closed with the borrower's satisfaction (1–5) and comment."""
    complaint = _lock(complaint)
    _check_version(complaint, expected_version)
    _require(perms.can_record_feedback, actor, complaint)
    try:
        csat = int(csat)
    except (TypeError, ValueError):
        csat = 0
    if not 1 <= csat <= 5:
        raise DomainError(_("满意度请选择 1 到 5 分。"), field="csat")
    from_state = _transition(complaint, "close", actor)
    now = _now()
    complaint.csat = csat
    complaint.feedback_comment = (comment or "").strip()
    complaint.feedback_at = now
    complaint.closed_at = now
    _hold_release(complaint, actor=actor)
    _save(complaint)
    _event(
        complaint, EventKind.FEEDBACK, actor, from_state=from_state, to_state=complaint.state,
        body=complaint.feedback_comment, visible=True, payload={"csat": csat},
    )
    return complaint


@transaction.atomic
def complaint_reopen(
    *, complaint: Complaint, reason: str, actor=None, expected_version: int | None = None
) -> Complaint:
    """resolved / closed → in_progress: the borrower disagrees, within REOPEN_WINDOW_DAYS of the
    resolution. This is the complainant's request for review (核查): the resolution clock starts again
    and so does the regulatory one, with REGULATORY_REVIEW_DAYS from the request."""
    complaint = _lock(complaint)
    _check_version(complaint, expected_version)
    _require(perms.can_reopen, actor, complaint)
    if _blank(reason):
        raise DomainError(_("请说明不同意处理结果的原因。"), field="reason")
    if not can_proceed(complaint.reopen):
        raise _not_allowed(complaint)
    now = _now()
    window = timedelta(days=settings.CRM["REOPEN_WINDOW_DAYS"])
    if complaint.resolved_at is None or now > complaint.resolved_at + window:
        raise ReopenWindowExpired(
            _("该投诉已于 %(resolved)s 处理完毕，已超过 %(days)s 天的重新处理期限（截至 %(deadline)s），不能重新打开。"
              "如仍有异议，请提交新的投诉。")
            % {
                "resolved": _local(complaint, complaint.resolved_at) if complaint.resolved_at else "-",
                "days": settings.CRM["REOPEN_WINDOW_DAYS"],
                "deadline": _local(complaint, complaint.resolved_at + window) if complaint.resolved_at else "-",
            }
        )
    from_state = _transition(complaint, "reopen", actor)
    previous = {
        "resolved_at": complaint.resolved_at.isoformat(),
        "minutes_to_resolution": complaint.minutes_to_resolution,
        "resolution_breached": complaint.resolution_breached,
        "regulatory_breached": complaint.regulatory_breached,
        "csat": complaint.csat,
        "root_cause": complaint.root_cause,
    }
    complaint.reopen_count += 1
    complaint.resolved_at = None
    complaint.closed_at = None
    complaint.csat = None
    complaint.feedback_comment = ""
    complaint.feedback_at = None
    complaint.minutes_to_resolution = None
    complaint.resolution_clock_started_at = now
    complaint.resolution_paused_minutes = 0
    complaint.timers.resolution_warned = False
    complaint.timers.resolution_breached = False
    complaint.resolution_breached = False
    # the complainant asked for a review: a new regulatory clock (REGULATORY_REVIEW_DAYS) from now
    complaint.regulatory_clock_started_at = now
    complaint.timers.regulatory_warned = False
    complaint.timers.regulatory_breached = False
    complaint.regulatory_breached = False
    if complaint.category == Category.COLLECTION_CONDUCT:
        _hold_request(complaint, actor=actor, reason=HoldReason.CATEGORY)
    _save(complaint)
    _event(
        complaint, EventKind.REOPENED, actor, from_state=from_state, to_state=complaint.state,
        body=reason.strip(), visible=True, payload={"previous": previous, "cycle": complaint.reopen_count},
    )
    return complaint


@transaction.atomic
def complaint_reject(
    *, complaint: Complaint, reason: str, note: str, actor, expected_version: int | None = None
) -> Complaint:
    """Any open state → rejected (spam, duplicate, out of scope) with the reason recorded."""
    complaint = _lock(complaint)
    _check_version(complaint, expected_version)
    _validate_choice(reason, RejectReason, "reason")
    if _blank(note):
        raise DomainError(_("请填写不予受理的具体说明。"), field="note")
    from_state = _transition(complaint, "reject", actor)
    now = _now()
    clocks.unpause(complaint, clocks.working_time_for_branch(complaint.branch), now)
    complaint.reject_reason = reason
    complaint.closed_at = now
    _hold_release(complaint, actor=actor)
    _stop_escalation_clocks(complaint)
    _save(complaint)
    _event(
        complaint, EventKind.REJECTED, actor, from_state=from_state, to_state=complaint.state,
        body=str(RejectReason(reason).label), visible=True, payload={"reason": reason, "note": note.strip()},
    )
    return complaint


@transaction.atomic
def complaint_merge(
    *, complaint: Complaint, into: Complaint, actor, note: str = "", expected_version: int | None = None
) -> Complaint:
    """Merge a duplicate (`complaint`, any open state → merged) into the primary `into`.

    Both timelines are kept: the duplicate's events stay on it, and each gets an event pointing at the
    other. Rows are locked in id order so two merges of the same pair cannot deadlock.
    """
    if getattr(into, "pk", into) == complaint.pk:
        raise DomainError(_("不能将投诉合并到其自身。"), field="into")
    first, second = sorted([complaint.pk, into.pk])
    locked = {first: _lock(first), second: _lock(second)}
    duplicate, primary = locked[complaint.pk], locked[into.pk]
    _check_version(duplicate, expected_version)
    if actor is not None and not perms.can_view(actor, primary):
        raise DomainError(_("找不到该主投诉。"), field="into")
    if primary.state in FINAL_STATES:
        raise DomainError(_("主投诉已结束，不能合并到它。"), field="into", code="transition_not_allowed")
    from_state = _transition(duplicate, "merge", actor)
    now = _now()
    clocks.unpause(duplicate, clocks.working_time_for_branch(duplicate.branch), now)
    duplicate.merged_into = primary
    duplicate.closed_at = now
    _hold_release(duplicate, actor=actor)
    _stop_escalation_clocks(duplicate)
    _save(duplicate)
    _event(
        duplicate, EventKind.MERGED, actor, from_state=from_state, to_state=duplicate.state,
        body=_("已合并至投诉 %(code)s") % {"code": primary.tracking_code}, visible=True,
        payload={"into_id": primary.pk, "into_code": primary.tracking_code, "note": note.strip()},
    )
    primary.version += 1
    primary.save(update_fields=["version", "updated_at"])
    _event(
        primary, EventKind.DUPLICATE_MERGED, actor, body=note.strip(),
        payload={"duplicate_id": duplicate.pk, "duplicate_code": duplicate.tracking_code},
    )
    return duplicate


def _check_assignee(complaint: Complaint, assignee) -> None:
    if not (assignee.is_active and perms.can_work(assignee, complaint)):
        raise DomainError(_("该员工不能处理此投诉（角色或分支机构不符）。"), field="assignee")


@transaction.atomic
def complaint_assign(
    *, complaint: Complaint, assignee, actor, note: str = "", expected_version: int | None = None
) -> Complaint:
    """Hand the complaint to `assignee`. The first-contact owner stays (首问负责制)."""
    complaint = _lock(complaint)
    _check_version(complaint, expected_version)
    _require(perms.can_assign, actor, complaint, assignee)
    if complaint.state in FINAL_STATES:
        raise _not_allowed(complaint)
    _check_assignee(complaint, assignee)
    previous = complaint.assignee_id
    complaint.assignee = assignee
    if complaint.owner_id is None:
        complaint.owner = assignee
    complaint.version += 1
    complaint.save()
    _event(
        complaint, EventKind.ASSIGNED, actor, body=note.strip(),
        payload={"from_id": previous, "to_id": assignee.pk, "to_name": str(assignee), "owner_id": complaint.owner_id},
    )
    return complaint


@transaction.atomic
def complaint_add_note(*, complaint: Complaint, body: str, actor) -> ComplaintEvent:
    """An internal note: never shown to the borrower."""
    complaint = _lock(complaint)
    _require(perms.can_add_note, actor, complaint)
    if _blank(body):
        raise DomainError(_("备注不能为空。"), field="body")
    return _event(complaint, EventKind.NOTE, actor, body=body.strip())


def _reply(complaint: Complaint, *, body: str, channel: str, actor, wt, now) -> ComplaintEvent:
    if channel not in ReplyChannel.values:
        raise DomainError(_("请选择答复方式。"), field="channel")
    if channel == ReplyChannel.SMS and not complaint.contact_mobile:
        raise DomainError(_("没有手机号，不能发送短信。"), field="channel")
    if channel == ReplyChannel.EMAIL and not complaint.contact_email:
        raise DomainError(_("没有邮箱地址，不能发送邮件。"), field="channel")
    if channel != ReplyChannel.PHONE:
        with translation.override(complaint.language):
            title = _("关于您的投诉 %(code)s") % {"code": complaint.tracking_code}
        _send_to_borrower(complaint, channel=channel, body=body, title=title, key=None, actor=actor)
    first = complaint.first_responded_at is None
    _record_first_response(complaint, wt, now)
    return _event(
        complaint, EventKind.REPLY, actor, body=body, visible=True,
        payload={"channel": channel, "first_response": first},
    )


@transaction.atomic
def complaint_reply(
    *, complaint: Complaint, body: str, channel: str, actor, expected_version: int | None = None
) -> ComplaintEvent:
    """Answer the borrower by SMS or e-mail (or record a phone call made). Shown on the tracking
    page; the first one stops the first-response clock."""
    complaint = _lock(complaint)
    _check_version(complaint, expected_version)
    _require(perms.can_reply, actor, complaint)
    if complaint.state in FINAL_STATES:
        raise _not_allowed(complaint)
    if _blank(body):
        raise DomainError(_("答复内容不能为空。"), field="body")
    wt = clocks.working_time_for_branch(complaint.branch)
    event = _reply(complaint, body=body.strip(), channel=channel, actor=actor, wt=wt, now=_now())
    _save(complaint, wt)
    return event


@transaction.atomic
def complaint_extend_deadline(
    *, complaint: Complaint, days: int, reason: str, actor, expected_version: int | None = None
) -> Complaint:
    """Extend the regulatory deadline once, by at most REGULATORY_EXTENSION_MAX_DAYS, with a reason,
    before it passes. The complainant is told the new date."""
    complaint = _lock(complaint)
    _check_version(complaint, expected_version)
    _require(perms.can_extend_deadline, actor, complaint)
    max_days = settings.CRM["REGULATORY_EXTENSION_MAX_DAYS"]
    if not complaint.is_open:
        raise _not_allowed(complaint)
    if complaint.extended_days:
        raise AlreadyExtended(_("监管时限只能延长一次，本投诉已延长过。"))
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= max_days:
        raise DomainError(_("延长天数须在 1 到 %(max)s 天之间。") % {"max": max_days}, field="days")
    if _blank(reason):
        raise DomainError(_("请填写延长原因。"), field="reason")
    now = _now()
    if complaint.regulatory_due_at and now > complaint.regulatory_due_at:
        raise TransitionNotAllowed(_("监管时限已过，不能再延长。"), code="deadline_passed")
    previous_due = complaint.regulatory_due_at
    complaint.extended_days = days
    complaint.extension_reason = reason.strip()
    complaint.extended_at = now
    complaint.extended_by = actor
    _save(complaint)
    with translation.override(complaint.language):
        body = _("您的投诉（编号 %(code)s）因情况复杂需要更多时间核实，答复期限延长至 %(due)s。原因：%(reason)s") % {
            "code": complaint.tracking_code, "due": _local(complaint, complaint.regulatory_due_at),
            "reason": complaint.extension_reason,
        }
        title = _("投诉答复期限延长")
    channel = _best_channel(complaint)
    if channel:
        _send_to_borrower(complaint, channel=channel, body=body, title=title, key="extended", actor=actor)
    _event(
        complaint, EventKind.EXTENDED, actor, body=body, visible=True,
        payload={
            "days": days, "reason": complaint.extension_reason,
            "previous_due": previous_due.isoformat() if previous_due else None,
            "new_due": complaint.regulatory_due_at.isoformat(),
        },
    )
    return complaint


@transaction.atomic
def complaint_request_collection_hold(*, complaint: Complaint, actor, reason: str = "") -> Complaint:
    """A supervisor puts the loan's collection case on hold for this complaint (any category)."""
    complaint = _lock(complaint)
    _require(perms.can_request_collection_hold, actor, complaint)
    if not complaint.is_open:
        raise _not_allowed(complaint)
    if complaint.loan_id is None:
        raise DomainError(_("该投诉未关联贷款，无法暂停催收。"), field="loan")
    if complaint.collection_hold:
        raise TransitionNotAllowed(_("该贷款的催收已因本投诉暂停。"), code="already_on_hold")
    _hold_request(complaint, actor=actor, reason=HoldReason.SUPERVISOR)
    complaint.version += 1
    complaint.save()
    if reason.strip():
        _event(complaint, EventKind.NOTE, actor, body=reason.strip())
    return complaint


@transaction.atomic
def complaint_release_collection_hold(*, complaint: Complaint, actor) -> Complaint:
    complaint = _lock(complaint)
    _require(perms.can_request_collection_hold, actor, complaint)
    if not complaint.collection_hold:
        raise TransitionNotAllowed(_("本投诉没有暂停催收。"), code="not_on_hold")
    _hold_release(complaint, actor=actor)
    complaint.version += 1
    complaint.save()
    return complaint


# --- time-driven ------------------------------------------------------------------------------------


def complaints_autoclose(*, now: datetime | None = None, batch_size: int = 1000) -> int:
    """Close resolved complaints that got no feedback within FEEDBACK_AUTOCLOSE_DAYS.

    Set-based over the partial index on resolved_at; batches claimed with `skip_locked` and a
    compare-and-set on the state, so two runs at once close each complaint once.
    """
    from django.db.models import F

    now = now or _now()
    cutoff = now - timedelta(days=settings.CRM["FEEDBACK_AUTOCLOSE_DAYS"])
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Complaint.objects.select_for_update(skip_locked=True)
                .filter(state=State.RESOLVED, resolved_at__lte=cutoff)
                .order_by("resolved_at")
                .values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                return total
            Complaint.objects.filter(id__in=ids, state=State.RESOLVED).update(
                state=State.CLOSED, closed_at=now, version=F("version") + 1, updated_at=now
            )
            ComplaintEvent.objects.bulk_create(
                ComplaintEvent(
                    complaint_id=pk, kind=EventKind.AUTO_CLOSED, from_state=State.RESOLVED, to_state=State.CLOSED,
                    payload={"after_days": settings.CRM["FEEDBACK_AUTOCLOSE_DAYS"]}, created_at=now,
                )
                for pk in ids
            )
            held = Complaint.objects.filter(id__in=ids, collection_hold=True)
            for complaint in held.select_related("loan"):
                _hold_release(complaint, actor=None)
                complaint.save(update_fields=["collection_hold", "updated_at"])
            total += len(ids)
        if len(ids) < batch_size:
            return total


# Re-exported so callers find every complaint write here.
from complaints.escalations import escalation_acknowledge, escalation_raise, sla_sweep  # noqa: E402

__all__ = [
    "OPEN_STATES",
    "AlreadyExtended",
    "ReopenWindowExpired",
    "complaint_add_attachment",
    "complaint_add_note",
    "complaint_assign",
    "complaint_classify",
    "complaint_create",
    "complaint_extend_deadline",
    "complaint_link",
    "complaint_merge",
    "complaint_record_feedback",
    "complaint_reject",
    "complaint_release_collection_hold",
    "complaint_reopen",
    "complaint_reply",
    "complaint_request_collection_hold",
    "complaint_resolve",
    "complaint_resume",
    "complaint_start",
    "complaint_wait_on_borrower",
    "complaints_autoclose",
    "escalation_acknowledge",
    "escalation_raise",
    "sla_sweep",
]
