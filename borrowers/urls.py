from django.urls import path

from borrowers import views

app_name = "borrowers"

urlpatterns = [
    path("", views.borrower_search, name="search"),
    path("<int:pk>/", views.borrower_detail, name="detail"),
    path("<int:pk>/reveal/<str:field>/", views.borrower_reveal, name="reveal"),
]
