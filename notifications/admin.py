from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notifications.models import InAppNotification, MessageTemplate, OutboundMessage, ReminderStep
from notifications.templating import PLACEHOLDERS


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "channel",
        "template",
        "step_key",
        "status",
        "status_reason",
        "scheduled_at",
        "sent_at",
        "attempts",
    )
    list_filter = ("channel", "status", "template", "step_key")
    search_fields = ("provider_id", "template")
    readonly_fields = [f.name for f in OutboundMessage._meta.fields if f.name != "id"]
    raw_id_fields = ("borrower", "installment")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "language", "channel", "audience", "subject", "is_active", "updated_at")
    list_filter = ("language", "channel", "audience", "is_active")
    search_fields = ("code", "subject", "body")

    def get_form(self, request, obj=None, **kwargs):
        help_text = _("可用占位符：") + " ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        kwargs.setdefault("help_texts", {})["body"] = help_text
        return super().get_form(request, obj, **kwargs)


@admin.register(ReminderStep)
class ReminderStepAdmin(admin.ModelAdmin):
    list_display = ("offset_days", "channel", "template_code", "branch", "is_active")
    list_filter = ("branch", "channel", "is_active")
    ordering = ("branch", "offset_days", "channel")


@admin.register(InAppNotification)
class InAppNotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "title", "kind", "created_at", "read_at")
    list_filter = ("kind",)
