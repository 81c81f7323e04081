from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from borrowers.choices import (
    Bucket,
    Channel,
    Component,
    Language,
    LoanStatus,
    MortgageStatus,
    PaymentChannel,
    Relation,
)
from common.masking import mask_address, mask_national_id, mask_phone

ZERO = Decimal("0.00")


class Borrower(models.Model):
    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="borrowers", verbose_name=_("分支机构"))
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    national_id = models.CharField(_("身份证号"), max_length=18, db_index=True)
    mobile = models.CharField(_("手机号"), max_length=20, db_index=True)
    alt_phone = models.CharField(_("备用电话"), max_length=20, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    preferred_channel = models.CharField(_("首选联系方式"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    opted_out_channels = models.JSONField(_("已退订渠道"), default=list, blank=True)
    do_not_contact_until = models.DateTimeField(_("暂停联系至"), null=True, blank=True)
    language = models.CharField(_("语言"), max_length=10, choices=Language.choices, default=Language.ZH_HANS)
    is_vip = models.BooleanField(_("VIP"), default=False)
    dedicated_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_borrowers",
        verbose_name=_("专属客户经理"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("借款人")
        verbose_name_plural = _("借款人")
        indexes = [models.Index(fields=["branch", "name"])]

    def __str__(self):
        return self.name

    @property
    def national_id_masked(self):
        return mask_national_id(self.national_id)

    @property
    def mobile_masked(self):
        return mask_phone(self.mobile)

    @property
    def alt_phone_masked(self):
        return mask_phone(self.alt_phone)

    @property
    def address_masked(self):
        return mask_address(self.address)

    def has_opted_out(self, channel: str) -> bool:
        return channel in (self.opted_out_channels or [])


class EmergencyContact(models.Model):
    """紧急联系人. Contacted only when the borrower is unreachable, and never told of the debt."""

    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="emergency_contacts")
    name = models.CharField(_("姓名"), max_length=50)
    relation = models.CharField(_("关系"), max_length=20, choices=Relation.choices)
    phone = models.CharField(_("电话"), max_length=20)

    class Meta:
        verbose_name = _("紧急联系人")
        verbose_name_plural = _("紧急联系人")

    def __str__(self):
        return f"{self.name} ({self.get_relation_display()})"

    @property
    def phone_masked(self):
        return mask_phone(self.phone)


class Loan(models.Model):
    contract_number = models.CharField(_("合同号"), max_length=40, unique=True)
    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="loans", verbose_name=_("借款人"))
    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="loans", verbose_name=_("分支机构"))
    # vehicle
    vin = models.CharField(_("车架号"), max_length=17, blank=True, db_index=True)
    plate = models.CharField(_("车牌号"), max_length=12, blank=True, db_index=True)
    vehicle = models.CharField(_("品牌型号"), max_length=100, blank=True)
    mortgage_status = models.CharField(
        _("抵押状态"), max_length=20, choices=MortgageStatus.choices, default=MortgageStatus.REGISTERED
    )
    # terms
    principal = models.DecimalField(_("本金"), max_digits=14, decimal_places=2)
    annual_rate = models.DecimalField(_("年利率"), max_digits=7, decimal_places=6, help_text=_("如 0.0850 表示 8.5%"))
    fees = models.DecimalField(_("费用"), max_digits=12, decimal_places=2, default=ZERO)
    term_months = models.PositiveSmallIntegerField(_("期数（月）"))
    start_date = models.DateField(_("放款日"))
    status = models.CharField(_("状态"), max_length=20, choices=LoanStatus.choices, default=LoanStatus.ACTIVE, db_index=True)
    # delinquency, maintained set-based by borrowers.services.loans_refresh_delinquency
    days_past_due = models.PositiveIntegerField(_("逾期天数"), default=0)
    bucket = models.CharField(_("逾期阶段"), max_length=8, choices=Bucket.choices, default=Bucket.CURRENT)
    oldest_unpaid_due_date = models.DateField(_("最早未还到期日"), null=True, blank=True)
    amount_overdue = models.DecimalField(_("逾期金额"), max_digits=14, decimal_places=2, default=ZERO)
    delinquency_refreshed_on = models.DateField(null=True, blank=True, editable=False)
    unapplied_amount = models.DecimalField(_("溢缴款"), max_digits=14, decimal_places=2, default=ZERO)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("贷款")
        verbose_name_plural = _("贷款")
        indexes = [
            models.Index(fields=["branch", "bucket"]),
            models.Index(fields=["status", "days_past_due"]),
        ]

    def __str__(self):
        return self.contract_number


class InstallmentQuerySet(models.QuerySet):
    def current(self):
        """The loan's schedule in force (older versions are kept on record after a reschedule)."""
        return self.filter(is_active=True)


class Installment(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="installments")
    seq = models.PositiveSmallIntegerField(_("期次"))
    version = models.PositiveSmallIntegerField(_("计划版本"), default=1)
    is_active = models.BooleanField(_("现行计划"), default=True)
    due_date = models.DateField(_("到期日"))
    principal_due = models.DecimalField(_("应还本金"), max_digits=14, decimal_places=2)
    interest_due = models.DecimalField(_("应还利息"), max_digits=14, decimal_places=2)
    fee_due = models.DecimalField(_("应还费用"), max_digits=12, decimal_places=2, default=ZERO)
    penalty_due = models.DecimalField(_("罚息"), max_digits=12, decimal_places=2, default=ZERO)
    penalty_waived = models.DecimalField(_("减免罚息"), max_digits=12, decimal_places=2, default=ZERO)
    principal_paid = models.DecimalField(_("已还本金"), max_digits=14, decimal_places=2, default=ZERO)
    interest_paid = models.DecimalField(_("已还利息"), max_digits=14, decimal_places=2, default=ZERO)
    fee_paid = models.DecimalField(_("已还费用"), max_digits=12, decimal_places=2, default=ZERO)
    penalty_paid = models.DecimalField(_("已还罚息"), max_digits=12, decimal_places=2, default=ZERO)
    settled = models.BooleanField(_("已结清"), default=False)
    settled_at = models.DateTimeField(_("结清时间"), null=True, blank=True)

    objects = InstallmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("还款计划")
        verbose_name_plural = _("还款计划")
        ordering = ["loan_id", "version", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "version", "seq"], name="installment_unique_seq_per_version"),
        ]
        indexes = [
            # reminder and delinquency sweeps: unpaid installments of the schedule in force by due date
            models.Index(fields=["due_date"], name="inst_unsettled_due_idx", condition=Q(settled=False, is_active=True)),
            models.Index(fields=["loan", "is_active", "settled", "due_date"], name="inst_loan_open_idx"),
        ]

    def __str__(self):
        return f"{self.loan_id}#{self.seq}"

    # outstanding per component -------------------------------------------------------------
    def outstanding(self, component: str) -> Decimal:
        if component == Component.PENALTY:
            return self.penalty_due - self.penalty_waived - self.penalty_paid
        return getattr(self, f"{component}_due") - getattr(self, f"{component}_paid")

    @property
    def total_due(self) -> Decimal:
        return self.principal_due + self.interest_due + self.fee_due + self.penalty_due - self.penalty_waived

    @property
    def total_paid(self) -> Decimal:
        return self.principal_paid + self.interest_paid + self.fee_paid + self.penalty_paid

    @property
    def total_outstanding(self) -> Decimal:
        return self.total_due - self.total_paid

    def status_on(self, today) -> str:
        if self.settled:
            return "paid"
        if self.due_date < today:
            return "overdue"
        if self.total_paid > 0:
            return "partial"
        return "due" if self.due_date == today else "scheduled"


class Payment(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    paid_at = models.DateTimeField(_("还款时间"))
    channel = models.CharField(_("渠道"), max_length=20, choices=PaymentChannel.choices, default=PaymentChannel.BANK_DEBIT)
    external_ref = models.CharField(_("外部流水号"), max_length=64, unique=True)
    unapplied_amount = models.DecimalField(_("未分配金额"), max_digits=14, decimal_places=2, default=ZERO)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("还款记录")
        verbose_name_plural = _("还款记录")
        ordering = ["-paid_at"]
        indexes = [
            models.Index(fields=["loan", "-paid_at"]),
            models.Index(fields=["paid_at"], name="payment_paid_at_idx"),  # dashboards: recovered in a range
        ]

    def __str__(self):
        return f"{self.external_ref} {self.amount}"


class PaymentAllocation(models.Model):
    """How a payment was split over installments and components (penalty → fee → interest → principal)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    installment = models.ForeignKey(Installment, on_delete=models.PROTECT, related_name="allocations")
    component = models.CharField(max_length=10, choices=Component.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("还款分配")
        verbose_name_plural = _("还款分配")


class LoanEvent(models.Model):
    """Append-only loan/borrower timeline: payments, reschedules, delinquency changes, PII reveals."""

    loan = models.ForeignKey(Loan, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=40, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("借款人事件")
        verbose_name_plural = _("借款人事件")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["borrower", "-created_at"])]


class PiiAccessLog(models.Model):
    """Who revealed or exported which personal data, when and why. Never edited or deleted."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    borrower = models.ForeignKey(Borrower, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, default="reveal")  # reveal | export
    field = models.CharField(max_length=40)
    reason = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-created_at"]


class BucketSnapshot(models.Model):
    """Each active loan's bucket at the start of a month, for roll rates (written set-based)."""

    month = models.DateField()
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="+", db_constraint=True)
    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="+")
    bucket = models.CharField(max_length=8, choices=Bucket.choices)
    days_past_due = models.PositiveIntegerField(default=0)
    amount_overdue = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "loan"], name="bucket_snapshot_once_per_month")]
        indexes = [models.Index(fields=["month", "branch", "bucket"])]
