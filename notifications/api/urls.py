from rest_framework.routers import DefaultRouter

from notifications.api.views import OutboundMessageViewSet

router = DefaultRouter()
router.register("messages", OutboundMessageViewSet, basename="message")

urlpatterns = router.urls
