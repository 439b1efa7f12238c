from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from pmo.core import views as core_views
from pmo.tenancy.views import invitation_accept

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("", core_views.home, name="home"),
    path("accounts/", include("pmo.accounts.urls")),
    path("invitations/<str:token>/", invitation_accept, name="invitation-accept"),
    path("o/<slug:org_slug>/", include("pmo.tenancy.urls")),
    path("o/<slug:org_slug>/", include("portfolio.urls")),
    path("o/<slug:org_slug>/", include("projects.urls")),
    path("o/<slug:org_slug>/", include("projects.knowledge.urls")),
    path("o/<slug:org_slug>/", include("projects.documents.urls")),
    path("o/<slug:org_slug>/", include("projects.msproject.urls")),
    path("o/<slug:org_slug>/", include("resources.urls")),
    path("o/<slug:org_slug>/", include("risks.urls")),
    path("o/<slug:org_slug>/", include("reports.urls")),
    path("o/<slug:org_slug>/", include("pmo.imports.urls")),
    path("o/<slug:org_slug>/", include("pmo.calendars.urls")),
    # Calendar feeds: a per-user secret URL that calendar applications poll without a session.
    path("feeds/", include("pmo.calendars.feed_urls")),
    path("api/v1/", include("pmo.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, so the CSP needs no inline scripts.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("platform-admin/", admin.site.urls),
]

# Unmatched paths: JSON under /api/ (the API's error contract), the site's pages elsewhere.
handler404 = "pmo.core.views.not_found"
handler500 = "pmo.core.views.server_error"
