from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from common import views as common_views

urlpatterns = [
    path("", common_views.home, name="home"),
    path("healthz", common_views.healthz, name="healthz"),
    path("readyz", common_views.readyz, name="readyz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("borrowers/", include("borrowers.urls")),
    path("complaints/", include("complaints.urls")),
    path("", include("complaints.public.urls")),  # public /complaint/new/, /complaint/track/
    path("collections/", include("debt_collection.urls")),
    path("notifications/", include("notifications.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("api/", include("autoloan_crm.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # split view: the bootstrap script is a separate same-origin file, so the docs keep the strict CSP
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "AutoLoan CRM"
admin.site.site_title = "AutoLoan CRM"

