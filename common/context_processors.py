from common.nav import items_for


def navigation(request):
    """Navigation entries for the user's role (`common.nav.NAV_ITEMS`)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": items_for(user, request.path)}
