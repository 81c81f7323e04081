from rest_framework.routers import DefaultRouter

from complaints.api.views import ComplaintViewSet, EscalationViewSet

router = DefaultRouter()
router.register("complaints", ComplaintViewSet, basename="complaint")
router.register("escalations", EscalationViewSet, basename="escalation")

urlpatterns = router.urls
