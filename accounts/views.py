from django.contrib.auth import views as auth_views


class RateLimitedLoginView(auth_views.LoginView):
    """Login. Repeated failures lock the username/IP out (django-axes, AXES_FAILURE_LIMIT)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True
