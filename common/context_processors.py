from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def navigation(request):
    """Navigation entries by role. Apps register theirs in `common.nav.NAV_ITEMS`."""
    from common.nav import items_for

    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": items_for(user, request.path)}


__all__ = ["navigation", "reverse", "_"]
