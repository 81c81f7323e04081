"""Reads of outbound messages, always scoped to the user's branch through the borrower."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.scoping import scope_to_user
from notifications.models import OutboundMessage


def message_list(*, user) -> QuerySet[OutboundMessage]:
    qs = OutboundMessage.objects.select_related(
        "borrower", "installment", "installment__loan", "reminder_step"
    )
    return scope_to_user(qs, user, field="borrower__branch").order_by("-created_at", "-id")


def message_get(*, user, pk: int) -> OutboundMessage:
    return get_object_or_404(message_list(user=user), pk=pk)


def message_list_for_borrower(*, user, borrower) -> QuerySet[OutboundMessage]:
    """The borrower's messages, newest first: reminders and their outcomes for the timeline."""
    return message_list(user=user).filter(borrower=borrower)
