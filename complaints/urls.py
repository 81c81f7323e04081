from django.urls import include, path

app_name = "complaints"

urlpatterns = [
    # staff workspace: queue, complaint page, supervisor views (complaints/workspace/)
    path("", include("complaints.workspace.urls")),
]
