app_name = "dashboards"

urlpatterns = []
