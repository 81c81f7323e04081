from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("callbacks/sms/delivery/", views.delivery_callback, name="delivery_callback"),
    path("callbacks/sms/inbound/", views.inbound_sms, name="inbound_sms"),
    path("borrowers/<int:borrower_id>/messages/", views.borrower_messages, name="borrower_messages"),
]
