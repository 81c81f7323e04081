from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.masking import mask_email, mask_phone
from notifications.choices import MessageChannel, MessageStatus


class OutboundMessage(models.Model):
    """One message to one recipient on one channel. Sent by `notifications.send_message`, which is
    idempotent: it claims the row with a compare-and-set from queued to sending before calling the
    provider, so a message is never sent twice."""

    channel = models.CharField(_("渠道"), max_length=10, choices=MessageChannel.choices)
    to = models.CharField(_("接收方"), max_length=254)  # phone number or e-mail address
    # Single-column FK indexes are replaced by partial/composite ones in Meta: the reminder pass inserts
    # 100,000s of rows where these are NULL, and every index touched per row costs time.
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    borrower = models.ForeignKey(
        "borrowers.Borrower",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
        db_index=False,  # (borrower, -created_at) below
    )
    installment = models.ForeignKey(
        "borrowers.Installment", null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    # what the message is about (a complaint, a collection case …)
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    template = models.CharField(_("模板"), max_length=64, blank=True)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    title = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    scheduled_at = models.DateTimeField(_("计划发送时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=12, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    provider_id = models.CharField(_("服务商消息号"), max_length=128, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    # a reason the message was deferred, skipped or cancelled (e.g. the compliance rule)
    status_reason = models.CharField(max_length=200, blank=True)
    dedupe_key = models.CharField(max_length=120, null=True, blank=True)  # unique when set (Meta)
    # repayment reminders: which cadence step created it; (installment, step_key, channel) is unique so
    # a reminder is created at most once however often the hourly pass runs
    reminder_step = models.ForeignKey(
        "notifications.ReminderStep", null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    step_key = models.CharField(_("提醒节点"), max_length=8, blank=True, default="")
    # set when a send task was enqueued for it (dispatch claims by compare-and-set on this column)
    dispatched_at = models.DateTimeField(null=True, blank=True, editable=False)
    # set by the claim queued→sending; a row stuck in `sending` long after this is recovered by a sweep
    sending_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("外发消息")
        verbose_name_plural = _("外发消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["subject_type", "subject_id"],
                name="msg_subject_idx",
                condition=Q(subject_type__isnull=False),
            ),
            models.Index(
                fields=["recipient_user"], name="msg_recipient_idx", condition=Q(recipient_user__isnull=False)
            ),
            models.Index(
                fields=["created_by"], name="msg_created_by_idx", condition=Q(created_by__isnull=False)
            ),
            models.Index(fields=["borrower", "-created_at"]),
            models.Index(
                fields=["scheduled_at"],
                name="msg_pending_idx",
                condition=Q(status__in=["queued", "deferred"]),
            ),
            models.Index(
                fields=["sending_started_at"], name="msg_sending_idx", condition=Q(status="sending")
            ),
            models.Index(fields=["provider_id"], name="msg_provider_idx", condition=~Q(provider_id="")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=Q(dedupe_key__isnull=False), name="msg_dedupe_key_unique"
            ),
            models.UniqueConstraint(
                fields=["installment", "step_key", "channel"],
                condition=Q(installment__isnull=False) & ~Q(step_key=""),
                name="msg_one_reminder_per_step_channel",
            ),
        ]

    def __str__(self):
        return f"{self.channel}:{self.to} {self.status}"

    @property
    def is_reminder(self) -> bool:
        return bool(self.step_key)

    @property
    def to_masked(self) -> str:
        if self.channel == MessageChannel.EMAIL:
            return mask_email(self.to)
        if self.channel == MessageChannel.SMS:
            return mask_phone(self.to)
        return self.to


def step_key_for(offset_days: int) -> str:
    """T-3, T-1, T0, T+1 … (days relative to the installment's due date)."""
    return "T0" if offset_days == 0 else f"T{offset_days:+d}"


class MessageTemplate(models.Model):
    """The text of a message per (code, language, channel), edited in the admin.

    `{placeholders}` are replaced by `notifications.templating.render`, which only knows the names in
    `templating.PLACEHOLDERS` (no attribute access, no format specs): an editor cannot reach into objects.
    """

    code = models.CharField(_("模板代码"), max_length=64, db_index=True)
    language = models.CharField(_("语言"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    channel = models.CharField(_("渠道"), max_length=10, choices=MessageChannel.choices)
    audience = models.CharField(
        _("对象"),
        max_length=10,
        choices=[("borrower", _("借款人")), ("staff", _("员工"))],
        default="borrower",
    )
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")
        ordering = ["code", "language", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "language", "channel"], name="msgtemplate_unique_code_lang_channel"
            )
        ]

    def __str__(self):
        return f"{self.code} [{self.language}/{self.channel}]"

    def clean(self):
        from notifications.templating import validate_template

        validate_template(
            subject=self.subject,
            body=self.body,
            channel=self.channel,
            language=self.language,
            audience=self.audience,
        )


class ReminderStep(models.Model):
    """One step of the repayment-reminder cadence (提醒节奏): `offset_days` relative to the due date,
    on one channel, with one template. Steps with a branch replace the default (branch-less) set for
    that branch entirely."""

    branch = models.ForeignKey(
        "accounts.Branch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("分支机构"),
    )
    offset_days = models.SmallIntegerField(
        _("相对到期日天数"), help_text=_("-3 表示到期前3天，0 表示到期当天，7 表示逾期第7天")
    )
    channel = models.CharField(
        _("渠道"),
        max_length=10,
        choices=[
            (MessageChannel.SMS, MessageChannel.SMS.label),
            (MessageChannel.EMAIL, MessageChannel.EMAIL.label),
        ],
    )
    template_code = models.CharField(_("模板代码"), max_length=64)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("还款提醒节点")
        verbose_name_plural = _("还款提醒节点")
        ordering = ["branch_id", "offset_days", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["offset_days", "channel"],
                condition=Q(branch__isnull=True),
                name="reminderstep_unique_default",
            ),
            models.UniqueConstraint(
                fields=["branch", "offset_days", "channel"],
                condition=Q(branch__isnull=False),
                name="reminderstep_unique_per_branch",
            ),
            models.CheckConstraint(
                condition=Q(offset_days__gte=-30, offset_days__lte=90), name="reminderstep_offset_range"
            ),
        ]

    def __str__(self):
        return f"{self.step_key} {self.channel} ({self.branch or _('默认')})"

    def clean(self):
        from django.core.exceptions import ValidationError

        if (
            self.template_code
            and not MessageTemplate.objects.filter(code=self.template_code, channel=self.channel).exists()
        ):
            raise ValidationError({"template_code": _("没有该渠道的此模板代码，请先在“消息模板”中添加。")})

    @property
    def step_key(self) -> str:
        return step_key_for(self.offset_days)


class InAppNotification(models.Model):
    """A notice in a staff member's inbox (escalations, approvals waiting …)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]
