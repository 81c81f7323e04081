from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.index, name="index"),
    path("sla/", views.sla, name="sla"),
    path("quality/", views.quality, name="quality"),
    path("collections/", views.collections, name="collections"),
    path("compliance/", views.compliance, name="compliance"),
    path("records/complaints/", views.complaint_records, name="complaints"),
    path("records/cases/", views.case_records, name="cases"),
    path("records/blocked-contacts/", views.blocked_records, name="blocked"),
]
