from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from borrowers.models import (
    Borrower,
    BucketSnapshot,
    EmergencyContact,
    Installment,
    Loan,
    LoanEvent,
    Payment,
    PaymentAllocation,
    PiiAccessLog,
)
from borrowers.permissions import can_reveal_pii


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: viewable, never edited or deleted through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EmergencyContactInline(admin.TabularInline):
    model = EmergencyContact
    extra = 0


@admin.register(Borrower)
class BorrowerAdmin(admin.ModelAdmin):
    list_display = ("name", "masked_national_id", "masked_mobile", "branch", "is_vip", "language")
    list_filter = ("branch", "is_vip", "language", "preferred_channel")
    search_fields = ("name", "=mobile", "=national_id")
    list_select_related = ("branch",)
    raw_id_fields = ("dedicated_manager",)
    inlines = [EmergencyContactInline]

    @admin.display(description=_("身份证号"))
    def masked_national_id(self, obj):
        return obj.national_id_masked

    @admin.display(description=_("手机号"))
    def masked_mobile(self, obj):
        return obj.mobile_masked

    def get_exclude(self, request, obj=None):
        if can_reveal_pii(request.user):
            return ()
        return ("national_id", "mobile", "alt_phone", "address")

    def has_delete_permission(self, request, obj=None):
        return False


class InstallmentInline(admin.TabularInline):
    model = Installment
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in Installment._meta.fields if f.name not in ("id", "loan")]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Loan)
class LoanAdmin(admin.ModelAdmin):
    list_display = ("contract_number", "borrower", "branch", "principal", "status", "days_past_due", "bucket")
    list_filter = ("status", "bucket", "branch", "mortgage_status")
    search_fields = ("=contract_number", "=plate", "=vin")
    list_select_related = ("borrower", "branch")
    raw_id_fields = ("borrower",)
    readonly_fields = ("days_past_due", "bucket", "amount_overdue", "oldest_unpaid_due_date", "unapplied_amount")
    inlines = [InstallmentInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Installment)
class InstallmentAdmin(ReadOnlyAdmin):
    """Schedules change only through services (loan creation, payments, reschedules)."""

    list_display = ("loan", "seq", "version", "is_active", "due_date", "principal_due", "interest_due", "fee_due",
                    "penalty_due", "settled")
    list_filter = ("settled", "is_active")
    search_fields = ("=loan__contract_number",)
    list_select_related = ("loan",)
    date_hierarchy = "due_date"


@admin.register(EmergencyContact)
class EmergencyContactAdmin(admin.ModelAdmin):
    list_display = ("name", "relation", "masked_phone", "borrower")
    list_select_related = ("borrower",)
    search_fields = ("name", "=borrower__national_id")
    raw_id_fields = ("borrower",)

    @admin.display(description=_("电话"))
    def masked_phone(self, obj):
        return obj.phone_masked

    def get_exclude(self, request, obj=None):
        return () if can_reveal_pii(request.user) else ("phone",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("external_ref", "loan", "amount", "paid_at", "channel", "unapplied_amount")
    list_select_related = ("loan",)
    search_fields = ("=external_ref",)
    list_filter = ("channel",)


@admin.register(PaymentAllocation)
class PaymentAllocationAdmin(ReadOnlyAdmin):
    list_display = ("payment", "installment", "component", "amount")
    list_select_related = ("payment", "installment")


@admin.register(LoanEvent)
class LoanEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "borrower", "loan", "actor")
    list_select_related = ("borrower", "loan", "actor")
    list_filter = ("kind",)


@admin.register(PiiAccessLog)
class PiiAccessLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "action", "field", "borrower", "reason", "ip")
    list_select_related = ("actor", "borrower")
    list_filter = ("action", "field")


@admin.register(BucketSnapshot)
class BucketSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("month", "loan", "branch", "bucket", "days_past_due", "amount_overdue")
    list_select_related = ("loan", "branch")
    list_filter = ("month", "bucket")
