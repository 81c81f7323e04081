from django.conf import settings


class SecurityHeadersMiddleware:
    """Content-Security-Policy: every script and style is served from our own origin (vendored),
    pages carry no inline scripts, and nothing may frame us."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(
            settings,
            "CONTENT_SECURITY_POLICY",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
            "base-uri 'self'; object-src 'none'",
        )

    def __call__(self, request):
        response = self.get_response(request)
        # Swagger UI (sidecar) needs an inline bootstrap; it is staff-only and same-origin.
        if not request.path.startswith("/api/docs") and not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
