import logging
import uuid

logger = logging.getLogger("notifications.sms")


class LogSmsBackend:
    """Default SMS backend: writes the message to the log instead of a provider (no account needed)."""

    def send(self, message) -> str:
        provider_id = f"log-{uuid.uuid4().hex[:16]}"
        logger.info("SMS %s to ***%s: %s", provider_id, message.to[-4:], message.body)
        return provider_id
