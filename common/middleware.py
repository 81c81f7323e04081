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


class DefaultLanguageMiddleware:
    """Pages open in Simplified Chinese (LANGUAGE_CODE) unless the user picked a language with the
    switch (Django's language cookie): staff share workstations whose browsers are often set to
    English, and a CRM that changes language by machine confuses them. The API keeps honouring
    Accept-Language, so integrators get messages in theirs, and so do the public complaint pages:
    a borrower on their own phone gets their browser's language. Goes just before LocaleMiddleware."""

    BROWSER_LANGUAGE_PREFIXES = ("/api/", "/complaint/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(self.BROWSER_LANGUAGE_PREFIXES) and not getattr(settings, "LANGUAGE_FROM_BROWSER", False):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class HealthCheckMiddleware:
    """Answers /healthz and /readyz before host validation and the HTTPS redirect.

    Load balancers and container probes call the server by its IP over plain HTTP, which
    ALLOWED_HOSTS and SECURE_SSL_REDIRECT would otherwise refuse (400 / 301). Goes first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in ("/healthz", "/readyz"):
            from common import views

            return views.healthz(request) if request.path == "/healthz" else views.readyz(request)
        return self.get_response(request)
