"""Channel backends behind one interface.

    backend.send(message) -> provider_id          accepted by the provider
    backend.lookup(message) -> (Recovery, provider_id)   after a crash: did the provider get it?
    backend.idempotent                            True when re-sending the same message id is safe
                                                  (the provider de-duplicates on our idempotency key)

`send` raises `TransientSendError` for errors worth retrying (provider down, timeout, 5xx, 429) and
`PermanentSendError` for ones that are not (invalid number, rejected content: 4xx).

Which backend serves a channel: `settings.NOTIFICATION_BACKENDS[channel]` if set; otherwise SMS goes to
the generic HTTP provider when `SMS_PROVIDER_URL` is configured and to the log backend when not.
"""

import enum
import importlib

from django.conf import settings


class TransientSendError(Exception):
    pass


class PermanentSendError(Exception):
    pass


class Recovery(enum.Enum):
    ACCEPTED = "accepted"  # the provider has the message: mark it sent, never send again
    NOT_ACCEPTED = "not_accepted"  # the provider never saw it: safe to queue again
    UNKNOWN = "unknown"  # cannot tell: resend only if the backend is idempotent


class BaseBackend:
    idempotent = False

    def send(self, message) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def lookup(self, message) -> tuple[Recovery, str]:
        return Recovery.UNKNOWN, ""


DEFAULT_BACKENDS = {
    "sms": "notifications.backends.sms.LogSmsBackend",
    "email": "notifications.backends.email.DjangoEmailBackend",
    "inapp": "notifications.backends.inapp.InAppBackend",
}


def backend_path(channel: str) -> str:
    configured = getattr(settings, "NOTIFICATION_BACKENDS", {}).get(channel)
    if configured:
        return configured
    if channel == "sms" and settings.CRM.get("SMS_PROVIDER_URL"):
        return "notifications.backends.sms.HttpSmsBackend"
    return DEFAULT_BACKENDS[channel]


def get_backend(channel: str):
    module, _, name = backend_path(channel).rpartition(".")
    return getattr(importlib.import_module(module), name)()
