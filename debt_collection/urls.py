app_name = "debt_collection"

urlpatterns = []
