"""Demo branches and staff for `manage.py seed_demo`. Idempotent: existing rows are reused and
existing passwords are never reset (someone may have changed theirs)."""

from dataclasses import dataclass

from accounts.choices import Role
from accounts.models import Branch, User

DEMO_PASSWORD = "demo-pass-2026"


@dataclass(frozen=True)
class DemoBranch:
    code: str
    name: str
    city: str  # 上海 / 北京 / 广州; borrowers' addresses and plates follow it
    phone: str
    address: str


HQ = DemoBranch("HQ", "总部", "上海", "400-820-8820", "上海市浦东新区陆家嘴环路1000号")
BRANCHES = [
    DemoBranch("SH", "上海分公司", "上海", "021-6888-1200", "上海市徐汇区漕溪北路88号"),
    DemoBranch("BJ", "北京分公司", "北京", "010-8588-3300", "北京市朝阳区建国路93号"),
    DemoBranch("GZ", "广州分公司", "广州", "020-3868-4400", "广州市天河区珠江新城华夏路10号"),
]

# username, role, branch code, display name
STAFF = [
    ("agent_sh", Role.AGENT, "SH", "王静（客服）"),
    ("agent_bj", Role.AGENT, "BJ", "刘洋（客服）"),
    ("agent_gz", Role.AGENT, "GZ", "陈慧（客服）"),
    ("collector_sh", Role.COLLECTOR, "SH", "张伟（催收）"),
    ("collector_bj", Role.COLLECTOR, "BJ", "李强（催收）"),
    ("collector_gz", Role.COLLECTOR, "GZ", "黄磊（催收）"),
    ("supervisor_sh", Role.SUPERVISOR, "SH", "赵敏（主管）"),
    ("supervisor_bj", Role.SUPERVISOR, "BJ", "孙丽（主管）"),
    ("supervisor_gz", Role.SUPERVISOR, "GZ", "周杰（主管）"),
    ("hq_manager", Role.HQ, "HQ", "吴刚（总部投诉经理）"),
    ("compliance", Role.COMPLIANCE, "HQ", "郑洁（合规）"),
    ("admin", Role.ADMIN, "HQ", "系统管理员"),
]


def seed_branches() -> dict[str, Branch]:
    hq, _ = Branch.objects.get_or_create(
        code=HQ.code, defaults={"name": HQ.name, "is_hq": True, "phone": HQ.phone, "address": HQ.address}
    )
    out = {HQ.code: hq}
    for b in BRANCHES:
        out[b.code], _ = Branch.objects.get_or_create(
            code=b.code, defaults={"name": b.name, "parent": hq, "phone": b.phone, "address": b.address}
        )
    return out


def seed_staff(branches: dict[str, Branch]) -> tuple[dict[str, User], int]:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    users, created = {}, 0
    password_hash = None  # hashing is deliberately slow; one hash serves every demo account
    for username, role, code, display in STAFF:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                role=role,
                branch=branches[code],
                display_name=display,
                email=f"{username}@autoloan-crm.local",
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
            password_hash = password_hash or make_password(DEMO_PASSWORD)
            user.password = password_hash
            user.save()
            group = Group.objects.filter(name=str(role.value)).first()
            if group:
                user.groups.add(group)
            created += 1
        users[username] = user
    return users, created
