"""Account security: login lockout (django-axes, enabled here), strong passwords, session expiry,
production cookie/HSTS settings and the security headers."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import DEMO_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()
    return settings


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_a_username_is_locked_out_from_every_address(client, agent, axes_on):
    codes = [_login(client, agent.username, "wrong-password-1").status_code for _ in range(3)]
    assert codes == [200, 200, 429]  # the form error twice, then the lockout page
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.filter(username=agent.username).exists()  # the failures are on record
    response = _login(client, agent.username, DEMO_PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_an_address_is_locked_out_for_every_username(client, agent, supervisor, axes_on):
    for name in ("nobody1", "nobody2", "nobody3"):
        _login(client, name, "wrong-password-1", ip="10.0.0.7")
    assert _login(client, supervisor.username, DEMO_PASSWORD, ip="10.0.0.7").status_code == 429
    assert _login(client, supervisor.username, DEMO_PASSWORD, ip="10.0.0.8").status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, agent, axes_on):
    _login(client, agent.username, "wrong-password-1")
    _login(client, agent.username, "wrong-password-2")
    assert _login(client, agent.username, DEMO_PASSWORD).status_code == 302
    client.logout()
    _login(client, agent.username, "wrong-password-3")
    _login(client, agent.username, "wrong-password-4")
    assert _login(client, agent.username, DEMO_PASSWORD).status_code == 302


def test_api_tokens_do_not_bypass_a_lockout_of_the_login_page(client, api_client, hq_user, axes_on):
    """Lockout is about guessing passwords; integrations authenticate with tokens and keep working."""
    from accounts.models import ApiToken

    for _ in range(3):
        _login(client, hq_user.username, "wrong-password-1")
    _t, key = ApiToken.issue(user=hq_user, name="core")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/borrowers/").status_code == 200
    assert _login(client, hq_user.username, DEMO_PASSWORD, ip="10.1.1.1").status_code == 429


@pytest.mark.parametrize(
    "password", ["short1!", "1234567890123", "qwertyuiop", "password123", "zhangwei2026", "zhangwei2026!"]
)
def test_weak_passwords_are_refused(branch, password):
    user = UserFactory(username="zhangwei2026", email="zhangwei2026@example.com", branch=branch, password=None)
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_strong_password_is_accepted(branch):
    user = UserFactory(username="zhangwei", branch=branch, password=None)
    validate_password("Tide-Lamp-Orbit-74", user)


def test_the_password_change_page_enforces_the_validators(client, agent):
    client.force_login(agent)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": DEMO_PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200 and "new_password2" in response.context["form"].errors
    agent.refresh_from_db()
    assert agent.check_password(DEMO_PASSWORD)


def test_sessions_expire(client, agent):
    assert django_settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE and django_settings.SESSION_COOKIE_HTTPONLY
    client.force_login(agent)
    assert client.get(reverse("borrowers:search")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("borrowers:search"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_pages_carry_the_security_headers(client, agent):
    client.force_login(agent)
    response = client.get(reverse("borrowers:search"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_production_settings_are_secure(tmp_path):
    env = {
        **os.environ, "DEBUG": "0", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "crm.example.com",
        "DJANGO_SETTINGS_MODULE": "autoloan_crm.settings", "VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    code = (
        "import json, django; from django.conf import settings as s; django.setup(); print(json.dumps({k: getattr(s, k) "
        "for k in ['SESSION_COOKIE_SECURE','CSRF_COOKIE_SECURE','SECURE_SSL_REDIRECT','SECURE_HSTS_SECONDS',"
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS','X_FRAME_OPTIONS','SESSION_COOKIE_HTTPONLY','DEBUG']}))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=django_settings.BASE_DIR, capture_output=True, text=True, check=True)
    values = json.loads(out.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["SECURE_SSL_REDIRECT"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert values["X_FRAME_OPTIONS"] == "DENY" and values["SESSION_COOKIE_HTTPONLY"]
