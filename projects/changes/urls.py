"""Change request pages (placeholder until the feature lands)."""

from django.urls import path

from projects import views

urlpatterns = [
    path("projects/<int:pk>/changes/", views.ProjectDetailView.as_view(), name="project-changes"),
]
