"""Complaints: the record, its append-only timeline, attachments, SLA policies and calendars, and the
escalation ladder.

The state field is protected: only the `@transition` methods below change it, and only the services
in `complaints.services` call them (with the row locked and the timeline event written in the same
transaction).
"""

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from complaints import permissions as perms
from complaints.choices import (
    OPEN_STATES,
    SLA_RUNNING_STATES,
    CalendarDayKind,
    Category,
    Clock,
    ComplaintChannel,
    ContactChannel,
    ContactTime,
    EscalationLevel,
    EscalationTrigger,
    EventKind,
    HoldReason,
    Priority,
    RejectReason,
    RootCause,
    State,
    Weekday,
)

# Unambiguous to read aloud or type from an SMS: no 0/O, 1/I/L.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_CODE_LENGTH = 10  # 31^10 ≈ 8·10^14: not guessable, short enough to type


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _i in range(TRACKING_CODE_LENGTH))


def normalize_tracking_code(code: str) -> str:
    """What a person typed → the stored form: upper case, spaces and dashes dropped."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:16]


_ROLE = settings.AUTH_USER_MODEL


class Complaint(models.Model):
    tracking_code = models.CharField(_("受理编号"), max_length=16, default=new_tracking_code, editable=False)
    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)
    channel = models.CharField(_("来源渠道"), max_length=20, choices=ComplaintChannel.choices, default=ComplaintChannel.WEB_FORM)
    category = models.CharField(_("类别"), max_length=30, choices=Category.choices, default=Category.OTHER)
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    branch = models.ForeignKey(
        "accounts.Branch", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("分支机构"), db_index=False
    )
    borrower = models.ForeignKey(
        "borrowers.Borrower", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("借款人")
    )
    loan = models.ForeignKey(
        "borrowers.Loan", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("贷款")
    )
    # as submitted: the person filing may not (yet) be matched to a borrower
    complainant_name = models.CharField(_("投诉人姓名"), max_length=50)
    complainant_mobile = models.CharField(_("投诉人手机号"), max_length=20, blank=True)
    complainant_email = models.EmailField(_("投诉人邮箱"), blank=True)
    preferred_channel = models.CharField(
        _("希望的联系方式"), max_length=10, choices=ContactChannel.choices, default=ContactChannel.PHONE
    )
    preferred_contact_time = models.CharField(
        _("方便联系时间"), max_length=10, choices=ContactTime.choices, default=ContactTime.ANY
    )
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    description = models.TextField(_("投诉内容"))
    desired_outcome = models.TextField(_("诉求"), blank=True)

    state = FSMField(_("状态"), default=State.INTAKE, choices=State.choices, protected=True)
    # first-contact responsibility (首问负责制): the first agent who takes it stays owner until it closes
    owner = models.ForeignKey(
        _ROLE, null=True, blank=True, on_delete=models.PROTECT, related_name="owned_complaints", verbose_name=_("首问负责人"),
        db_index=False,
    )
    assignee = models.ForeignKey(
        _ROLE, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_complaints", verbose_name=_("当前处理人"),
        db_index=False,
    )
    created_by = models.ForeignKey(
        _ROLE, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False, db_index=False
    )

    # outcome
    resolution_summary = models.TextField(_("处理结果"), blank=True)
    root_cause = models.CharField(_("根因"), max_length=30, choices=RootCause.choices, blank=True)
    reject_reason = models.CharField(_("不予受理原因"), max_length=20, choices=RejectReason.choices, blank=True)
    csat = models.PositiveSmallIntegerField(
        _("满意度"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    feedback_comment = models.TextField(_("评价内容"), blank=True)
    feedback_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重开次数"), default=0)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates", verbose_name=_("合并至"),
        db_index=False,
    )

    # milestones
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now, db_index=True)
    first_responded_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # clock 1: service SLA (business minutes of the branch calendar; paused while waiting on the borrower)
    sla_policy = models.ForeignKey(
        "SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    first_response_target_minutes = models.PositiveIntegerField(_("首次响应目标（工作分钟）"), default=0)
    resolution_target_minutes = models.PositiveIntegerField(_("解决目标（工作分钟）"), default=0)
    resolution_clock_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_response_due_at = models.DateTimeField(_("首次响应截止"), null=True, blank=True)
    first_response_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_due_at = models.DateTimeField(_("解决截止"), null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    # paused-SLA bookkeeping: business minutes spent waiting on the borrower, per clock
    sla_paused_at = models.DateTimeField(_("计时暂停于"), null=True, blank=True)
    first_response_paused_minutes = models.PositiveIntegerField(default=0, editable=False)
    resolution_paused_minutes = models.PositiveIntegerField(default=0, editable=False)

    # clock 2: regulatory deadline (calendar days from receipt, never paused, one extension); a reopen is
    # the complainant's request for review (核查), answered within REGULATORY_REVIEW_DAYS of the request
    regulatory_clock_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    regulatory_due_at = models.DateTimeField(_("监管截止"), null=True, blank=True)
    regulatory_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    extended_days = models.PositiveSmallIntegerField(_("延长天数"), default=0)
    extension_reason = models.TextField(_("延长原因"), blank=True)
    extended_at = models.DateTimeField(_("延长时间"), null=True, blank=True)
    extended_by = models.ForeignKey(_ROLE, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)

    # stored outcomes (for reports: never recomputed)
    minutes_to_first_response = models.PositiveIntegerField(_("首次响应用时（工作分钟）"), null=True, blank=True)
    minutes_to_resolution = models.PositiveIntegerField(_("解决用时（工作分钟）"), null=True, blank=True)
    # stored outcome per clock: it ran past its deadline (measured when the clock stops, or marked by
    # the SLA sweep — `ComplaintTimers` — and carried over on the next write by a service)
    first_response_breached = models.BooleanField(_("首次响应超时"), default=False)
    resolution_breached = models.BooleanField(_("解决超时"), default=False)
    regulatory_breached = models.BooleanField(_("监管超时"), default=False)
    # the escalation ladder (level, warnings, breach marks) lives in ComplaintTimers: the every-minute
    # sweep then rewrites a narrow row with a few indexes, not this wide one with many

    # collections link: a complaint can put the loan's collection case on hold
    collection_hold = models.BooleanField(_("已暂停催收"), default=False)
    collection_hold_reason = models.CharField(max_length=12, choices=HoldReason.choices, blank=True)

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        ordering = ["-received_at", "-id"]
        # The SLA sweep's indexes are on ComplaintTimers; the sweep never rewrites this row.
        indexes = [
            models.Index(fields=["branch", "state", "-received_at"], name="cmp_branch_state_idx"),
            models.Index(fields=["state", "-received_at"], name="cmp_state_received_idx"),
            models.Index(fields=["merged_into"], name="cmp_merged_into_idx", condition=Q(merged_into__isnull=False)),
            models.Index(fields=["assignee", "state"], name="cmp_assignee_state_idx"),
            # feedback auto-close
            models.Index(fields=["resolved_at"], name="cmp_resolved_open_idx", condition=Q(state=State.RESOLVED)),
            # dashboards (root causes by resolution date) and the workspace's search by the complainant's
            # own mobile (complaints not yet linked to a borrower); neither column changes on escalation
            models.Index(fields=["resolved_at"], name="cmp_resolved_at_idx", condition=Q(resolved_at__isnull=False)),
            models.Index(fields=["complainant_mobile"], name="cmp_complainant_mobile_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tracking_code"], name="complaint_tracking_code_unique"),
            models.CheckConstraint(
                condition=Q(csat__isnull=True) | Q(csat__gte=1, csat__lte=5), name="complaint_csat_1_to_5"
            ),
        ]
        permissions = [("view_all_complaints", "Can view complaints of every branch")]

    def __str__(self):
        return self.tracking_code

    def save(self, *args, **kwargs):
        creating = self._state.adding
        super().save(*args, **kwargs)
        if creating:  # every complaint has its timers row, however it was created
            ComplaintTimers.objects.get_or_create(complaint=self, defaults=armed_deadlines(self))

    # --- convenience ---------------------------------------------------------------------------
    @property
    def _timers(self):
        return getattr(self, "timers", None)  # a missing reverse one-to-one raises an AttributeError subclass

    @property
    def escalation_level(self) -> int:
        """The highest level of the escalation ladder reached (0: never escalated)."""
        timers = self._timers
        return timers.escalation_level if timers else 0

    @property
    def escalated_at(self):
        timers = self._timers
        return timers.escalated_at if timers else None

    def is_breached(self, clock: str) -> bool:
        """The clock ran past its deadline: stored outcome, or marked by the sweep while running."""
        timers = self._timers
        return getattr(self, f"{clock}_breached") or bool(timers and getattr(timers, f"{clock}_breached"))

    @property
    def first_response_is_breached(self) -> bool:
        return self.is_breached(Clock.FIRST_RESPONSE)

    @property
    def resolution_is_breached(self) -> bool:
        return self.is_breached(Clock.RESOLUTION)

    @property
    def regulatory_is_breached(self) -> bool:
        return self.is_breached(Clock.REGULATORY)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_paused(self) -> bool:
        return self.state == State.WAITING_ON_BORROWER

    @property
    def contact_mobile(self) -> str:
        return self.complainant_mobile or (self.borrower.mobile if self.borrower_id else "")

    @property
    def contact_email(self) -> str:
        return self.complainant_email or (self.borrower.email if self.borrower_id else "")

    @property
    def complainant_mobile_masked(self) -> str:
        from common.masking import mask_phone

        return mask_phone(self.complainant_mobile)

    # --- transitions (they only flip state; services do the rest) ---------------------------------
    @transition(field=state, source=State.INTAKE, target=State.CLASSIFIED, permission=perms.fsm_can_classify)
    def classify(self):
        pass

    @transition(field=state, source=State.CLASSIFIED, target=State.IN_PROGRESS, permission=perms.fsm_can_work)
    def start(self):
        pass

    @transition(field=state, source=State.IN_PROGRESS, target=State.WAITING_ON_BORROWER, permission=perms.fsm_can_work)
    def wait_on_borrower(self):
        pass

    @transition(field=state, source=State.WAITING_ON_BORROWER, target=State.IN_PROGRESS)
    def resume(self):
        pass

    @transition(
        field=state, source=[State.IN_PROGRESS, State.WAITING_ON_BORROWER], target=State.RESOLVED,
        permission=perms.fsm_can_resolve,
    )
    def resolve(self):
        pass

    @transition(field=state, source=State.RESOLVED, target=State.CLOSED)
    def close(self):
        pass

    @transition(field=state, source=[State.RESOLVED, State.CLOSED], target=State.IN_PROGRESS)
    def reopen(self):
        pass

    @transition(field=state, source=list(OPEN_STATES), target=State.REJECTED, permission=perms.fsm_can_reject)
    def reject(self):
        pass

    @transition(field=state, source=list(OPEN_STATES), target=State.MERGED, permission=perms.fsm_can_merge)
    def merge(self):
        pass


def armed_deadlines(complaint: Complaint) -> dict:
    """Deadlines of the clocks that are running now (None for a stopped or paused clock): what the SLA
    sweep watches. First response and resolution run in intake / classified / in progress (paused while
    waiting on the borrower); the regulatory clock runs in every open state."""
    sla = complaint.state in SLA_RUNNING_STATES
    first = sla and complaint.first_responded_at is None
    regulatory = complaint.state in OPEN_STATES
    return {
        "first_response_due_at": complaint.first_response_due_at if first else None,
        "first_response_warn_at": complaint.first_response_warn_at if first else None,
        "resolution_due_at": complaint.resolution_due_at if sla else None,
        "resolution_warn_at": complaint.resolution_warn_at if sla else None,
        "regulatory_due_at": complaint.regulatory_due_at if regulatory else None,
        "regulatory_warn_at": complaint.regulatory_warn_at if regulatory else None,
    }


def _armed(field: str, mark: str) -> Q:
    return Q(**{f"{field}__isnull": False, mark: False})


class ComplaintTimers(models.Model):
    """The escalation ladder's state for one complaint: the deadlines of its running clocks, whether
    each clock has warned and breached (once per clock and cycle), and the level reached.

    A narrow row of its own so that the every-minute SLA sweep, which flips these marks for thousands
    of complaints at once, rewrites a few small index entries instead of the wide complaint row and
    all its indexes. The deadlines are copies kept by the complaint services (`armed_deadlines`, on
    every state change, in the same transaction); each partial index holds only armed, unmarked rows.
    """

    complaint = models.OneToOneField(
        Complaint, primary_key=True, on_delete=models.CASCADE, related_name="timers", verbose_name=_("投诉")
    )
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    first_response_warn_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True)
    regulatory_due_at = models.DateTimeField(null=True, blank=True)
    regulatory_warn_at = models.DateTimeField(null=True, blank=True)
    first_response_warned = models.BooleanField(default=False)
    resolution_warned = models.BooleanField(default=False)
    regulatory_warned = models.BooleanField(default=False)
    first_response_breached = models.BooleanField(_("首次响应超时"), default=False)
    resolution_breached = models.BooleanField(_("解决超时"), default=False)
    regulatory_breached = models.BooleanField(_("监管超时"), default=False)
    escalation_level = models.PositiveSmallIntegerField(_("升级级别"), default=0)
    escalated_at = models.DateTimeField(_("最近升级时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投诉时限与升级")
        verbose_name_plural = _("投诉时限与升级")
        indexes = [
            models.Index(fields=["first_response_due_at"], name="cmt_fr_due_idx",
                         condition=_armed("first_response_due_at", "first_response_breached")),
            models.Index(fields=["first_response_warn_at"], name="cmt_fr_warn_idx",
                         condition=_armed("first_response_warn_at", "first_response_warned")),
            models.Index(fields=["resolution_due_at"], name="cmt_res_due_idx",
                         condition=_armed("resolution_due_at", "resolution_breached")),
            models.Index(fields=["resolution_warn_at"], name="cmt_res_warn_idx",
                         condition=_armed("resolution_warn_at", "resolution_warned")),
            models.Index(fields=["regulatory_due_at"], name="cmt_reg_due_idx",
                         condition=_armed("regulatory_due_at", "regulatory_breached")),
            models.Index(fields=["regulatory_warn_at"], name="cmt_reg_warn_idx",
                         condition=_armed("regulatory_warn_at", "regulatory_warned")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(escalation_level__lte=3), name="complaint_timers_level_max_3"),
        ]

    def __str__(self):
        return f"{self.complaint_id} L{self.escalation_level}"

    def arm(self, complaint: Complaint) -> None:
        """Copy the running clocks' deadlines from the complaint (call before saving both)."""
        for field, value in armed_deadlines(complaint).items():
            setattr(self, field, value)


def attachment_upload_to(instance, filename):
    # never the submitted file name on disk: it is user input
    now = timezone.now()
    return f"complaints/{now:%Y/%m}/{uuid.uuid4().hex}"


class ComplaintAttachment(models.Model):
    """A file the complainant (or an agent) attached. Stored under MEDIA_ROOT, outside the web root,
    and only streamed by a view that checks the viewer may see the complaint."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_upload_to, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(_ROLE, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("投诉附件")
        verbose_name_plural = _("投诉附件")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name


class ComplaintEvent(models.Model):
    """Append-only timeline. `visible_to_borrower` events (acknowledgement, replies, resolution …) are
    shown on the public tracking page with `body`; everything else (internal notes) never is."""

    # In PostgreSQL the key is checked per statement by a trigger (migration 0007), not per row: a
    # row-level foreign-key check locks the complaint row, and the SLA sweep inserts an event for each
    # of thousands of complaints it escalates. Deleting a complaint with events is refused there too.
    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="events", db_index=False, db_constraint=False
    )
    kind = models.CharField(_("类型"), max_length=40, choices=EventKind.choices)
    actor = models.ForeignKey(
        _ROLE, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("操作人"), db_index=False
    )
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24, blank=True)
    body = models.TextField(_("内容"), blank=True)
    payload = models.JSONField(default=dict, blank=True)
    visible_to_borrower = models.BooleanField(_("客户可见"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("投诉时间线")
        verbose_name_plural = _("投诉时间线")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["complaint", "created_at"], name="cmp_event_timeline_idx")]

    def __str__(self):
        return f"{self.complaint_id} {self.kind}"

    @property
    def actor_name(self) -> str:
        return str(self.actor) if self.actor_id else ""


# --- the two clocks: policies and calendars -----------------------------------------------------


class SlaPolicy(models.Model):
    """Service targets for one category × priority, in business minutes of the branch calendar."""

    category = models.CharField(_("类别"), max_length=30, choices=Category.choices)
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(_("首次响应（工作分钟）"), validators=[MinValueValidator(1)])
    resolution_minutes = models.PositiveIntegerField(_("解决（工作分钟）"), validators=[MinValueValidator(1)])
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("服务时限策略")
        verbose_name_plural = _("服务时限策略")
        ordering = ["category", "priority"]
        constraints = [models.UniqueConstraint(fields=["category", "priority"], name="sla_policy_unique_category_priority")]

    def __str__(self):
        return f"{self.get_category_display()} / {self.get_priority_display()}"


class BusinessCalendar(models.Model):
    """Working hours per weekday plus holidays and make-up working days (调休). A branch uses its own
    calendar, else the default one; times are read in the branch's time zone."""

    name = models.CharField(_("名称"), max_length=100)
    branch = models.OneToOneField(
        "accounts.Branch", null=True, blank=True, on_delete=models.PROTECT, related_name="business_calendar",
        verbose_name=_("分支机构"), help_text=_("留空表示默认日历（未单独配置的分支机构使用）"),
    )
    is_default = models.BooleanField(_("默认日历"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_calendar"),
        ]

    def __str__(self):
        return self.name


class WorkingHours(models.Model):
    """One working interval on a weekday (a day may have two, e.g. around lunch)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=Weekday.choices)
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"))

    class Meta:
        verbose_name = _("工作时段")
        verbose_name_plural = _("工作时段")
        ordering = ["weekday", "start"]
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="working_hours_end_after_start")]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class Holiday(models.Model):
    """A date that differs from the weekly pattern: a public holiday (no work) or a make-up working day
    (调休, e.g. a Sunday worked before the Spring Festival) with its hours (default: Monday's)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("日期"))
    name = models.CharField(_("名称"), max_length=100, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=CalendarDayKind.choices, default=CalendarDayKind.HOLIDAY)
    start = models.TimeField(_("开始"), null=True, blank=True, help_text=_("仅调休上班日；留空则按星期一的工作时间"))
    end = models.TimeField(_("结束"), null=True, blank=True)

    class Meta:
        verbose_name = _("节假日/调休")
        verbose_name_plural = _("节假日/调休")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_unique_per_calendar_date")]

    def __str__(self):
        return f"{self.date} {self.name}"


# --- escalation ladder ----------------------------------------------------------------------------


class EscalationContact(models.Model):
    """Named recipients of an escalation level. Rule (documented in docs/complaints.md): the active
    contacts configured for the level and the complaint's branch, plus those for the level with no
    branch (company-wide); when none are configured, the role rule applies — level 1 the branch's
    supervisors, level 2 every HQ user, level 3 every compliance user."""

    level = models.PositiveSmallIntegerField(_("级别"), choices=EscalationLevel.choices)
    branch = models.ForeignKey(
        "accounts.Branch", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("分支机构"),
        help_text=_("留空表示适用所有分支机构"),
    )
    user = models.ForeignKey(_ROLE, on_delete=models.PROTECT, related_name="escalation_contacts", verbose_name=_("接收人"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("升级接收人")
        verbose_name_plural = _("升级接收人")
        ordering = ["level", "branch_id", "user_id"]
        constraints = [models.UniqueConstraint(fields=["level", "branch", "user"], name="escalation_contact_unique")]

    def __str__(self):
        return f"L{self.level} {self.user}"


class Escalation(models.Model):
    """One step up the ladder. Unique per (complaint, clock, cycle) for breaches, so a sweep run twice
    escalates once; an unacknowledged one climbs once (unique `previous`)."""

    # key checked per statement in PostgreSQL, as for ComplaintEvent (migration 0007)
    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="escalations", db_index=False, db_constraint=False
    )
    level = models.PositiveSmallIntegerField(_("级别"), choices=EscalationLevel.choices)
    trigger = models.CharField(_("原因"), max_length=20, choices=EscalationTrigger.choices)
    clock = models.CharField(_("时限"), max_length=20, choices=Clock.choices, blank=True)
    # the resolution and regulatory clocks restart on reopen: a new cycle may breach again
    cycle = models.PositiveSmallIntegerField(default=0)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="climbed_to", verbose_name=_("上一级升级"),
        db_index=False,
    )
    recipients = models.JSONField(_("通知对象"), default=list, blank=True)  # [{"id": .., "name": ..}]
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(_ROLE, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    created_at = models.DateTimeField(default=timezone.now)
    # unacknowledged past this → climbs a level (NULL once acknowledged, climbed or the complaint left open states)
    ack_due_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        _ROLE, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("确认人"), db_index=False
    )
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("升级记录")
        verbose_name_plural = _("升级记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "clock", "cycle"], condition=Q(trigger=EscalationTrigger.BREACH),
                name="escalation_once_per_breach",
            ),
            # an unacknowledged escalation climbs once
            models.UniqueConstraint(
                fields=["previous"], condition=Q(previous__isnull=False), name="escalation_climbs_once"
            ),
        ]
        indexes = [
            models.Index(fields=["ack_due_at"], name="esc_ack_due_idx", condition=Q(acknowledged_at__isnull=True, ack_due_at__isnull=False)),
            models.Index(fields=["complaint", "-created_at"], name="esc_complaint_idx"),
        ]

    def __str__(self):
        return f"{self.complaint_id} L{self.level} {self.trigger}"

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None
