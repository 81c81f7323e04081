from django.contrib import admin

from notifications.models import InAppNotification, OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "channel", "template", "status", "scheduled_at", "sent_at", "attempts")
    list_filter = ("channel", "status", "template")
    search_fields = ("provider_id", "template")
    readonly_fields = [f.name for f in OutboundMessage._meta.fields if f.name != "id"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InAppNotification)
class InAppNotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "title", "kind", "created_at", "read_at")
    list_filter = ("kind",)
