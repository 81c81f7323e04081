from django.urls import path

from complaints.public import views

app_name = "public_complaints"

urlpatterns = [
    path("complaint/new/", views.complaint_new, name="new"),
    path("complaint/submitted/", views.complaint_submitted, name="submitted"),
    path("complaint/track/", views.track, name="track"),
    path("complaint/track/<str:code>/", views.status, name="status"),
    path("complaint/track/<str:code>/feedback/", views.feedback, name="feedback"),
    path("complaint/track/<str:code>/reopen/", views.reopen, name="reopen"),
    # staff only (login + branch scope): the agent's complaint page links here
    path("complaint-attachments/<int:pk>/download/", views.attachment_download, name="attachment_download"),
]
