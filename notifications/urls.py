from rest_framework.routers import SimpleRouter

from notifications import views

router = SimpleRouter()
router.register("subscriptions", views.SubscriptionViewSet, basename="subscription")

urlpatterns = router.urls
