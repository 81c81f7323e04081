"""Fixed-window counters in Django's cache (Redis in production through CACHE_URL).

`cache.add` + `cache.incr` are atomic on Redis and on the local-memory cache, so concurrent requests
from several web processes share one count. A limit is written "limit/seconds" ("10/3600").
Keys never contain raw personal data: mobile numbers and IPs are hashed with the SECRET_KEY.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

PREFIX = "crm:public-rl"


@dataclass(frozen=True)
class Limit:
    limit: int
    seconds: int

    @classmethod
    def parse(cls, spec: str) -> Limit:
        count, _, seconds = str(spec).partition("/")
        return cls(int(count), int(seconds or 60))


def _digest(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), str(value).encode(), hashlib.sha256).hexdigest()[:32]


def _key(scope: str, value: str, limit: Limit) -> str:
    window = int(time.time() // limit.seconds)
    return f"{PREFIX}:{scope}:{_digest(value)}:{limit.seconds}:{window}"


def hit(scope: str, value: str, spec: str) -> bool:
    """Count one event; True while the count is within the limit, False once it is exceeded."""
    limit = Limit.parse(spec)
    key = _key(scope, value, limit)
    if cache.add(key, 1, timeout=limit.seconds + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=limit.seconds + 5)
            count = 1
    return count <= limit.limit


def is_blocked(scope: str, value: str, spec: str) -> bool:
    """Whether the limit is already used up, without counting (for failure-only counters)."""
    limit = Limit.parse(spec)
    return (cache.get(_key(scope, value, limit)) or 0) >= limit.limit


def client_ip(request) -> str:
    """The client's address for per-IP limits.

    With no proxy in front (CRM["TRUSTED_PROXY_COUNT"] = 0, the default) it is REMOTE_ADDR. Behind N
    trusted reverse proxies it is the N-th address from the right of X-Forwarded-For: the entries to
    its left were written by the client and are never trusted, or anyone could pick a fresh counter
    per request.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = int(getattr(settings, "CRM", {}).get("TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(chain) < proxies:
        return remote
    return chain[-proxies][:64]
