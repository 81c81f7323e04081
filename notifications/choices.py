from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageChannel(models.TextChoices):
    SMS = "sms", _("短信")
    EMAIL = "email", _("邮件")
    INAPP = "inapp", _("站内")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    DEFERRED = "deferred", _("已推迟")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("已跳过")
    CANCELLED = "cancelled", _("已取消")
