"""Staff pages, mounted under /complaints/ in the `complaints` namespace (complaints/urls.py)."""

from django.urls import path

from complaints.workspace import views

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.complaint_action, name="action"),
    path("<int:pk>/panel/<slug:action>/", views.complaint_panel, name="panel"),
    path("<int:pk>/timeline/", views.complaint_timeline, name="timeline"),
    path("supervisor/", views.supervisor, name="supervisor"),
    path("supervisor/reassign/", views.bulk_reassign, name="bulk_reassign"),
    path("escalations/acknowledge/", views.escalation_acknowledge, name="escalation_acknowledge"),
]
