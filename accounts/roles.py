"""Role groups. The authorization decisions themselves are named predicates in `permissions.py`
modules; groups exist so the admin shows who is what and so model permissions work in the admin."""

from django.utils.translation import gettext_lazy as _

from accounts.choices import Role

ROLE_ADMIN_PERMS = {
    Role.AGENT: ["view_borrower", "view_loan", "view_installment", "view_payment"],
    Role.COLLECTOR: ["view_borrower", "view_loan", "view_installment", "view_payment"],
    Role.SUPERVISOR: ["view_borrower", "view_loan", "view_installment", "view_payment", "view_user"],
    Role.HQ: ["view_borrower", "view_loan", "view_installment", "view_payment", "view_user", "view_branch"],
    Role.COMPLIANCE: ["view_borrower", "view_loan", "view_installment", "view_payment", "view_user"],
    Role.ADMIN: None,  # every permission
}


def ensure_role_groups(sender=None, **kwargs):
    from django.contrib.auth.models import Group, Permission

    for role, codenames in ROLE_ADMIN_PERMS.items():
        group, _created = Group.objects.get_or_create(name=str(role.value))
        perms = Permission.objects.all() if codenames is None else Permission.objects.filter(codename__in=codenames)
        group.permissions.set(perms)


__all__ = ["ensure_role_groups", "_"]
