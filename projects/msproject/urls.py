"""Pages of the Microsoft Project import, mounted at ``/o/<org_slug>/``."""

from django.urls import path

from projects.msproject import views

urlpatterns = [
    path("projects/<int:pk>/msproject/", views.PlanUploadView.as_view(), name="project-msproject"),
    path(
        "projects/<int:pk>/msproject/<int:import_id>/",
        views.PlanPreviewView.as_view(),
        name="project-msproject-preview",
    ),
]
