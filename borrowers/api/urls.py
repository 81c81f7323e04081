from rest_framework.routers import DefaultRouter

from borrowers.api.views import BorrowerViewSet, LoanViewSet, PaymentViewSet

router = DefaultRouter()
router.register("borrowers", BorrowerViewSet, basename="borrower")
router.register("loans", LoanViewSet, basename="loan")
router.register("payments", PaymentViewSet, basename="payment")

urlpatterns = router.urls
