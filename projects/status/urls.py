"""Weekly status pages (placeholder until the feature lands)."""

from django.urls import path

from projects import views

urlpatterns = [
    path("projects/<int:pk>/status/", views.ProjectDetailView.as_view(), name="project-status"),
]
