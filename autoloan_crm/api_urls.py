"""Every app's API under /api/. Each app exposes `api/urls.py` with a `router` or `urlpatterns`."""

from django.urls import include, path

urlpatterns = [
    path("", include("borrowers.api.urls")),
    path("", include("complaints.api.urls")),
    path("", include("debt_collection.api.urls")),
    path("", include("notifications.api.urls")),
]
