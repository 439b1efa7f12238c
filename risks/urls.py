"""Risk pages, mounted at ``/o/<org_slug>/``."""

from django.urls import path

from risks import views

urlpatterns = [
    path("risks/", views.RiskListView.as_view(), name="risk-list"),
    path("risks/new/", views.RiskCreateView.as_view(), name="risk-create"),
    path("risks/settings/", views.RiskSettingsView.as_view(), name="risk-settings"),
    path("risks/portfolio/<int:pk>/", views.PortfolioHeatMapView.as_view(), name="risk-portfolio"),
    path("risks/<int:number>/", views.RiskDetailView.as_view(), name="risk-detail"),
    path("risks/<int:number>/<str:verb>/", views.RiskActionView.as_view(), name="risk-action"),
    path("issues/", views.IssueListView.as_view(), name="issue-list"),
    path("issues/<int:number>/", views.IssueDetailView.as_view(), name="issue-detail"),
    path("issues/<int:number>/<str:verb>/", views.IssueActionView.as_view(), name="issue-action"),
    path("projects/<int:pk>/raid/", views.ProjectRaidView.as_view(), name="project-raid"),
]
