"""Imports in the API under ``/api/v1/orgs/<org_slug>/`` (URL names start with ``api-``)."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from pmo.imports import api
from pmo.imports.models import Entity

router = SimpleRouter(trailing_slash=True)
router.register("imports", api.ImportBatchViewSet, basename="api-import")

urlpatterns = [
    re_path(
        rf"^imports/templates/(?P<entity>{'|'.join(Entity.values)})\.(?P<fmt>csv|xlsx)$",
        api.ImportTemplateView.as_view(),
        name="api-import-template",
    ),
    *router.urls,
]
