import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import ALL_BRANCH_ROLES, ContactRulePack, Role


class Branch(models.Model):
    """HQ and its branches (分公司). Each has its own local time zone and contact-rule pack."""

    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    is_hq = models.BooleanField(_("总部"), default=False)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    time_zone = models.CharField(_("时区"), max_length=64, default="Asia/Shanghai")
    contact_rule_pack = models.CharField(
        _("催收规则包"), max_length=8, choices=ContactRulePack.choices, default=ContactRulePack.CN
    )
    phone = models.CharField(_("客服电话"), max_length=32, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("分支机构")
        verbose_name_plural = _("分支机构")
        ordering = ["-is_hq", "code"]

    def __str__(self):
        return self.name

    @property
    def tzinfo(self):
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.time_zone)


class StaffUserManager(UserManager):
    pass


class User(AbstractUser):
    """A staff member. Borrowers never log in; they use the public complaint pages."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.AGENT, db_index=True)
    branch = models.ForeignKey(
        Branch, verbose_name=_("分支机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    display_name = models.CharField(_("显示名"), max_length=50, blank=True)

    objects = StaffUserManager()

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工")

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    @property
    def sees_all_branches(self) -> bool:
        return self.is_superuser or self.role in ALL_BRANCH_ROLES

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or self.role in roles


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A per-integration API token. Only a hash is stored; the key is shown once at creation.

    Requests made with it act as `user` (a service account whose role and branch scope the data).
    """

    name = models.CharField(_("集成名称"), max_length=100)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("服务账号"))
    prefix = models.CharField(max_length=8, db_index=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    # Optional narrowing: when set, the token sees only these branches (intersected with what its
    # service account may see). Empty = the service account's own scope.
    branches = models.ManyToManyField(
        Branch, blank=True, related_name="+", verbose_name=_("限定分支机构"),
        help_text=_("留空表示与服务账号的范围相同；选择后令牌只能访问这些分支机构的数据。"),
    )
    rate = models.CharField(
        _("限流"), max_length=20, blank=True,
        validators=[RegexValidator(r"^\d+/(second|minute|hour|day)$", _("格式如 600/minute。"))],
        help_text=_("如 600/minute；留空使用系统默认值（API_TOKEN_THROTTLE_RATE）。"),
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(
        cls, *, user: User, name: str, created_by: User | None = None, branches=(), rate: str = ""
    ) -> tuple["ApiToken", str]:
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, prefix=key[:8], key_hash=_hash_key(key), created_by=created_by, rate=rate
        )
        if branches:
            token.branches.set(branches)
        return token, key

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def lookup(cls, key: str) -> "ApiToken | None":
        return cls.objects.active().select_related("user", "user__branch").filter(key_hash=_hash_key(key)).first()
