from django import template

from notifications import selectors
from notifications.permissions import can_view_messages

register = template.Library()

TIMELINE_LIMIT = 50


@register.inclusion_tag("notifications/partials/borrower_messages.html", takes_context=True)
def borrower_messages(context, borrower, limit: int = TIMELINE_LIMIT):
    """{% borrower_messages borrower %} — the borrower's reminders and messages with their outcomes."""
    request = context.get("request")
    user = getattr(request, "user", None)
    messages = []
    if can_view_messages(user):
        messages = list(selectors.message_list_for_borrower(user=user, borrower=borrower)[:limit])
    return {"borrower": borrower, "outbound_messages": messages, "request": request}
