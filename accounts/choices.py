from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("客服")
    COLLECTOR = "collector", _("催收员")
    SUPERVISOR = "supervisor", _("主管")
    HQ = "hq", _("总部")
    COMPLIANCE = "compliance", _("合规")
    ADMIN = "admin", _("管理员")


# Roles that see every branch; everyone else sees only their own branch.
ALL_BRANCH_ROLES = frozenset({Role.HQ, Role.COMPLIANCE, Role.ADMIN})


class ContactRulePack(models.TextChoices):
    CN = "CN", _("中国（中国银行业协会催收指引）")
    US = "US", _("美国（CFPB Regulation F）")
