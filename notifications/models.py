from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.choices import MessageChannel, MessageStatus


class OutboundMessage(models.Model):
    """One message to one recipient on one channel. Sent by `notifications.send_message`, which is
    idempotent: it claims the row with a compare-and-set from queued to sending before calling the
    provider, so a message is never sent twice."""

    channel = models.CharField(_("渠道"), max_length=10, choices=MessageChannel.choices)
    to = models.CharField(_("接收方"), max_length=254)  # phone number or e-mail address
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    borrower = models.ForeignKey(
        "borrowers.Borrower", null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    installment = models.ForeignKey(
        "borrowers.Installment", null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    # what the message is about (a complaint, a collection case …)
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    template = models.CharField(_("模板"), max_length=64, blank=True)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    title = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    scheduled_at = models.DateTimeField(_("计划发送时间"), default=timezone.now)
    status = models.CharField(_("状态"), max_length=12, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    provider_id = models.CharField(_("服务商消息号"), max_length=128, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    # a reason the message was deferred, skipped or cancelled (e.g. the compliance rule)
    status_reason = models.CharField(max_length=200, blank=True)
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("外发消息")
        verbose_name_plural = _("外发消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["borrower", "-created_at"]),
            models.Index(
                fields=["scheduled_at"],
                name="msg_pending_idx",
                condition=Q(status__in=["queued", "deferred"]),
            ),
        ]

    def __str__(self):
        return f"{self.channel}:{self.to} {self.status}"


class InAppNotification(models.Model):
    """A notice in a staff member's inbox (escalations, approvals waiting …)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
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
