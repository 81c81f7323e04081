from django.urls import path

from debt_collection import views

app_name = "debt_collection"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
]
