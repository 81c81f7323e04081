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
    Accept-Language, so integrators get messages in theirs. Goes just before LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Public pages for borrowers (LANGUAGE_FROM_BROWSER_PATHS) also follow the browser.
        browser_paths = tuple(getattr(settings, "LANGUAGE_FROM_BROWSER_PATHS", ()))
        if (
            not request.path.startswith("/api/")
            and not request.path.startswith(browser_paths)
            and not getattr(settings, "LANGUAGE_FROM_BROWSER", False)
        ):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
