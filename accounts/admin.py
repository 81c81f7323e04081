from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, Branch, User


class RefuseReferencedDeleteMixin:
    """A user or branch that records refer to cannot be deleted (common.audit): deactivate it."""

    def has_delete_permission(self, request, obj=None):
        from common.audit import references_to

        if obj is not None and references_to(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk delete would bypass the per-object check above
        return actions


@admin.register(Branch)
class BranchAdmin(RefuseReferencedDeleteMixin, admin.ModelAdmin):
    list_display = ("code", "name", "is_hq", "parent", "time_zone", "contact_rule_pack", "is_active")
    list_filter = ("is_hq", "contact_rule_pack", "is_active")
    search_fields = ("code", "name")


@admin.register(User)
class UserAdmin(RefuseReferencedDeleteMixin, BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + ((_("岗位"), {"fields": ("role", "branch", "display_name", "phone")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("岗位"), {"fields": ("role", "branch")}),)
    list_display = ("username", "display_name", "role", "branch", "is_active", "last_login")
    list_filter = ("role", "branch", "is_active")
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
    list_select_related = ("branch",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "rate", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    readonly_fields = ("prefix", "created_at", "created_by", "last_used_at")
    fields = ("name", "user", "branches", "rate", "prefix", "created_at", "created_by", "last_used_at", "revoked_at")
    filter_horizontal = ("branches",)
    list_select_related = ("user",)
    actions = ["revoke"]

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the record of who had access stays

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        token, key = ApiToken.issue(user=obj.user, name=obj.name, created_by=request.user, rate=obj.rate)
        obj.pk = token.pk
        obj.refresh_from_db()
        messages.warning(request, _("新令牌（只显示这一次，请妥善保存）：%(key)s") % {"key": key})

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        from django.utils import timezone

        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
