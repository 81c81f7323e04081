from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from complaints.models import (
    BusinessCalendar,
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    ComplaintTimers,
    Escalation,
    EscalationContact,
    Holiday,
    SlaPolicy,
    WorkingHours,
)


class ReadOnlyAdminMixin:
    """Append-only records: visible in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ComplaintEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ComplaintEvent
    fields = ("created_at", "kind", "actor", "from_state", "to_state", "body", "visible_to_borrower")
    readonly_fields = fields
    extra = 0
    ordering = ("created_at", "id")


class TimersInline(ReadOnlyAdminMixin, admin.StackedInline):
    """What the SLA sweep watches and has done: armed deadlines (empty = clock not running), marks, level."""

    model = ComplaintTimers
    fields = (
        ("first_response_due_at", "first_response_warned", "first_response_breached"),
        ("resolution_due_at", "resolution_warned", "resolution_breached"),
        ("regulatory_due_at", "regulatory_warned", "regulatory_breached"),
        ("escalation_level", "escalated_at"),
    )
    readonly_fields = (
        "first_response_due_at", "first_response_warned", "first_response_breached", "resolution_due_at",
        "resolution_warned", "resolution_breached", "regulatory_due_at", "regulatory_warned", "regulatory_breached",
        "escalation_level", "escalated_at",
    )
    extra = 0


class EscalationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Escalation
    fk_name = "complaint"
    fields = ("created_at", "level", "trigger", "clock", "acknowledged_by", "acknowledged_at")
    readonly_fields = fields
    extra = 0


class AttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ComplaintAttachment
    fields = ("original_name", "content_type", "size", "sha256", "created_at")
    readonly_fields = fields
    extra = 0


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Complaints change only through the workspace/API services (state machine, timeline, clocks);
    the admin shows them read-only."""

    list_display = (
        "tracking_code", "state", "category", "priority", "branch", "assignee", "received_at",
        "regulatory_due_at", "escalation_level",
    )
    list_filter = ("state", "category", "priority", "branch", "timers__escalation_level", "channel")
    search_fields = ("tracking_code", "complainant_name", "loan__contract_number")
    list_select_related = ("branch", "assignee", "timers")
    date_hierarchy = "received_at"
    inlines = [TimersInline, ComplaintEventInline, EscalationInline, AttachmentInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("升级级别"), ordering="timers__escalation_level")
    def escalation_level(self, obj):
        return obj.escalation_level


@admin.register(ComplaintEvent)
class ComplaintEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "complaint", "kind", "actor", "from_state", "to_state", "visible_to_borrower")
    list_filter = ("kind", "visible_to_borrower")
    search_fields = ("complaint__tracking_code",)
    list_select_related = ("complaint", "actor")
    show_full_result_count = False


@admin.register(ComplaintAttachment)
class ComplaintAttachmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("complaint", "original_name", "content_type", "size", "created_at")
    search_fields = ("complaint__tracking_code", "sha256")
    exclude = ("file",)  # streamed only by the permission-checking view, never linked from here


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("category", "priority", "first_response_minutes", "resolution_minutes", "is_active", "updated_at")
    list_editable = ("first_response_minutes", "resolution_minutes", "is_active")
    list_filter = ("category", "priority", "is_active")


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0
    ordering = ("-date",)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "branch", "is_default", "updated_at")
    inlines = [WorkingHoursInline, HolidayInline]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name", "kind", "calendar", "start", "end")
    list_filter = ("kind", "calendar")
    date_hierarchy = "date"


@admin.register(EscalationContact)
class EscalationContactAdmin(admin.ModelAdmin):
    list_display = ("level", "branch", "user", "is_active")
    list_filter = ("level", "branch", "is_active")
    autocomplete_fields = ("user",)


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "complaint", "level", "trigger", "clock", "acknowledged_by", "acknowledged_at")
    list_filter = ("level", "trigger", "clock")
    search_fields = ("complaint__tracking_code",)
    list_select_related = ("complaint", "acknowledged_by")


