"""The documents API under ``/api/v1/orgs/<org_slug>/`` (URL names start with ``api-``)."""

from rest_framework.routers import SimpleRouter

from projects.documents.api import DocumentViewSet

router = SimpleRouter(trailing_slash=True)
router.register(r"projects/(?P<project_pk>\d+)/documents", DocumentViewSet, basename="api-project-document")

urlpatterns = router.urls
