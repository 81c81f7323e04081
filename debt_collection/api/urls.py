from rest_framework.routers import DefaultRouter

from debt_collection.api.views import ArrangementViewSet, CaseViewSet, ContactViewSet, PromiseViewSet

router = DefaultRouter()
router.register("collections/cases", CaseViewSet, basename="collection-case")
router.register("collections/contacts", ContactViewSet, basename="collection-contact")
router.register("collections/promises", PromiseViewSet, basename="collection-promise")
router.register("collections/arrangements", ArrangementViewSet, basename="collection-arrangement")

urlpatterns = router.urls
