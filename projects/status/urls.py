"""Weekly status pages under ``/o/<org_slug>/``."""

from django.urls import path

from projects.status import views

report = "projects/<int:pk>/status/<str:week>/"

urlpatterns = [
    path("projects/<int:pk>/status/", views.ProjectStatusView.as_view(), name="project-status"),
    path(report, views.ProjectStatusView.as_view(), name="project-status-week"),
    path(f"{report}<str:verb>/", views.StatusActionView.as_view(), name="project-status-action"),
    path("status/", views.StatusListView.as_view(), name="status-list"),
    path("status/policy/", views.ControlPolicyPageView.as_view(), name="control-policy"),
]
