"""SMS backends. A real provider is configuration (SMS_PROVIDER_URL, _KEY, _SECRET …), not code."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

from notifications.backends import BaseBackend, PermanentSendError, Recovery, TransientSendError

logger = logging.getLogger("notifications.sms")

# 408 timeout, 409 in-flight duplicate, 425 too early, 429 rate limited: the provider asks us to come back.
RETRYABLE_4XX = {408, 409, 425, 429}


def sign(secret: str, body: bytes) -> str:
    """HMAC-SHA256 of the raw body, hex; sent and checked as `X-Signature: sha256=<hex>`."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, body: bytes, header: str) -> bool:
    if not secret or not header:
        return False
    received = header.split("=", 1)[1] if header.startswith("sha256=") else header
    return hmac.compare_digest(sign(secret, body), received.strip())


class LogSmsBackend(BaseBackend):
    """Default SMS backend: writes the message to the log instead of a provider (no account needed)."""

    idempotent = True  # nobody receives it; logging it twice harms no one

    def send(self, message) -> str:
        provider_id = f"log-{message.pk}"
        logger.info("SMS %s to ***%s: %s", provider_id, message.to[-4:], message.body)
        return provider_id


class HttpSmsBackend(BaseBackend):
    """A generic JSON-over-HTTPS SMS gateway.

    POST SMS_PROVIDER_URL with {"to", "body", "client_ref", "sender"} and headers
    `Authorization: Bearer SMS_PROVIDER_KEY`, `X-Signature: sha256=HMAC(SMS_PROVIDER_SECRET, body)`,
    `Idempotency-Key: msg-<id>`. A 2xx answer carries the provider's id in "id", "message_id" or
    "provider_id". With SMS_PROVIDER_STATUS_URL set, GET <url>?client_ref=<id> answers 200 {"id": …}
    when the provider has the message and 404 when not (used to recover after a crash).
    """

    def __init__(self):
        crm = settings.CRM
        self.url = crm.get("SMS_PROVIDER_URL", "")
        self.key = crm.get("SMS_PROVIDER_KEY", "")
        self.secret = crm.get("SMS_PROVIDER_SECRET", "")
        self.sender = crm.get("SMS_PROVIDER_SENDER", "")
        self.status_url = crm.get("SMS_PROVIDER_STATUS_URL", "")
        self.timeout = float(crm.get("SMS_PROVIDER_TIMEOUT", 10))
        # whether the provider de-duplicates on Idempotency-Key (then a resend after a crash is safe)
        self.idempotent = bool(crm.get("SMS_PROVIDER_IDEMPOTENT", True))
        for url in (self.url, self.status_url):
            if url and urllib.parse.urlsplit(url).scheme not in ("http", "https"):
                raise PermanentSendError(f"SMS provider URL must be http(s): {url!r}")

    def _headers(self, body: bytes, message) -> dict:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Idempotency-Key": f"msg-{message.pk}",
            "User-Agent": "autoloan-crm/1.0",
        }
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        if self.secret:
            headers["X-Signature"] = f"sha256={sign(self.secret, body)}"
        return headers

    def _call(self, request: urllib.request.Request) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                raw = response.read(65536)
                status = response.status
        except urllib.error.HTTPError as exc:
            detail = exc.read(2000).decode("utf-8", "replace") if exc.fp else ""
            if exc.code >= 500 or exc.code in RETRYABLE_4XX:
                raise TransientSendError(f"provider HTTP {exc.code}: {detail}") from exc
            if exc.code == 404 and request.get_method() == "GET":
                return 404, {}
            raise PermanentSendError(f"provider HTTP {exc.code}: {detail}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise TransientSendError(f"provider unreachable: {exc}") from exc
        try:
            data = json.loads(raw.decode("utf-8")) if raw else {}
        except ValueError:
            data = {}
        return status, data if isinstance(data, dict) else {}

    @staticmethod
    def _provider_id(data: dict) -> str:
        for key in ("id", "message_id", "provider_id", "sid"):
            if data.get(key):
                return str(data[key])[:128]
        return ""

    def send(self, message) -> str:
        if not self.url:
            raise PermanentSendError("SMS_PROVIDER_URL is not configured")
        body = json.dumps(
            {"to": message.to, "body": message.body, "client_ref": str(message.pk), "sender": self.sender},
            ensure_ascii=False,
        ).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            self.url, data=body, method="POST", headers=self._headers(body, message)
        )
        _, data = self._call(request)
        return self._provider_id(data) or f"http-{message.pk}"

    def lookup(self, message) -> tuple[Recovery, str]:
        if not self.status_url:
            return Recovery.UNKNOWN, ""
        query = urllib.parse.urlencode({"client_ref": str(message.pk)})
        separator = "&" if "?" in self.status_url else "?"
        request = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            f"{self.status_url}{separator}{query}", method="GET", headers=self._headers(b"", message)
        )
        status, data = self._call(request)
        if status == 404:
            return Recovery.NOT_ACCEPTED, ""
        return Recovery.ACCEPTED, self._provider_id(data) or f"http-{message.pk}"
