from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from debt_collection.models import (
    BlockedContact,
    CaseEvent,
    CaseHold,
    CollectionCase,
    CollectorOrganisation,
    CollectorProfile,
    ContactAttempt,
    ContactRulePack,
    EnforcementRecord,
    PromiseToPay,
    RepaymentArrangement,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: visible, never added, changed or deleted by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ContactRulePack)
class ContactRulePackAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "quiet_start",
        "quiet_end",
        "max_unanswered_calls_per_number_per_day",
        "max_calls_per_debt_in_period",
        "days_after_conversation",
        "third_party_failed_attempts",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("code", "name")}),
        (_("当地时间"), {"fields": ("quiet_start", "quiet_end")}),
        (
            _("频率（催收电话）"),
            {"fields": ("max_unanswered_calls_per_number_per_day", "max_calls_per_debt_in_period", "call_period_days",
                        "days_after_conversation")},
        ),
        (_("第三方"), {"fields": ("third_party_failed_attempts",)}),
        (_("记录与外访"), {"fields": ("require_call_recording", "min_visit_staff", "record_retention_years",
                                  "electronic_opt_out_notice")}),
    )

    def has_delete_permission(self, request, obj=None):
        return False  # branches point at packs by code


@admin.register(BlockedContact)
class BlockedContactAdmin(ReadOnlyAdmin):
    list_display = ("at", "branch", "borrower", "channel", "purpose", "rule", "rule_pack", "next_allowed_at", "actor")
    list_filter = ("rule", "rule_pack", "channel", "purpose", "branch")
    list_select_related = ("branch", "borrower", "actor")
    date_hierarchy = "at"
    search_fields = ("borrower__name", "rule")


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "case", "kind", "from_state", "to_state", "actor")
    list_filter = ("kind",)
    list_select_related = ("case", "actor")
    search_fields = ("case__id",)


@admin.register(CollectorOrganisation)
class CollectorOrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "branch", "contract_number", "contract_ends_on", "is_active")
    list_filter = ("kind", "branch", "is_active")
    search_fields = ("name",)


@admin.register(CollectorProfile)
class CollectorProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "buckets", "max_open_cases", "is_active")
    list_filter = ("organisation", "is_active")
    list_select_related = ("user", "organisation")
    autocomplete_fields = ("user",)


class CaseHoldInline(admin.TabularInline):
    model = CaseHold
    extra = 0
    can_delete = False
    readonly_fields = ("reason", "complaint_id", "note", "created_by", "created_at", "released_at", "released_by")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CollectionCase)
class CollectionCaseAdmin(ReadOnlyAdmin):
    """Read-only: every change goes through the case page or the API, which write the timeline."""

    list_display = ("id", "loan", "borrower", "branch", "state", "bucket", "days_past_due", "amount_due", "assigned_to", "agency")
    list_filter = ("state", "bucket", "branch", "agency")
    list_select_related = ("loan", "borrower", "branch", "assigned_to", "agency")
    search_fields = ("loan__contract_number", "borrower__name")
    inlines = [CaseHoldInline]


@admin.register(ContactAttempt)
class ContactAttemptAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "case", "borrower", "channel", "target", "outcome", "created_by")
    list_filter = ("channel", "target", "outcome", "branch")
    list_select_related = ("case", "borrower", "created_by")
    exclude = ("recording",)


@admin.register(PromiseToPay)
class PromiseToPayAdmin(ReadOnlyAdmin):
    list_display = ("case", "amount", "promised_date", "status", "amount_paid", "created_by", "created_at")
    list_filter = ("status",)
    list_select_related = ("case", "created_by")


@admin.register(RepaymentArrangement)
class RepaymentArrangementAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "kind", "status", "proposed_by", "decided_by", "proposed_at", "decided_at")
    list_filter = ("kind", "status")
    list_select_related = ("case", "proposed_by", "decided_by")


@admin.register(EnforcementRecord)
class EnforcementRecordAdmin(ReadOnlyAdmin):
    list_display = ("case", "stage", "vin", "plate", "mortgage_registration", "agency_name", "started_on", "ended_on")
    list_filter = ("stage",)
