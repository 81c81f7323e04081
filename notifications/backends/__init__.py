"""Channel backends behind one interface: `send(message) -> provider_id`.

A backend raises `TransientSendError` for errors worth retrying (provider down, timeout) and
`PermanentSendError` for ones that are not (invalid number)."""

import importlib

from django.conf import settings


class TransientSendError(Exception):
    pass


class PermanentSendError(Exception):
    pass


DEFAULT_BACKENDS = {
    "sms": "notifications.backends.sms.LogSmsBackend",
    "email": "notifications.backends.email.DjangoEmailBackend",
    "inapp": "notifications.backends.inapp.InAppBackend",
}


def get_backend(channel: str):
    path = getattr(settings, "NOTIFICATION_BACKENDS", {}).get(channel) or DEFAULT_BACKENDS[channel]
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)()
