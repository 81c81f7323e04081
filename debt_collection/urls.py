from django.urls import path

from debt_collection import views

app_name = "debt_collection"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/contacts/", views.case_contact, name="case_contact"),
    path("cases/<int:pk>/contact-check/", views.case_contact_check, name="case_contact_check"),
    path("cases/<int:pk>/sms/", views.case_sms, name="case_sms"),
    path("cases/<int:pk>/promises/", views.case_promise, name="case_promise"),
    path("cases/<int:pk>/arrangements/", views.case_arrangement, name="case_arrangement"),
    path("cases/<int:pk>/<str:action>/", views.case_action, name="case_action"),
    path("arrangements/<int:pk>/decide/", views.arrangement_decide, name="arrangement_decide"),
    path("contacts/<int:pk>/recording/", views.recording, name="recording"),
]
