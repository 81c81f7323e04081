"""Per-token API throttling. Each integration token has its own bucket (and may carry its own rate,
`ApiToken.rate`); browser sessions are throttled per user."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def __init__(self):
        # the rate is resolved per request (a token may carry its own), not once per class
        pass

    def _rate_for(self, request) -> str | None:
        rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
        token = getattr(request, "auth", None)
        if token is not None and hasattr(token, "key_hash"):
            return getattr(token, "rate", "") or rates.get("token")
        return rates.get("user")

    def allow_request(self, request, view):
        self.rate = self._rate_for(request)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if token is not None and hasattr(token, "key_hash"):
            ident = f"token:{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
