from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@login_required
def home(request):
    """Each role lands on its own workspace."""
    from django.urls import NoReverseMatch, reverse

    targets = {
        "agent": "complaints:queue",
        "collector": "debt_collection:queue",
        "supervisor": "dashboards:index",
        "hq": "dashboards:index",
        "compliance": "dashboards:index",
    }
    name = targets.get(request.user.role)
    if name:
        try:
            return redirect(reverse(name))
        except NoReverseMatch:
            pass
    return render(request, "home.html")


@require_GET
@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request):
    """Ready when the database answers and the Celery broker accepts a connection."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        from autoloan_crm.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["broker"] = f"error: {exc.__class__.__name__}"
    ok = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)
