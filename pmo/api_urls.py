"""``/api/v1/``: token login, my organisations, and each organisation's resources under ``orgs/<org_slug>/``."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from pmo.accounts.api import TokenObtainView
from pmo.tenancy.api import InvitationViewSet, MemberViewSet, MyOrganizationsView, OrganizationDetailView
from projects.project_export_api import ProjectExportAPIView

router = SimpleRouter(trailing_slash=True)
router.register("members", MemberViewSet, basename="api-member")
router.register("invitations", InvitationViewSet, basename="api-invitation")

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("auth/", include("pmo.accounts.api_urls")),
    path("orgs/", MyOrganizationsView.as_view(), name="api-orgs"),
    path("orgs/<slug:org_slug>/", OrganizationDetailView.as_view(), name="api-org-detail"),
    path("orgs/<slug:org_slug>/", include(router.urls)),
    # Each domain app's API, all under the organisation (URL names start with "api-").
    path("orgs/<slug:org_slug>/", include("portfolio.api_urls")),
    path("orgs/<slug:org_slug>/", include("projects.api_urls")),
    path("orgs/<slug:org_slug>/", include("projects.knowledge.api_urls")),
    path("orgs/<slug:org_slug>/", include("projects.documents.api_urls")),
    path("orgs/<slug:org_slug>/", include("projects.msproject.api_urls")),
    path("orgs/<slug:org_slug>/", include("resources.api_urls")),
    path("orgs/<slug:org_slug>/", include("risks.api_urls")),
    path("orgs/<slug:org_slug>/", include("reports.api_urls")),
    path("orgs/<slug:org_slug>/", include("pmo.audit.api_urls")),
    path(
        "orgs/<slug:org_slug>/projects/<int:project_pk>/export/",
        ProjectExportAPIView.as_view(),
        name="api-project-export",
    ),
    path("orgs/<slug:org_slug>/", include("pmo.imports.api_urls")),
    path("orgs/<slug:org_slug>/", include("pmo.calendars.api_urls")),
]
