"""Change-control pages, mounted at ``/o/<org_slug>/``."""

from django.urls import path

from projects.changes import views

request = "projects/<int:pk>/changes/<int:number>/"

urlpatterns = [
    path("projects/<int:pk>/changes/", views.ProjectChangesView.as_view(), name="project-changes"),
    path(request, views.ChangeRequestDetailView.as_view(), name="project-change-request"),
    path(f"{request}<str:verb>/", views.ChangeRequestActionView.as_view(), name="project-change-request-action"),
    path("changes/", views.ChangeRequestListView.as_view(), name="change-request-list"),
    path("changes/statistics/", views.BaselineChangesView.as_view(), name="baseline-changes"),
]
