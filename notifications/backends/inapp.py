from notifications.backends import BaseBackend


class InAppBackend(BaseBackend):
    """In-app messages are InAppNotification rows; the OutboundMessage only records the send."""

    idempotent = True  # get_or_create on the message's own fields

    def send(self, message) -> str:
        from notifications.models import InAppNotification

        if message.recipient_user_id:
            InAppNotification.objects.get_or_create(
                user_id=message.recipient_user_id,
                title=message.title[:200],
                body=message.body,
                kind=message.template or "",
                created_at=message.created_at,
            )
        return f"inapp-{message.pk}"
