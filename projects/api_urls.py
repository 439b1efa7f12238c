from rest_framework.routers import SimpleRouter

from projects.api import ProjectViewSet

router = SimpleRouter(trailing_slash=True)
router.register("projects", ProjectViewSet, basename="api-project")

urlpatterns = router.urls
