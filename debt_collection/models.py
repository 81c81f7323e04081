"""Collection cases, the contact log, promises to pay, repayment arrangements and the data the
contact-compliance guard reads (rule packs) and writes (blocked contacts)."""

from datetime import time
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from debt_collection.choices import (
    HOLDABLE_STATES,
    OPEN_STATES,
    ArrangementKind,
    ArrangementStatus,
    CaseState,
    ContactChannel,
    ContactOutcome,
    ContactPurpose,
    ContactTarget,
    EnforcementStage,
    HoldReason,
    OrganisationKind,
    PromiseStatus,
)

ZERO = Decimal("0.00")


# --- compliance rule packs -----------------------------------------------------------------------


class ContactRulePack(models.Model):
    """One set of contact rules (CN, US …). A branch chooses its pack by `code`
    (`accounts.Branch.contact_rule_pack`); every number here is edited in the admin, not in code.

    An empty number switches that rule off.
    """

    code = models.CharField(_("编码"), max_length=8, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    # local hours, in the borrower's branch time zone: no contact from quiet_start until quiet_end
    quiet_start = models.TimeField(_("禁止联系开始（当地时间）"), default=time(22, 0))
    quiet_end = models.TimeField(_("禁止联系结束（当地时间）"), default=time(8, 0))
    # frequency (collection calls only)
    max_unanswered_calls_per_number_per_day = models.PositiveSmallIntegerField(
        _("每个号码每天最多未接通电话数"), null=True, blank=True
    )
    max_calls_per_debt_in_period = models.PositiveSmallIntegerField(_("每笔债务周期内最多电话数"), null=True, blank=True)
    call_period_days = models.PositiveSmallIntegerField(_("电话计数周期（天）"), default=7)
    days_after_conversation = models.PositiveSmallIntegerField(
        _("通话后静默天数"), null=True, blank=True, help_text=_("与借款人通话后若干天内不再致电")
    )
    # third parties (emergency contacts)
    third_party_failed_attempts = models.PositiveSmallIntegerField(
        _("联系第三方前借款人连续失联次数"), default=3, help_text=_("号码无效或连续若干次未接通才视为失联")
    )
    # records
    require_call_recording = models.BooleanField(_("通话必须录音"), default=True)
    min_visit_staff = models.PositiveSmallIntegerField(_("外访最少人数"), default=2)
    record_retention_years = models.PositiveSmallIntegerField(_("记录保存年限"), default=3)
    electronic_opt_out_notice = models.BooleanField(_("短信/邮件须附退订说明"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("催收合规规则包")
        verbose_name_plural = _("催收合规规则包")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} · {self.name}"


class BlockedContact(models.Model):
    """A contact the guard refused. Append-only; a compliance metric."""

    borrower = models.ForeignKey("borrowers.Borrower", on_delete=models.PROTECT, related_name="+", verbose_name=_("借款人"))
    case = models.ForeignKey(
        "CollectionCase", null=True, blank=True, on_delete=models.PROTECT, related_name="blocked_contacts"
    )
    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("分支机构"))
    emergency_contact = models.ForeignKey(
        "borrowers.EmergencyContact", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=ContactChannel.choices)
    purpose = models.CharField(_("目的"), max_length=12, choices=ContactPurpose.choices)
    rule = models.CharField(_("规则"), max_length=40, db_index=True)
    rule_pack = models.CharField(_("规则包"), max_length=8)
    message = models.CharField(_("原因"), max_length=300, blank=True)
    next_allowed_at = models.DateTimeField(_("最早可联系时间"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("尝试时间"), db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("被拦截的联系")
        verbose_name_plural = _("被拦截的联系")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["branch", "-at"]), models.Index(fields=["borrower", "-at"])]

    def __str__(self):
        return f"{self.rule} {self.channel} {self.at:%Y-%m-%d %H:%M}"


# --- organisations and collectors ------------------------------------------------------------------


class CollectorOrganisation(models.Model):
    """Who works cases: the company's own collection team(s) or an external agency (委外机构).
    An agency's staff see only the cases placed with it."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=OrganisationKind.choices, default=OrganisationKind.INTERNAL)
    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("分支机构"))
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    contract_number = models.CharField(_("委托合同号"), max_length=64, blank=True)
    contract_ends_on = models.DateField(_("委托到期日"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("催收机构")
        verbose_name_plural = _("催收机构")
        ordering = ["branch_id", "kind", "name"]

    def __str__(self):
        return self.name

    @property
    def is_agency(self) -> bool:
        return self.kind == OrganisationKind.AGENCY


class CollectorProfile(models.Model):
    """Links a staff user to a collector organisation and says which buckets they work."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="collector_profile", verbose_name=_("员工")
    )
    organisation = models.ForeignKey(
        CollectorOrganisation, on_delete=models.PROTECT, related_name="members", verbose_name=_("催收机构")
    )
    buckets = models.JSONField(
        _("负责的逾期阶段"), default=list, blank=True, help_text=_("如 [\"M1\", \"M2\"]；留空表示全部")
    )
    max_open_cases = models.PositiveIntegerField(_("最多在手案件"), default=300)
    is_active = models.BooleanField(_("接收新案件"), default=True)

    class Meta:
        verbose_name = _("催收员档案")
        verbose_name_plural = _("催收员档案")

    def __str__(self):
        return f"{self.user} @ {self.organisation}"


# --- cases ------------------------------------------------------------------------------------------


class CollectionCase(ConcurrentTransitionMixin, models.Model):
    """One overdue loan being collected. At most one open case per loan."""

    loan = models.ForeignKey("borrowers.Loan", on_delete=models.PROTECT, related_name="collection_cases", verbose_name=_("贷款"))
    borrower = models.ForeignKey(
        "borrowers.Borrower", on_delete=models.PROTECT, related_name="collection_cases", verbose_name=_("借款人")
    )
    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("分支机构"))
    state = FSMField(_("状态"), max_length=20, choices=CaseState.choices, default=CaseState.OPEN, protected=True, db_index=True)
    hold_return_state = models.CharField(_("暂停前状态"), max_length=20, choices=CaseState.choices, blank=True)
    hold_reason = models.CharField(_("暂停原因"), max_length=12, choices=HoldReason.choices, blank=True)
    bucket = models.CharField(_("逾期阶段"), max_length=8, db_index=True)
    days_past_due = models.PositiveIntegerField(_("逾期天数"), default=0)
    amount_due = models.DecimalField(_("逾期金额"), max_digits=14, decimal_places=2, default=ZERO)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="collection_cases",
        verbose_name=_("催收员"),
    )
    agency = models.ForeignKey(
        CollectorOrganisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("委外机构"),
        limit_choices_to={"kind": OrganisationKind.AGENCY},
    )
    opened_at = models.DateTimeField(_("立案时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    last_contact_at = models.DateTimeField(_("最近联系"), null=True, blank=True)
    next_promise_date = models.DateField(_("承诺还款日"), null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("催收案件")
        verbose_name_plural = _("催收案件")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan"], condition=Q(state__in=[s.value for s in OPEN_STATES]), name="one_open_case_per_loan"
            ),
        ]
        indexes = [
            models.Index(fields=["branch", "state", "bucket"]),
            models.Index(fields=["assigned_to", "state"]),
            models.Index(fields=["agency", "state"]),
            models.Index(fields=["opened_at"], name="case_opened_at_idx"),  # dashboards: cases opened in a range
        ]

    def __str__(self):
        return f"#{self.pk} {self.loan_id} {self.state}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_on_hold(self) -> bool:
        return self.state == CaseState.ON_HOLD

    @property
    def urgency(self) -> Decimal:
        return Decimal(self.days_past_due) * self.amount_due

    # Transitions only flip state; services lock, check, save and write the timeline.
    @transition(field=state, source=CaseState.OPEN, target=CaseState.CONTACTING)
    def start_contacting(self):
        pass

    @transition(field=state, source=[CaseState.OPEN, CaseState.CONTACTING], target=CaseState.PROMISED)
    def record_promise(self):
        pass

    @transition(field=state, source=CaseState.PROMISED, target=CaseState.CONTACTING)
    def break_promise(self):
        pass

    @transition(field=state, source=CaseState.PROMISED, target=CaseState.CONTACTING)
    def keep_promise(self):
        """A kept promise that did not bring the loan current: back to work."""

    @transition(field=state, source=[CaseState.OPEN, CaseState.CONTACTING, CaseState.PROMISED], target=CaseState.ESCALATED)
    def escalate(self):
        pass

    @transition(field=state, source=CaseState.ESCALATED, target=CaseState.LEGAL)
    def start_legal(self):
        pass

    @transition(field=state, source=CaseState.LEGAL, target=CaseState.REPOSSESSION)
    def start_repossession(self):
        pass

    @transition(field=state, source=[CaseState.LEGAL, CaseState.REPOSSESSION], target=CaseState.CLOSED)
    def close(self):
        pass

    @transition(field=state, source=[CaseState.LEGAL, CaseState.REPOSSESSION], target=CaseState.WRITTEN_OFF)
    def write_off(self):
        pass

    @transition(field=state, source=list(OPEN_STATES), target=CaseState.CURED)
    def cure(self):
        pass

    @transition(field=state, source=list(HOLDABLE_STATES), target=CaseState.ON_HOLD)
    def hold(self):
        pass

    @transition(field=state, source=CaseState.ON_HOLD, target=RETURN_VALUE(*HOLDABLE_STATES))
    def release(self):
        return self.hold_return_state or CaseState.CONTACTING


class CaseHold(models.Model):
    """Why a case is on hold. The case stays on hold while any hold is unreleased
    (two complaints on one loan: both must be resolved)."""

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="holds")
    reason = models.CharField(_("原因"), max_length=12, choices=HoldReason.choices)
    complaint_id = models.PositiveBigIntegerField(_("投诉编号"), null=True, blank=True, db_index=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("暂停记录")
        verbose_name_plural = _("暂停记录")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "complaint_id"],
                condition=Q(released_at__isnull=True, complaint_id__isnull=False),
                name="one_active_hold_per_complaint",
            ),
        ]


class CaseEvent(models.Model):
    """Append-only case timeline: transitions, contacts, promises, arrangements, assignments."""

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=40, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("案件时间线")
        verbose_name_plural = _("案件时间线")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "-created_at"])]

    def __str__(self):
        return f"{self.case_id} {self.kind}"

    @property
    def label(self) -> str:
        from debt_collection.choices import EVENT_LABELS

        return str(EVENT_LABELS.get(self.kind, self.kind))


# --- contact log --------------------------------------------------------------------------------------


def recording_upload_to(instance, filename):
    # A random name: the original file name is untrusted input and may carry personal data.
    import uuid

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    ext = ext if ext.isalnum() and len(ext) <= 5 else "bin"
    return f"call-recordings/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class ContactAttempt(models.Model):
    """One logged contact (or attempt) with a borrower or an emergency contact."""

    case = models.ForeignKey(CollectionCase, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts")
    borrower = models.ForeignKey("borrowers.Borrower", on_delete=models.PROTECT, related_name="contact_attempts")
    loan = models.ForeignKey("borrowers.Loan", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("方式"), max_length=10, choices=ContactChannel.choices)
    target = models.CharField(_("对象"), max_length=20, choices=ContactTarget.choices, default=ContactTarget.BORROWER)
    emergency_contact = models.ForeignKey(
        "borrowers.EmergencyContact", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("紧急联系人"),
    )
    # the number dialled or texted (per-number frequency rule); empty for letters and visits
    phone_number = models.CharField(_("号码"), max_length=20, blank=True)
    purpose = models.CharField(_("目的"), max_length=12, choices=ContactPurpose.choices, default=ContactPurpose.COLLECTION)
    outcome = models.CharField(_("结果"), max_length=20, choices=ContactOutcome.choices)
    notes = models.TextField(_("备注"), blank=True)
    recording = models.FileField(_("通话录音"), upload_to=recording_upload_to, blank=True, max_length=200)
    recording_ref = models.CharField(_("录音编号"), max_length=120, blank=True)
    visit_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("外访人员")
    )
    occurred_at = models.DateTimeField(_("联系时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("联系记录")
        verbose_name_plural = _("联系记录")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["borrower", "channel", "-occurred_at"]),
            models.Index(fields=["loan", "channel", "-occurred_at"]),
            models.Index(fields=["case", "-occurred_at"]),
            models.Index(fields=["phone_number", "occurred_at"]),
        ]

    def __str__(self):
        return f"{self.channel} {self.outcome} {self.occurred_at:%Y-%m-%d %H:%M}"


# --- promises and arrangements --------------------------------------------------------------------


class PromiseToPay(models.Model):
    """承诺还款: the borrower promises `amount` by `promised_date` (borrower's local date).
    Kept when payments on the loan since the promise reach the amount by the end of that day."""

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="promises")
    loan = models.ForeignKey("borrowers.Loan", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("承诺金额"), max_digits=14, decimal_places=2)
    promised_date = models.DateField(_("承诺还款日"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=PromiseStatus.choices, default=PromiseStatus.PENDING, db_index=True
    )
    contact = models.ForeignKey(ContactAttempt, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    notes = models.CharField(_("备注"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    amount_paid = models.DecimalField(_("期间已还"), max_digits=14, decimal_places=2, default=ZERO)

    class Meta:
        verbose_name = _("还款承诺")
        verbose_name_plural = _("还款承诺")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status=PromiseStatus.PENDING), name="one_pending_promise_per_case"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive"),
        ]

    def __str__(self):
        return f"{self.amount} @ {self.promised_date} ({self.status})"


class RepaymentArrangement(ConcurrentTransitionMixin, models.Model):
    """A proposed change to how the loan is repaid. Four-eyes: a supervisor who did not propose it
    approves or rejects; approval rewrites the schedule (the old one stays on record)."""

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="arrangements")
    loan = models.ForeignKey("borrowers.Loan", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=12, choices=ArrangementKind.choices)
    status = FSMField(
        _("状态"), max_length=12, choices=ArrangementStatus.choices, default=ArrangementStatus.PROPOSED, protected=True
    )
    # restructure: re-amortise what is owed over `new_term_months`, optionally at `new_annual_rate`
    new_term_months = models.PositiveSmallIntegerField(_("新期数"), null=True, blank=True)
    new_annual_rate = models.DecimalField(_("新年利率"), max_digits=7, decimal_places=6, null=True, blank=True)
    # extension (展期): add months to the remaining term
    extension_months = models.PositiveSmallIntegerField(_("展期月数"), null=True, blank=True)
    # waiver: penalty interest forgiven
    waiver_amount = models.DecimalField(_("减免罚息金额"), max_digits=14, decimal_places=2, null=True, blank=True)
    # settlement: one payment by a date closes the loan
    settlement_amount = models.DecimalField(_("和解金额"), max_digits=14, decimal_places=2, null=True, blank=True)
    first_due_date = models.DateField(_("首期/和解还款日"), null=True, blank=True)
    reason = models.TextField(_("理由"))
    preview = models.JSONField(_("新计划预览"), default=list, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提议人"))
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("审批人")
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    schedule_version = models.PositiveSmallIntegerField(_("新计划版本"), null=True, blank=True)

    class Meta:
        verbose_name = _("还款安排")
        verbose_name_plural = _("还款安排")
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["status", "proposed_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @transition(field=status, source=ArrangementStatus.PROPOSED, target=ArrangementStatus.APPROVED)
    def approve(self):
        pass

    @transition(field=status, source=ArrangementStatus.PROPOSED, target=ArrangementStatus.REJECTED)
    def reject(self):
        pass

    @transition(field=status, source=ArrangementStatus.PROPOSED, target=ArrangementStatus.CANCELLED)
    def cancel(self):
        pass


# --- legal and repossession ----------------------------------------------------------------------


class EnforcementRecord(models.Model):
    """What happened at the legal or repossession stage. Records only: nothing in the product
    performs a repossession."""

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="enforcement_records")
    stage = models.CharField(_("阶段"), max_length=14, choices=EnforcementStage.choices)
    vin = models.CharField(_("车架号"), max_length=17, blank=True)
    plate = models.CharField(_("车牌号"), max_length=12, blank=True)
    mortgage_registration = models.CharField(_("抵押登记号"), max_length=64, blank=True)
    agency_name = models.CharField(_("律所/处置机构"), max_length=100, blank=True)
    reference = models.CharField(_("案号/委托编号"), max_length=64, blank=True)
    started_on = models.DateField(_("开始日期"), null=True, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("法务/收车记录")
        verbose_name_plural = _("法务/收车记录")
        ordering = ["-created_at"]

