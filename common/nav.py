"""Navigation bar entries by role.

Each entry: (url name, label, roles allowed or None for every staff role). Apps add their entries
here; a url name that does not resolve (an app not yet wired) is skipped, never a 500.
"""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

NAV_ITEMS: list[tuple[str, str, set[str] | None]] = [
    ("home", _("工作台"), None),
    ("complaints:queue", _("投诉"), {"agent", "supervisor", "hq", "compliance", "admin"}),
    ("debt_collection:queue", _("催收"), {"collector", "supervisor", "hq", "compliance", "admin"}),
    ("borrowers:search", _("借款人"), None),
    ("dashboards:index", _("看板"), {"supervisor", "hq", "compliance", "admin"}),
]


def items_for(user, current_path: str):
    role = getattr(user, "role", None)
    out = []
    for name, label, roles in NAV_ITEMS:
        if roles is not None and role not in roles and not user.is_superuser:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        active = current_path == url or (url != "/" and current_path.startswith(url))
        out.append({"url": url, "label": label, "active": active})
    return out
